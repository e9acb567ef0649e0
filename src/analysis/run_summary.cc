#include "analysis/run_summary.h"

#include <algorithm>
#include <map>

namespace nnd::analysis {

namespace {

// input id -> top-1 class of repetition 0, for predictions that succeeded.
std::map<int64_t, int32_t> top1_by_input(const std::vector<campaign::PredictionRecord>& ps) {
  std::map<int64_t, int32_t> top1;
  for (const auto& p : ps)
    if (p.repetition == 0 && p.outcome == "ok" && !p.top_ids.empty())
      top1[p.input_id] = p.top_ids.front();
  return top1;
}

}  // namespace

std::vector<RunSummary> summarize_runs(campaign::Store& store, const std::string& baseline) {
  std::map<int64_t, std::optional<int64_t>> labels;
  for (const campaign::InputRecord& in : store.inputs()) labels[in.id] = in.label;
  std::vector<campaign::RunRow> runs = store.runs();
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.model_name, a.environment) < std::tie(b.model_name, b.environment);
  });
  std::map<int64_t, std::map<int64_t, int32_t>> baseline_top1;  // model id -> input -> class
  for (const auto& run : runs)
    if (run.environment == baseline && run.mutant_id == 0)
      baseline_top1[run.model_id] = top1_by_input(store.predictions(run.id));

  std::vector<RunSummary> rows;
  for (const auto& run : runs) {
    RunSummary row;
    row.model = run.model_name;
    row.environment = run.environment;
    row.status = std::string(campaign::run_status_name(run.status));
    row.message = run.message;
    std::vector<campaign::PredictionRecord> ps = store.predictions(run.id);
    std::vector<double> ms;
    for (const auto& p : ps) {
      if (p.outcome != "ok") {
        row.failed_inputs += p.repetition == 0;
        continue;
      }
      ms.push_back(static_cast<double>(p.latency_ns) / 1e6);
      if (p.repetition != 0) continue;
      ++row.predictions;
      const std::optional<int64_t>& label = labels[p.input_id];
      if (label && !p.top_ids.empty()) {
        ++row.labelled;
        row.correct += p.top_ids.front() == *label;
      }
    }
    if (auto it = baseline_top1.find(run.model_id); it != baseline_top1.end())
      for (const auto& [input, top1] : top1_by_input(ps))
        if (auto b = it->second.find(input); b != it->second.end()) {
          ++row.compared;
          row.top1_differs += b->second != top1;
        }
    if (!ms.empty()) {
      std::nth_element(ms.begin(), ms.begin() + static_cast<long>(ms.size() / 2), ms.end());
      row.median_ms = ms[ms.size() / 2];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace nnd::analysis
