#pragma once
// Per-run figures straight from a store: accuracy against the ground truth, how often the top-1
// label differs from a baseline environment's on the same inputs, and the median latency. The
// full report (issue 6) builds on the same readers.
#include <optional>
#include <string>
#include <vector>

#include "campaign/store.h"

namespace nnd::analysis {

struct RunSummary {
  std::string model, environment, status, message;
  int64_t predictions = 0;    // repetition 0, outcome ok
  int64_t failed_inputs = 0;  // repetition 0, outcome not ok
  int64_t labelled = 0, correct = 0;
  int64_t compared = 0, top1_differs = 0;  // against the baseline, on common inputs
  double median_ms = 0;                    // over every repetition
};

// One row per run, ordered by model then environment. `baseline` is an environment spec; runs of
// a model without a baseline run have compared == 0.
std::vector<RunSummary> summarize_runs(campaign::Store& store, const std::string& baseline);

}  // namespace nnd::analysis
