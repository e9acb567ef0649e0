#include "mutate/graph/diff.h"

#include <fmt/format.h>

#include <cstring>
#include <set>
#include <vector>

#include "core/line_diff.h"

namespace nnd::mutate::graph {

namespace {

std::string attribute_text(const AttributeValue& value) {
  if (auto* v = std::get_if<int64_t>(&value)) return std::to_string(*v);
  if (auto* v = std::get_if<float>(&value)) return fmt::format("{}", *v);
  if (auto* v = std::get_if<std::string>(&value)) return "'" + *v + "'";
  if (auto* v = std::get_if<std::vector<int64_t>>(&value))
    return fmt::format("[{}]", fmt::join(*v, ","));
  if (auto* v = std::get_if<std::vector<float>>(&value))
    return fmt::format("[{}]", fmt::join(*v, ","));
  if (auto* v = std::get_if<std::vector<std::string>>(&value))
    return fmt::format("[{}]", fmt::join(*v, ","));
  if (auto* v = std::get_if<Tensor>(&value)) return "tensor" + shape_string(v->shape());
  return "graph";
}

std::vector<std::string> lines(const Graph& graph) {
  std::vector<std::string> out;
  for (const Node& n : graph.nodes) out.push_back(node_line(n));
  return out;
}

std::string initializer_diff(const std::string& name, const Tensor* a, const Tensor* b) {
  if (!a) return fmt::format("+ initializer '{}' {}\n", name, shape_string(b->shape()));
  if (!b) return fmt::format("- initializer '{}' {}\n", name, shape_string(a->shape()));
  if (a->same_as(*b)) return {};
  if (a->dtype() != b->dtype() || a->shape() != b->shape() || a->dtype() != DType::kFloat32)
    return fmt::format("~ initializer '{}' {} -> {}\n", name, shape_string(a->shape()),
                       shape_string(b->shape()));
  std::string out;
  const float *x = a->data<float>(), *y = b->data<float>();
  int64_t changed = 0;
  for (int64_t k = 0; k < a->size(); ++k) {
    if (std::memcmp(x + k, y + k, sizeof(float)) == 0) continue;
    if (++changed <= 8)
      out += fmt::format("~ initializer '{}'[{}]: {:.9g} -> {:.9g}\n", name, k, x[k], y[k]);
  }
  if (changed > 8)
    out += fmt::format("~ initializer '{}': {} elements changed in all\n", name, changed);
  return out;
}

}  // namespace

std::string node_line(const Node& node) {
  std::string line = fmt::format("{} '{}' ({}) -> ({})", node.op_type, node.name,
                                 fmt::join(node.inputs, ", "), fmt::join(node.outputs, ", "));
  for (const auto& [key, attr] : node.attributes)
    line += fmt::format(" {}={}", key, attribute_text(attr.value));
  return line;
}

std::string graph_diff(const Graph& before, const Graph& after) {
  std::string out = line_diff(lines(before), lines(after));
  const bool nodes_changed = !out.empty();
  std::string weights;
  std::set<std::string> names;
  for (const auto& [name, t] : before.initializers) names.insert(name);
  for (const auto& [name, t] : after.initializers) names.insert(name);
  for (const std::string& name : names) {
    auto a = before.initializers.find(name), b = after.initializers.find(name);
    weights += initializer_diff(name, a == before.initializers.end() ? nullptr : &a->second,
                                b == after.initializers.end() ? nullptr : &b->second);
  }
  if (!nodes_changed) out.clear();
  return out + weights;
}

}  // namespace nnd::mutate::graph
