#pragma once
// The sections of build_report, one file each (report_pairs.cc, report_timing.cc,
// report_runs.cc), over one model's predictions held in memory.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/report_data.h"
#include "campaign/store.h"

namespace nnd::analysis::report {

// One run's predictions, ordered by input id then repetition, and the ok answers at repetition 0.
struct RunPredictions {
  campaign::RunRow run;
  std::vector<campaign::PredictionRecord> predictions;
  std::vector<const campaign::PredictionRecord*> first_ok;  // by input id

  RunPredictions(campaign::RunRow row, std::vector<campaign::PredictionRecord> all);
  RunPredictions(RunPredictions&&) = default;
  RunPredictions(const RunPredictions&) = delete;
};

// The class a prediction puts first, -1 when it has none.
int32_t top1_of(const campaign::PredictionRecord& p);

using InputIndex = std::unordered_map<int64_t, const campaign::InputRecord*>;

// Calls visit(a, b) for each input both runs answered ok at repetition 0, by input id.
template <typename Visit>
void for_common_inputs(const RunPredictions& a, const RunPredictions& b, Visit&& visit) {
  auto i = a.first_ok.begin(), j = b.first_ok.begin();
  while (i != a.first_ok.end() && j != b.first_ok.end()) {
    if ((*i)->input_id < (*j)->input_id) {
      ++i;
    } else if ((*j)->input_id < (*i)->input_id) {
      ++j;
    } else {
      visit(**i++, **j++);
    }
  }
}

// `originals` are the model's original runs in `model.environments` order.
void add_accuracy(const std::vector<RunPredictions>& originals, const InputIndex& inputs,
                  ModelReport& model);
void add_pairs(const std::vector<RunPredictions>& originals, const ReportOptions& options,
               ModelReport& model);
void add_disagreeing_images(const std::vector<RunPredictions>& originals, const InputIndex& inputs,
                            const ReportOptions& options, ModelReport& model);
void add_latency(const std::vector<RunPredictions>& originals, const ReportOptions& options,
                 ModelReport& model);
void add_nondeterminism(const std::vector<RunPredictions>& originals, ModelReport& model);

// The run's failure entry, if its status is not done or some input failed; `mutant` is
// "op@position", empty for the original model.
void add_failure(const RunPredictions& run, const std::string& mutant, ModelReport& model);
// report_mutation.cc: one mutant's runs (every environment it ran in) against the original runs
// of the same environments (`original_of(env_id)`, null when there is none): its outcomes and its
// cross-environment discrepancies.
void add_mutant(const std::vector<RunPredictions>& mutant_runs,
                const std::vector<const RunPredictions*>& originals,
                const campaign::MutantRecord& mutant, ModelReport& model);
// Would-be mutants, scores per environment and per category, once every mutant is added.
void finish_mutation(const std::vector<campaign::MutantRecord>& would_be, ModelReport& model);

}  // namespace nnd::analysis::report
