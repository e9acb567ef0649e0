#pragma once
// Bisection on subgraphs, for frameworks that cannot expose an intermediate value: the model cut
// at one value (a prefix model whose only output is that value) runs on both sides, and the cut
// points of the graph, where everything before feeds what follows only through one value, are
// searched by halving.
#include <cstddef>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nnd::analysis {

// The model that computes `value` and nothing else: the nodes it depends on, the initializers
// they read, every graph input, and `value` as the only output. A value no node produces, or
// whose type shape inference could not tell, is a UserError.
Model prefix_model(const Model& model, const std::string& value);

// Positions p (indices into graph.nodes, which are in topological order) whose node has one
// output and reads the graph input (directly or not), and where no input-dependent value
// produced before p is read after p: the node's output then carries
// everything the rest of the graph gets from the first p + 1 nodes, so a divergence anywhere
// before it shows in it (unless the ops in between hide it). Increasing order.
std::vector<size_t> cut_positions(const Graph& graph);

}  // namespace nnd::analysis
