#pragma once
// What the two ways of looking inside (exposure in localize.cc, bisection in localize_bisect.cc)
// share while they fill one LocalizeResult. Internal to localize.
#include <vector>

#include "analysis/localize.h"

namespace nnd::analysis::detail {

struct LocalizeContext {
  CompareSide& reference;
  CompareSide& candidate;
  std::vector<const InputCase*> cases;  // the inputs looked inside
  Tolerances tolerance;
  LocalizeResult& result;
};

// "conv1", or "#12" for a node without a name.
std::string node_name(const Node& node, size_t position);

// Fills result.curve (sorted), result.first, the neighbours and the skipped values by bisection.
void localize_by_bisection(LocalizeContext& context);

// Where `side` (which loaded the model but failed to run it on `input`) fails: see
// FailureLocation.
FailureLocation locate_failure(CompareSide& side, const InputCase& input);

// Fills result.first from result.curve (sorted by position) and result.neighbours from the curve
// entries next to it in the reference graph.
void find_first_and_neighbours(LocalizeResult& result, const Graph& reference);

}  // namespace nnd::analysis::detail
