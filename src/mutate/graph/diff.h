#pragma once
// A readable diff of two ONNX graphs (`nndelta mutants show`): nodes as one line each, compared
// in graph order with a line-level LCS (lines prefixed '-' and '+', one line of context around each
// change), then the initializers that differ, element by element.
#include <string>

#include "core/graph.h"

namespace nnd::mutate::graph {

// Empty when the graphs have the same nodes and initializers.
std::string graph_diff(const Graph& before, const Graph& after);

// One node as the diff prints it: `Conv 'conv1' (input, w, b) -> (y) group=1 pads=[1,1,1,1]`.
std::string node_line(const Node& node);

}  // namespace nnd::mutate::graph
