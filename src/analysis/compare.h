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
#include "data/feeds.h"

namespace nnd::analysis {

// One input, preprocessed for the model.
struct InputCase {
  std::string key;  // the dataset key, e.g. "fashion-mnist:test#17"
  TensorMap inputs;
};

// Reads `spec`'s items and preprocesses them by `card`; an unreadable item is a UserError naming
// it (a comparison needs the same inputs on both sides). Prepared tensors (data/feeds.h) are fed
// by input name to `inputs`, except an npy: file with a card, which the card checks as before;
// an image dataset without a card is a UserError.
std::vector<InputCase> read_cases(const data::DatasetSpec& spec, const data::ModelCard& card,
                                  const std::vector<data::InputSpec>& inputs = {});
// The items named by store keys (data/item_key.h), preprocessed by `card`.
std::vector<InputCase> read_cases(const std::vector<std::string>& keys,
                                  const data::ModelCard& card);
// The dataset `compare` and `localize` use when none is given: the first 100 Fashion-MNIST test
// images for a model whose card describes Fashion-MNIST (28x28x1, its ten labels); otherwise a
// UserError asking for --dataset.
data::DatasetSpec default_dataset(const data::ModelCard& card);

// Two tensors of one value whose shapes differ (after dropping dimensions of size 1, which
// do not change the element order): a divergence in itself, whatever the values.
struct ShapeMismatch {
  Shape reference, candidate;
  std::string input;  // the key of the first input on which they differ
};
// Whether `a` and `b` hold elements in the same arrangement: equal once 1-sized dims are dropped.
bool same_shape(const Shape& a, const Shape& b);

struct InputComparison {
  std::string key;
  size_t top1_reference = 0, top1_candidate = 0;  // class indices (card labels)
  ErrorStats stats;      // of the class-score output (empty when its shapes differ)
  bool beyond = false;   // some output is beyond its tolerance or differs in shape
  double worst_abs = 0;  // the largest |c - r| over every output, to rank inputs
  bool flipped() const { return top1_reference != top1_candidate; }
  bool diverges() const { return flipped() || beyond; }
};

// One output of the model over every input.
struct OutputComparison {
  std::string name;
  Tolerance tolerance;
  ErrorStats stats;                     // candidate against reference, inputs of equal shape
  std::optional<ShapeMismatch> shapes;  // set when its shapes differ on some input
  bool diverges() const { return shapes || !stats.passes(); }
};

struct CompareResult {
  std::string reference_env, candidate_env;      // canonical spellings
  std::string reference_model, candidate_model;  // the models' paths (the same without --model-b)
  std::string reference_description, candidate_description;  // what each worker said it runs
  std::string output;  // the class-score output (the card's, or the model's first output)
  std::vector<std::string> labels;  // the card's, for the class indices below; empty: indices
  Tolerance tolerance;              // of `output`
  std::optional<SideFailure> reference_failure, candidate_failure;
  size_t failed_input = 0;  // with a run failure: the index in the cases of the input that failed
  std::vector<InputComparison> inputs;  // every input both sides ran, in order
  size_t top1_flips = 0;
  ErrorStats scores;  // of the class scores over every input: candidate against reference
  std::vector<OutputComparison> outputs;  // every output of the reference model, in its order

  bool failed() const { return reference_failure || candidate_failure; }
  bool outputs_pass() const;
  // A failure of either side, a top-1 flip, an output beyond its tolerance or of another shape.
  bool diverges() const { return failed() || top1_flips > 0 || !outputs_pass(); }
  double flip_percent() const;
  // The name of class `index`: its card label, or the index itself for a model without a card.
  std::string label(size_t index) const;
};

// Runs every case on both sides (the reference is the first `--env`, the candidate the second;
// errors are |candidate - reference| with rtol relative to the reference) and compares every
// output of the reference model, the card's output also by its top-1 class. Stops at the first
// failure of either side, keeping what was compared. An output missing from a side is a
// UserError naming it.
CompareResult compare_sides(CompareSide& reference, CompareSide& candidate,
                            const std::vector<InputCase>& cases, const data::ModelCard& card,
                            const Tolerances& tolerances);

}  // namespace nnd::analysis
