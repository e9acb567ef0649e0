#pragma once
// `nndelta localize --store S`: the pairs of environments of a model whose top-1 answers differ
// somewhere in a store, with the inputs on which they differ, to localize each pair on.
#include <cstddef>
#include <string>
#include <vector>

#include "campaign/store.h"

namespace nnd::analysis {

struct StorePair {
  std::string model_name, model_path;  // the path resolved (as recorded, or beside the store)
  std::string reference_env, candidate_env;
  size_t flips = 0;               // inputs whose top-1 differs (repetition 0, both ok)
  std::vector<std::string> keys;  // the first `max_inputs` of them, by input id
};

// Pairs of environments of the original models (not mutants) with at least one top-1 difference,
// ordered by model, then reference, then candidate. The reference of a pair is the ref framework
// when one side has it, else the environment that sorts first. `model` (a model name) restricts
// the search; a name the store lacks is a UserError listing those it has. A model file that is
// gone or whose SHA-256 differs from the store's is a UserError naming it.
std::vector<StorePair> divergent_pairs(campaign::Store& store, const std::string& model,
                                       size_t max_inputs);

}  // namespace nnd::analysis
