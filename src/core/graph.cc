#include "core/graph.h"

#include <fmt/format.h>

#include <set>

namespace nnd {

bool Attribute::operator==(const Attribute& other) const {
  if (value.index() != other.value.index()) return false;
  if (const auto* t = std::get_if<Tensor>(&value)) return t->same_as(std::get<Tensor>(other.value));
  return value == other.value;
}

std::optional<Shape> ValueInfo::static_shape() const {
  if (!dims) return std::nullopt;
  Shape shape;
  for (const Dim& d : *dims) {
    if (!d.known()) return std::nullopt;
    shape.push_back(d.value);
  }
  return shape;
}

namespace {

template <typename T>
const T& get_attr(const Node& node, const std::string& attr, const char* kind) {
  const auto& value = node.attributes.at(attr).value;
  const T* v = std::get_if<T>(&value);
  if (!v) fail("{}: attribute '{}' is not {}", node.label(), attr, kind);
  return *v;
}

template <typename T>
T attr_or(const Node& node, const std::string& attr, const std::optional<T>& fallback,
          const char* kind) {
  if (!node.has(attr)) {
    if (!fallback) fail("{}: required attribute '{}' is missing", node.label(), attr);
    return *fallback;
  }
  return get_attr<T>(node, attr, kind);
}

}  // namespace

int64_t Node::attr_int(const std::string& attr, const std::optional<int64_t>& fallback) const {
  return attr_or<int64_t>(*this, attr, fallback, "an int");
}
float Node::attr_float(const std::string& attr, const std::optional<float>& fallback) const {
  return attr_or<float>(*this, attr, fallback, "a float");
}
std::string Node::attr_string(const std::string& attr,
                              const std::optional<std::string>& fallback) const {
  return attr_or<std::string>(*this, attr, fallback, "a string");
}
std::vector<int64_t> Node::attr_ints(const std::string& attr,
                                     const std::optional<std::vector<int64_t>>& fallback) const {
  return attr_or<std::vector<int64_t>>(*this, attr, fallback, "a list of ints");
}
std::vector<float> Node::attr_floats(const std::string& attr,
                                     const std::optional<std::vector<float>>& fallback) const {
  return attr_or<std::vector<float>>(*this, attr, fallback, "a list of floats");
}
const Tensor& Node::attr_tensor(const std::string& attr) const {
  if (!has(attr)) fail("{}: required attribute '{}' is missing", label(), attr);
  return get_attr<Tensor>(*this, attr, "a tensor");
}

std::string Node::label() const {
  if (!name.empty()) return fmt::format("{} '{}'", op_type, name);
  if (!outputs.empty()) return fmt::format("{} (output '{}')", op_type, outputs.front());
  return op_type;
}

bool Graph::operator==(const Graph& other) const {
  if (name != other.name || inputs != other.inputs || outputs != other.outputs ||
      nodes != other.nodes || value_info != other.value_info ||
      initializers.size() != other.initializers.size())
    return false;
  for (const auto& [key, tensor] : initializers) {
    auto it = other.initializers.find(key);
    if (it == other.initializers.end() || !tensor.same_as(it->second)) return false;
  }
  return true;
}

const ValueInfo* Graph::find_value_info(const std::string& value) const {
  for (const ValueInfo& v : inputs)
    if (v.name == value) return &v;
  for (const ValueInfo& v : outputs)
    if (v.name == value) return &v;
  auto it = value_info.find(value);
  return it == value_info.end() ? nullptr : &it->second;
}

int64_t Model::opset() const {
  for (const OpsetImport& o : opsets)
    if (o.domain.empty() || o.domain == "ai.onnx") return o.version;
  return 0;
}

bool Model::operator==(const Model& other) const {
  return ir_version == other.ir_version && opsets == other.opsets &&
         producer_name == other.producer_name && producer_version == other.producer_version &&
         graph == other.graph;
}

void sort_topologically(Graph& graph) {
  std::set<std::string> available{""};
  for (const ValueInfo& v : graph.inputs) available.insert(v.name);
  for (const auto& [name, tensor] : graph.initializers) available.insert(name);

  const size_t n = graph.nodes.size();
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < n; ++i)
    for (const std::string& out : graph.nodes[i].outputs)
      if (!out.empty()) producer[out] = i;

  std::vector<std::vector<size_t>> consumers(n);
  std::vector<size_t> waiting_on(n, 0);
  for (size_t i = 0; i < n; ++i) {
    std::set<size_t> deps;
    for (const std::string& in : graph.nodes[i].inputs) {
      if (available.count(in)) continue;
      auto it = producer.find(in);
      if (it == producer.end())
        fail("{}: input '{}' is produced by no node, initializer or graph input",
             graph.nodes[i].label(), in);
      deps.insert(it->second);
    }
    waiting_on[i] = deps.size();
    for (size_t d : deps) consumers[d].push_back(i);
  }

  // Among ready nodes the original order wins, so an already sorted graph stays as it is.
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i)
    if (waiting_on[i] == 0) ready.insert(i);
  std::vector<size_t> order;
  order.reserve(n);
  while (!ready.empty()) {
    size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (size_t c : consumers[i])
      if (--waiting_on[c] == 0) ready.insert(c);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (waiting_on[i] != 0) fail("{}: is part of a cycle", graph.nodes[i].label());
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (size_t i : order) sorted.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(sorted);
}

}  // namespace nnd
