// build_report: reads the store one model at a time and fills each section (report_sections.h).
#include "analysis/report_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "analysis/report_sections.h"
#include "backends/env_spec.h"
#include "core/error.h"

namespace nnd::analysis {

namespace {

using report::RunPredictions;

void check(const ReportOptions& options) {
  if (options.top_k < 1) fail("report: top_k must be at least 1, got {}", options.top_k);
  if (!(options.rbo_p > 0 && options.rbo_p < 1))
    fail("report: rbo_p must be in (0, 1), got {}", options.rbo_p);
  if (!(options.alpha > 0 && options.alpha < 1))
    fail("report: alpha must be in (0, 1), got {}", options.alpha);
  if (options.bootstrap_resamples < 1)
    fail("report: bootstrap_resamples must be at least 1, got {}", options.bootstrap_resamples);
}

void read_meta(campaign::Store& store, ReportData& report) {
  campaign::sql::Statement select(store.database(), "SELECT key, value FROM meta");
  while (select.step()) {
    const std::string key = select.column_text(0), value = select.column_text(1);
    if (key == "created_by") report.created_by = value;
    if (key == "created_at") report.created_at = value;
    if (key == "schema_version")
      std::from_chars(value.data(), value.data() + value.size(), report.schema_version);
  }
}

std::map<int64_t, campaign::MutantRecord> read_mutants(campaign::Store& store) {
  std::map<int64_t, campaign::MutantRecord> mutants;
  for (campaign::MutantRecord& m : store.mutants()) mutants[m.id] = std::move(m);
  return mutants;
}

// The environment named in the options, else ref@cpu:O2, else the first; a note when the one named
// is missing.
std::string choose_baseline(const ModelReport& model, const std::string& wanted,
                            std::vector<std::string>& notes) {
  auto has = [&](const std::string& env) {
    return std::find(model.environments.begin(), model.environments.end(), env) !=
           model.environments.end();
  };
  if (!wanted.empty() && has(wanted)) return wanted;
  std::string chosen = has("ref@cpu:O2")            ? "ref@cpu:O2"
                       : model.environments.empty() ? ""
                                                    : model.environments.front();
  if (!wanted.empty())
    notes.push_back(fmt::format("model {} has no run in the baseline {}; its baseline is {}",
                                model.name, wanted, chosen.empty() ? "none" : chosen));
  return chosen;
}

// "2 crashed, 1 failed" for the runs' statuses.
std::string status_counts(const std::vector<RunPredictions>& runs) {
  std::map<std::string, int> counts;
  for (const RunPredictions& r : runs) ++counts[std::string(run_status_name(r.run.status))];
  std::string text;
  for (const auto& [status, count] : counts)
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", count, status);
  return text;
}

ModelReport build_model(campaign::Store& store, int64_t model_id,
                        std::vector<campaign::RunRow> runs,
                        const std::map<int64_t, campaign::MutantRecord>& mutants,
                        const report::InputIndex& inputs, const ReportOptions& options,
                        const std::string& baseline, std::vector<std::string>& notes) {
  ModelReport model;
  model.name = runs.front().model_name;
  model.sha256 = runs.front().model_sha256;
  std::stable_sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) {
    return std::pair(a.mutant_id != 0, a.env_id) < std::pair(b.mutant_id != 0, b.env_id);
  });

  std::vector<RunPredictions> originals;
  std::map<int64_t, size_t> original_by_env;
  for (campaign::RunRow& row : runs) {
    if (row.mutant_id != 0) continue;
    original_by_env[row.env_id] = originals.size();
    model.environments.push_back(row.environment);
    std::vector<campaign::PredictionRecord> predictions = store.predictions(row.id);
    originals.emplace_back(std::move(row), std::move(predictions));
  }
  model.baseline = choose_baseline(model, baseline, notes);
  if (originals.empty())
    notes.push_back(
        fmt::format("model {} has only mutant runs: no original to compare with", model.name));
  else if (std::all_of(originals.begin(), originals.end(),
                       [](const RunPredictions& r) { return r.first_ok.empty(); }))
    notes.push_back(fmt::format("model {}: none of its {} runs answered any input ({})", model.name,
                                originals.size(), status_counts(originals)));

  report::add_accuracy(originals, inputs, model);
  report::add_pairs(originals, options, model);
  for (const FirstDivergence& d : read_first_divergences(store)) {
    if (d.model_id != model_id) continue;
    for (PairAgreement& p : model.pairs)
      if ((p.a == d.reference_env && p.b == d.candidate_env) ||
          (p.a == d.candidate_env && p.b == d.reference_env))
        p.first_divergent = d;
  }
  report::add_disagreeing_images(originals, inputs, options, model);
  report::add_latency(originals, options, model);
  report::add_nondeterminism(originals, model);
  for (const RunPredictions& run : originals) report::add_failure(run, "", model);

  // One mutant at a time (its runs in every environment together, for the discrepancies), in
  // store order, so that only the originals and one mutant stay in memory.
  std::map<int64_t, std::vector<campaign::RunRow>> by_mutant;
  for (campaign::RunRow& row : runs)
    if (row.mutant_id != 0) by_mutant[row.mutant_id].push_back(std::move(row));
  for (auto& [mutant_id, rows] : by_mutant) {
    auto mutant = mutants.find(mutant_id);
    if (mutant == mutants.end())
      fail("{}: run {} names mutant {}, which is not in the mutants table", store.path(),
           rows.front().id, mutant_id);
    std::vector<RunPredictions> mutant_runs;
    std::vector<const RunPredictions*> original_runs;
    for (campaign::RunRow& row : rows) {
      auto original = original_by_env.find(row.env_id);
      original_runs.push_back(original == original_by_env.end() ? nullptr
                                                                : &originals[original->second]);
      std::vector<campaign::PredictionRecord> predictions = store.predictions(row.id);
      mutant_runs.emplace_back(std::move(row), std::move(predictions));
      report::add_failure(mutant_runs.back(), mutant->second.op + "@" + mutant->second.position,
                          model);
    }
    report::add_mutant(mutant_runs, original_runs, mutant->second, model);
  }
  std::vector<campaign::MutantRecord> would_be;
  for (const auto& [id, m] : mutants)
    if (m.model_id == model_id && m.sites == 0) would_be.push_back(m);
  report::finish_mutation(would_be, model);
  return model;
}

}  // namespace

ReportData build_report(campaign::Store& store, const ReportOptions& options) {
  check(options);
  const std::string baseline =
      options.baseline.empty() ? "" : backends::EnvSpec::parse(options.baseline).canonical();
  ReportData report;
  report.store_path = store.path();
  report.options = options;
  read_meta(store, report);

  const std::vector<campaign::InputRecord> input_rows = store.inputs();
  report::InputIndex inputs;
  for (const campaign::InputRecord& input : input_rows) inputs[input.id] = &input;
  const std::map<int64_t, campaign::MutantRecord> mutants = read_mutants(store);

  std::map<int64_t, std::vector<campaign::RunRow>> runs_by_model;  // by model id: store order
  for (campaign::RunRow& run : store.runs()) runs_by_model[run.model_id].push_back(run);
  if (runs_by_model.empty()) report.notes.emplace_back("the store has no runs");
  for (auto& [model_id, runs] : runs_by_model)
    report.models.push_back(build_model(store, model_id, std::move(runs), mutants, inputs, options,
                                        baseline, report.notes));
  return report;
}

}  // namespace nnd::analysis
