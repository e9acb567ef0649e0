// The report's run sections: failed runs and inputs, and mutants against the original model.
#include <fmt/format.h>

#include <map>
#include <set>

#include "analysis/report_sections.h"

namespace nnd::analysis::report {

void add_failure(const RunPredictions& run, const std::string& mutant, ModelReport& model) {
  std::map<std::string, std::set<int64_t>> failed;  // outcome -> inputs
  for (const campaign::PredictionRecord& p : run.predictions)
    if (p.outcome != "ok") failed[p.outcome].insert(p.input_id);
  if (run.run.status == campaign::RunStatus::kDone && failed.empty()) return;
  RunFailure& f = model.failures.emplace_back();
  f.environment = run.run.environment;
  f.mutant = mutant;
  f.status = std::string(campaign::run_status_name(run.run.status));
  f.message = run.run.message;
  for (const auto& [outcome, inputs] : failed)
    f.failed_inputs[outcome] = static_cast<int64_t>(inputs.size());
}

void add_mutant(const RunPredictions& mutant_run, const RunPredictions* original,
                const campaign::MutantRecord& mutant, ModelReport& model) {
  MutantOutcome& m = model.mutants.emplace_back();
  m.mutant = mutant.op + "@" + mutant.position;
  m.op = mutant.op;
  m.category = mutant.category;
  m.environment = mutant_run.run.environment;
  m.status = std::string(campaign::run_status_name(mutant_run.run.status));
  if (original)
    for_common_inputs(
        *original, mutant_run,
        [&](const campaign::PredictionRecord& o, const campaign::PredictionRecord& p) {
          ++m.compared;
          m.label_changes += top1_of(o) != top1_of(p);
        });
  if (m.compared > 0)
    m.label_change_pct =
        100.0 * static_cast<double>(m.label_changes) / static_cast<double>(m.compared);
  else if (!original)
    m.note = fmt::format("the original model has no run in {}", m.environment);
  else
    m.note = fmt::format("no input answered ok by both the original ({}) and the mutant ({})",
                         original->first_ok.size(), mutant_run.first_ok.size());
  m.killed = m.label_changes > 0 || mutant_run.run.status != campaign::RunStatus::kDone;
}

}  // namespace nnd::analysis::report
