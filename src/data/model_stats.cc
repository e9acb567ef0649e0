#include "data/model_stats.h"

#include <optional>

namespace nnd::data {

namespace {

std::optional<Shape> shape_of(const Graph& graph, const std::string& name) {
  if (auto it = graph.initializers.find(name); it != graph.initializers.end())
    return it->second.shape();
  if (const ValueInfo* info = graph.find_value_info(name)) return info->static_shape();
  for (const auto* list : {&graph.inputs, &graph.outputs})
    for (const ValueInfo& v : *list)
      if (v.name == name) return v.static_shape();
  return std::nullopt;
}

int64_t product(const Shape& shape, size_t from = 0) {
  int64_t n = 1;
  for (size_t i = from; i < shape.size(); ++i) n *= shape[i];
  return n;
}

// Multiply-adds of one node, or nullopt when a shape it needs is unknown.
std::optional<int64_t> multiply_adds(const Graph& graph, const Node& node) {
  auto in = [&](size_t i) {
    return i < node.inputs.size() ? shape_of(graph, node.inputs[i]) : std::nullopt;
  };
  auto out = node.outputs.empty() ? std::nullopt : shape_of(graph, node.outputs[0]);
  if (node.op_type == "Conv") {
    // Each output element sums over (input channels / group) x kernel: weight dims 1...
    auto weight = in(1);
    if (!out || !weight) return std::nullopt;
    return product(*out) * product(*weight, 1);
  }
  if (node.op_type == "ConvTranspose") {
    // Each input element is scattered into (output channels / group) x kernel outputs.
    auto input = in(0);
    auto weight = in(1);
    if (!input || !weight) return std::nullopt;
    return product(*input) * product(*weight, 1);
  }
  if (node.op_type == "Gemm" || node.op_type == "MatMul") {
    auto a = in(0);
    if (!out || !a || a->empty()) return std::nullopt;
    int64_t k = a->back();
    if (node.op_type == "Gemm" && node.attr_int("transA", 0) != 0) k = (*a)[0];
    return product(*out) * k;
  }
  return 0;
}

}  // namespace

ModelStats model_stats(const Model& model) {
  ModelStats stats;
  for (const auto& [name, tensor] : model.graph.initializers)
    if (is_floating(tensor.dtype())) stats.parameters += tensor.size();
  for (const Node& node : model.graph.nodes) {
    if (std::optional<int64_t> n = multiply_adds(model.graph, node))
      stats.multiply_adds += *n;
    else
      ++stats.nodes_without_shapes;
  }
  return stats;
}

}  // namespace nnd::data
