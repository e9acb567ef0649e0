#pragma once
// The text that `nndelta compare` and `nndelta localize` print for humans: a one-line verdict
// first, then the details.
#include <string>

#include "analysis/compare.h"
#include "analysis/localize.h"

namespace nnd::analysis {

// "agree: ...", "DIVERGE: ..." or "FAILED: ...", one line.
std::string verdict_line(const CompareResult& result);
std::string verdict_line(const LocalizeResult& result);

// The verdict and the comparison's details, several lines each ending in '\n'.
std::string compare_text(const CompareResult& result, const std::string& dataset);
// The verdict, the comparison, then what localization found: the first divergent node, its
// neighbours, the per-node curve and what was skipped.
std::string localize_text(const LocalizeResult& result, const std::string& dataset);

// "max abs 1.2e-05, mean abs 3e-06, ..., 12 of 1000 beyond tolerance".
std::string stats_line(const ErrorStats& stats);
// "conv3 (Conv) → conv3_out" with the node's position.
std::string value_label(const ValueError& value);

}  // namespace nnd::analysis
