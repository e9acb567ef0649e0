// The report's run section: failed runs and inputs.
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

}  // namespace nnd::analysis::report
