#pragma once
// The graph IR: an ONNX model as plain data. Nodes are kept in topological order; values are
// named by strings, as in ONNX, so tensors of two runs of the same model can be matched by name.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/tensor.h"

namespace nnd {

// A graph-valued attribute (If/Loop bodies) is kept as its serialized GraphProto: nndelta does
// not execute control flow, but must round-trip such models unchanged.
struct SerializedGraph {
  std::string bytes;
  bool operator==(const SerializedGraph&) const = default;
};

using AttributeValue =
    std::variant<int64_t, float, std::string, Tensor, SerializedGraph, std::vector<int64_t>,
                 std::vector<float>, std::vector<std::string>>;

struct Attribute {
  AttributeValue value;
  bool operator==(const Attribute& other) const;
};

// A dimension is known (>= 0), symbolic (a name such as "batch"), or unknown.
struct Dim {
  int64_t value = -1;
  std::string symbol;
  bool known() const { return value >= 0; }
  bool operator==(const Dim&) const = default;
};

struct ValueInfo {
  std::string name;
  std::optional<DType> dtype;  // nullopt when unknown or unsupported (e.g. string tensors)
  std::optional<std::vector<Dim>> dims;  // nullopt when the rank is unknown
  bool operator==(const ValueInfo&) const = default;
  // Known static shape, or nullopt when any dimension is unknown.
  std::optional<Shape> static_shape() const;
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;               // "" is the default ONNX domain
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attributes;

  bool operator==(const Node&) const = default;
  bool has(const std::string& attr) const { return attributes.count(attr) != 0; }
  // Typed attribute access; a wrong type is a UserError naming the node and the attribute.
  int64_t attr_int(const std::string& attr, const std::optional<int64_t>& fallback = {}) const;
  float attr_float(const std::string& attr, const std::optional<float>& fallback = {}) const;
  std::string attr_string(const std::string& attr,
                          const std::optional<std::string>& fallback = {}) const;
  std::vector<int64_t> attr_ints(const std::string& attr,
                                 const std::optional<std::vector<int64_t>>& fallback = {}) const;
  std::vector<float> attr_floats(const std::string& attr,
                                 const std::optional<std::vector<float>>& fallback = {}) const;
  const Tensor& attr_tensor(const std::string& attr) const;
  // "Conv 'conv1'" or "Conv #12" when unnamed: how errors refer to a node.
  std::string label() const;
};

struct OpsetImport {
  std::string domain;
  int64_t version = 0;
  bool operator==(const OpsetImport&) const = default;
};

struct Graph {
  std::string name;
  std::vector<ValueInfo> inputs;  // graph inputs that are not initializers
  std::vector<ValueInfo> outputs;
  std::map<std::string, Tensor> initializers;
  std::vector<Node> nodes;                      // topological order
  std::map<std::string, ValueInfo> value_info;  // inferred types of intermediate values

  bool operator==(const Graph& other) const;
  const ValueInfo* find_value_info(const std::string& name) const;
};

struct Model {
  int64_t ir_version = 8;
  std::vector<OpsetImport> opsets;
  std::string producer_name;
  std::string producer_version;
  std::string source_path;  // the file it came from, for error messages; not serialized
  Graph graph;

  // Version of the default ONNX domain ("" or "ai.onnx"); 0 if not imported.
  int64_t opset() const;
  bool operator==(const Model& other) const;
};

// Orders nodes so every value is produced before it is used; a cycle or a use of a value that
// nothing produces is a UserError naming the node.
void sort_topologically(Graph& graph);

}  // namespace nnd
