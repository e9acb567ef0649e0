#include "mutate/graph/rewrite.h"

#include <fmt/format.h>

namespace nnd::mutate::graph {

std::vector<size_t> nodes_of(const Graph& graph, const std::set<std::string>& op_types) {
  std::vector<size_t> out;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if ((n.domain.empty() || n.domain == "ai.onnx") && op_types.count(n.op_type)) out.push_back(i);
  }
  return out;
}

std::optional<Shape> value_shape(const Graph& graph, const std::string& name) {
  if (auto it = graph.initializers.find(name); it != graph.initializers.end())
    return it->second.shape();
  if (const ValueInfo* info = graph.find_value_info(name)) return info->static_shape();
  for (const ValueInfo& v : graph.inputs)
    if (v.name == name) return v.static_shape();
  for (const ValueInfo& v : graph.outputs)
    if (v.name == name) return v.static_shape();
  return std::nullopt;
}

std::string fresh_name(const Graph& graph, const std::string& base) {
  std::set<std::string> used;
  for (const Node& n : graph.nodes) {
    used.insert(n.name);
    used.insert(n.inputs.begin(), n.inputs.end());
    used.insert(n.outputs.begin(), n.outputs.end());
  }
  for (const auto& [name, t] : graph.initializers) used.insert(name);
  for (const ValueInfo& v : graph.inputs) used.insert(v.name);
  for (const ValueInfo& v : graph.outputs) used.insert(v.name);
  std::string name = base;
  for (int k = 2; used.count(name); ++k) name = fmt::format("{}_{}", base, k);
  return name;
}

void insert_before(Graph& graph, size_t node, int input, const std::string& op_type,
                   std::map<std::string, Attribute> attributes) {
  const std::string source = graph.nodes[node].inputs[static_cast<size_t>(input)];
  Node inserted;
  inserted.name = fresh_name(graph, "nndelta_mutant_" + op_type);
  inserted.op_type = op_type;
  inserted.inputs = {source};
  inserted.outputs = {fresh_name(graph, inserted.name + "_out")};
  inserted.attributes = std::move(attributes);
  graph.nodes[node].inputs[static_cast<size_t>(input)] = inserted.outputs[0];
  graph.nodes.insert(graph.nodes.begin() + static_cast<long>(node), std::move(inserted));
}

void insert_after(Graph& graph, size_t node, const std::string& op_type) {
  const std::string output = graph.nodes[node].outputs[0];
  Node inserted;
  inserted.name = fresh_name(graph, "nndelta_mutant_" + op_type);
  inserted.op_type = op_type;
  inserted.inputs = {fresh_name(graph, output + "_before_" + op_type)};
  inserted.outputs = {output};
  graph.nodes[node].outputs[0] = inserted.inputs[0];
  // The original name's inferred type still holds (unary ops keep shape and type); the renamed
  // value gets none, and shape inference fills it in when the mutant is checked.
  graph.nodes.insert(graph.nodes.begin() + static_cast<long>(node) + 1, std::move(inserted));
}

Site input_site(const Graph& graph, size_t node, int input) {
  const Node& n = graph.nodes[node];
  Site site;
  site.node = node;
  site.input = input;
  if (static_cast<size_t>(input) >= n.inputs.size() ||
      n.inputs[static_cast<size_t>(input)].empty()) {
    site.where = n.label();
    site.not_applicable = fmt::format("{} has no input {}", n.label(), input);
    return site;
  }
  std::optional<Shape> shape = value_shape(graph, n.inputs[static_cast<size_t>(input)]);
  site.where = fmt::format("{} input {}{}", n.label(), input,
                           shape ? " " + shape_string(*shape) : std::string());
  return site;
}

}  // namespace nnd::mutate::graph
