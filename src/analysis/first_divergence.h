#pragma once
// The first divergent node of each diverging pair of environments in a campaign's store, so that
// the report names it beside the pair (issues 14 and 15). After the runs, per model: the pairs
// that diverge (a top-1 label differs, or kept logits beyond tolerance) between the baseline and
// another environment, and between any two of those; each of these environments runs one input
// in a worker with every value exposed (worker/expose.h), and each pair's values are compared as
// `localize` does by exposure (compare_exposed): the first value in the reference model's
// topological order beyond tolerance or of another shape. A model and its converted copy
// (+qdq8, +int8w, +fp16w, +opsetN) share value names, and so do the frameworks running it.
//
// One row per pair in the store's first_divergences table, whatever came of it (a side that
// cannot expose its values, e.g. pytorch's TorchScript, is a row saying so): a resumed campaign
// only looks at the pairs without a row.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/error_stats.h"
#include "analysis/localize.h"
#include "campaign/config.h"
#include "campaign/store.h"

namespace nnd::analysis {

struct FirstDivergence {
  int64_t model_id = 0;  // in the store
  std::string model;     // its name
  std::string reference_env, candidate_env;
  std::string input;  // dataset key of the input looked inside; empty when none was
  // "found" (`first` is set), "none" (no value beyond tolerance on that input), or "failed"
  // (`message` says why the values could not be compared).
  std::string outcome;
  std::string message;
  std::optional<ValueError> first;  // position, node, op, value, stats (max_abs, mean_abs,
                                    // beyond, count) and shapes
  size_t compared = 0;              // values compared
  size_t skipped = 0;  // values of the reference model not compared (not returned by both)
  Tolerance tolerance;
};

struct FirstDivergenceOptions {
  Tolerance tolerance;   // as the report's default
  std::string baseline;  // empty: ref@cpu:O2 when a model ran there, else its first environment
  bool quiet = false;    // no progress lines on stderr
};

struct FirstDivergenceSummary {
  size_t pairs = 0;            // diverging pairs looked at (with a row now)
  size_t recorded_before = 0;  // of those, already in the store
  size_t found = 0;            // with a first divergent node
  double seconds = 0;
};

// Fills the store's first_divergences for every diverging pair of `config`'s models that lacks a
// row. The inputs are read back by their dataset keys, as the campaign fed them.
FirstDivergenceSummary locate_first_divergences(campaign::Store& store,
                                                const campaign::CampaignConfig& config,
                                                const FirstDivergenceOptions& options);

// Every row, ordered by model, reference, candidate.
std::vector<FirstDivergence> read_first_divergences(campaign::Store& store);

// "node #3 conv (Conv) → c: max abs 0.0213 (12 of 200 elements beyond tolerance) on
// fashion-mnist:test#7", or why none is named.
std::string first_divergence_text(const FirstDivergence& d);

}  // namespace nnd::analysis
