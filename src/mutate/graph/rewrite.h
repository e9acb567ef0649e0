#pragma once
// What the graph operator families share: finding nodes, shapes and fresh names, and inserting a
// unary node on an edge. Every insertion keeps the graph in topological order.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/graph.h"
#include "mutate/site.h"

namespace nnd::mutate::graph {

// Indices of the nodes whose op type is in `op_types` (default domain), in graph order.
std::vector<size_t> nodes_of(const Graph& graph, const std::set<std::string>& op_types);

// The static shape of a value (graph input, initializer, inferred value_info or output), if known.
std::optional<Shape> value_shape(const Graph& graph, const std::string& name);

// A value or node name no node, initializer or graph input uses yet: `base`, or base_2, base_3...
std::string fresh_name(const Graph& graph, const std::string& base);

// Inserts `op_type` (with `attributes`) on input `input` of node `node`: the node reads the new
// node's output instead. The new node goes right before it.
void insert_before(Graph& graph, size_t node, int input, const std::string& op_type,
                   std::map<std::string, Attribute> attributes = {});
// Inserts `op_type` on output 0 of node `node`: the node writes a fresh value, the new node reads
// it and writes the original name, so every consumer (and a graph output) sees the new node.
void insert_after(Graph& graph, size_t node, const std::string& op_type);

// Site for input `input` of node `node`: where it is, and "input N is missing" when absent.
Site input_site(const Graph& graph, size_t node, int input);

}  // namespace nnd::mutate::graph
