#pragma once
// The quick pairwise check of two sides (a model in two environments, or two models): load/run
// status of each, top-1 flips, and numeric error statistics of the class scores under a
// tolerance. `nndelta compare` prints it; `nndelta localize` starts from it to pick the inputs
// on which to look inside the model.
#include <optional>
#include <string>
#include <vector>

#include "analysis/compare_side.h"
#include "analysis/error_stats.h"
#include "core/tensor.h"
#include "data/card.h"
#include "data/dataset.h"

namespace nnd::analysis {

// One input, preprocessed for the model.
struct InputCase {
  std::string key;  // the dataset key, e.g. "fashion-mnist:test#17"
  TensorMap inputs;
};

// Reads `spec`'s items and preprocesses them by `card`; an unreadable item is a UserError naming
// it (a comparison needs the same inputs on both sides).
std::vector<InputCase> read_cases(const data::DatasetSpec& spec, const data::ModelCard& card);
// The items named by store keys (data/item_key.h), preprocessed by `card`.
std::vector<InputCase> read_cases(const std::vector<std::string>& keys,
                                  const data::ModelCard& card);
// The dataset `compare` and `localize` use when none is given: the first 100 Fashion-MNIST test
// images for a model whose card describes Fashion-MNIST (28x28x1, its ten labels); otherwise a
// UserError asking for --dataset.
data::DatasetSpec default_dataset(const data::ModelCard& card);

struct InputComparison {
  std::string key;
  size_t top1_reference = 0, top1_candidate = 0;  // class indices (card labels)
  ErrorStats stats;                               // of the class-score output
  bool diverges() const { return top1_reference != top1_candidate || !stats.passes(); }
};

struct CompareResult {
  std::string reference_env, candidate_env;      // canonical spellings
  std::string reference_model, candidate_model;  // the models' paths (the same without --model-b)
  std::string reference_description, candidate_description;  // what each worker said it runs
  std::string output;                                        // the class-score output compared
  std::vector<std::string> labels;  // the card's, for the class indices below
  Tolerance tolerance;
  std::optional<SideFailure> reference_failure, candidate_failure;
  std::vector<InputComparison> inputs;  // every input both sides ran, in order
  size_t top1_flips = 0;
  ErrorStats scores;  // of the class scores over every input: candidate against reference

  bool failed() const { return reference_failure || candidate_failure; }
  // A failure of either side, a top-1 flip, or scores beyond the tolerance.
  bool diverges() const { return failed() || top1_flips > 0 || !scores.passes(); }
  double flip_percent() const;
};

// Runs every case on both sides (the reference is the first `--env`, the candidate the second;
// errors are |candidate - reference| with rtol relative to the reference) and compares the
// card's output. Stops at the first failure of either side, keeping what was compared.
CompareResult compare_sides(CompareSide& reference, CompareSide& candidate,
                            const std::vector<InputCase>& cases, const data::ModelCard& card,
                            const Tolerance& tolerance);

}  // namespace nnd::analysis
