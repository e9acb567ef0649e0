#pragma once
// Merging stores, e.g. the shards of one campaign run with --shard i/N into separate files.
// Rows are matched by their natural keys (model sha256, environment spec, mutant (model, op,
// position), input dataset key, run (model, environment, mutant), prediction and intermediate
// capture (run, input, repetition), intermediate value (capture, name)); ids are remapped; rows
// already in the output are kept as they are, except that a run's status becomes the better of the
// two (done, then any failure, then pending). Merging the same store twice changes nothing.
#include <cstdint>
#include <string>

#include "campaign/store.h"

namespace nnd::campaign {

// What a merge added to the output.
struct MergeSummary {
  int64_t models = 0, environments = 0, mutants = 0, inputs = 0;
  int64_t runs_added = 0;
  int64_t runs_improved = 0;  // runs already there whose status the input bettered
  int64_t predictions_added = 0;
  int64_t predictions_present = 0;  // predictions of the input the output already had
  int64_t captures_added = 0;       // intermediate captures, with their values:
  int64_t captures_present = 0;     // a capture the output had keeps its own
  int64_t intermediates_added = 0;
};

// Checks that the file is a store this build can merge (UserError naming it otherwise) and that it
// is not the output itself. Merge checks again; this lets a command check every input first.
void check_merge_input(const std::string& out_path, const std::string& in_path);

// Merges the store at in_path into out, in one transaction. The input is only read.
MergeSummary merge_into(Store& out, const std::string& in_path);

}  // namespace nnd::campaign
