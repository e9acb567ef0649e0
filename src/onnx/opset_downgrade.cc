#include "onnx/opset_downgrade.h"

#include <onnx/defs/schema.h>

#include <functional>
#include <map>
#include <set>

#include "core/error.h"

namespace nnd::onnx_io {

namespace {

// Converts one node from the semantics of `op` version `since` to those of the version before.
using Rule = std::function<void(Node& node, Graph& graph)>;

void nothing(Node&, Graph&) {}

// The values of a constant int64 input: an initializer or a Constant node's `value`.
std::vector<int64_t> constant_ints(const Node& node, const Graph& graph, size_t input) {
  const std::string& name = node.inputs[input];
  if (auto init = graph.initializers.find(name); init != graph.initializers.end())
    return init->second.to_int64s();
  for (const Node& producer : graph.nodes)
    if (producer.op_type == "Constant" && producer.outputs.at(0) == name && producer.has("value"))
      return producer.attr_tensor("value").to_int64s();
  fail(
      "{}: input '{}' must be a constant (an initializer or a Constant) to move it into an "
      "attribute",
      node.label(), name);
}

// Constant-12 added value_float(s), value_int(s) and value_string(s): back to a `value` tensor.
void constant_value(Node& node, Graph&) {
  auto move = [&](const char* attr, auto make) {
    if (!node.has(attr)) return;
    node.attributes["value"] = Attribute{make(node.attributes.at(attr).value)};
    node.attributes.erase(attr);
  };
  move("value_float",
       [](const AttributeValue& v) { return Tensor::of<float>({}, {std::get<float>(v)}); });
  move("value_floats", [](const AttributeValue& v) {
    const auto& f = std::get<std::vector<float>>(v);
    return Tensor::of<float>({static_cast<int64_t>(f.size())}, f);
  });
  move("value_int",
       [](const AttributeValue& v) { return Tensor::of<int64_t>({}, {std::get<int64_t>(v)}); });
  move("value_ints", [](const AttributeValue& v) {
    const auto& i = std::get<std::vector<int64_t>>(v);
    return Tensor::of<int64_t>({static_cast<int64_t>(i.size())}, i);
  });
  if (!node.has("value") && !node.has("sparse_value"))
    fail("{}: only tensor values exist in Constant before opset 12", node.label());
}

// Opset 13 turned an attribute into input `input`; back to the attribute `attr`.
Rule input_to_attribute(size_t input, const char* attr) {
  return [input, attr](Node& node, Graph& graph) {
    if (node.inputs.size() <= input || node.inputs[input].empty()) {
      node.inputs.resize(std::min(node.inputs.size(), input));
      return;
    }
    node.attributes[attr] = Attribute{constant_ints(node, graph, input)};
    node.inputs.resize(input);
  };
}

std::optional<int64_t> rank_of(const std::string& value, const Graph& graph) {
  const ValueInfo* info = graph.find_value_info(value);
  if (info && info->dims) return static_cast<int64_t>(info->dims->size());
  if (auto init = graph.initializers.find(value); init != graph.initializers.end())
    return init->second.rank();
  return std::nullopt;
}

// Softmax-13 normalises along one axis; Softmax-11 flattens to 2-D at `axis` first. They agree
// exactly when the axis is the last one.
void softmax_axis(Node& node, Graph& graph) {
  const int64_t axis = node.attr_int("axis", -1);
  const std::optional<int64_t> rank = rank_of(node.inputs[0], graph);
  if (axis != -1 && !(rank && axis == *rank - 1))
    fail("{}: axis {} is not the last axis, where {} before opset 13 computes something else",
         node.label(), axis, node.op_type);
  node.attributes["axis"] = Attribute{int64_t{-1}};
}

// An attribute added by a version: the older one has only its default.
Rule attribute_must_be(const char* attr, int64_t value) {
  return [attr, value](Node& node, Graph&) {
    if (node.has(attr) && node.attr_int(attr) != value)
      fail("{}: attribute {}={} has no equivalent in earlier opsets", node.label(), attr,
           node.attr_int(attr));
    node.attributes.erase(attr);
  };
}

void attribute_absent(Node& node, const std::vector<std::string>& attrs) {
  for (const std::string& a : attrs)
    if (node.has(a))
      fail("{}: attribute '{}' has no equivalent in earlier opsets", node.label(), a);
}

// Dropout-12 took ratio and training_mode as inputs; Dropout-10 a ratio attribute.
void dropout_inputs(Node& node, Graph& graph) {
  if (node.inputs.size() > 2 && !node.inputs[2].empty()) {
    auto mode = graph.initializers.find(node.inputs[2]);
    if (mode == graph.initializers.end() || mode->second.to_doubles().at(0) != 0)
      fail("{}: training_mode must be a constant false before opset 12", node.label());
  }
  if (node.inputs.size() > 1 && !node.inputs[1].empty()) {
    auto ratio = graph.initializers.find(node.inputs[1]);
    if (ratio == graph.initializers.end())
      fail("{}: ratio must be a constant before opset 12", node.label());
    node.attributes["ratio"] = Attribute{static_cast<float>(ratio->second.to_doubles().at(0))};
  }
  node.inputs.resize(1);
}

// QuantizeLinear/DequantizeLinear-13 added per-axis scales.
void per_tensor_only(Node& node, Graph& graph) {
  const std::optional<int64_t> rank = rank_of(node.inputs[1], graph);
  auto scale = graph.initializers.find(node.inputs[1]);
  const bool scalar =
      (rank && *rank == 0) || (scale != graph.initializers.end() && scale->second.size() == 1);
  if (!scalar) fail("{}: per-axis scales need opset 13", node.label());
  node.attributes.erase("axis");
}

// Resize-13 made roi and scales optional; Resize-11 needs both inputs present (empty is allowed).
void resize_inputs(Node& node, Graph& graph) {
  for (size_t i : {size_t{1}, size_t{2}}) {
    if (node.inputs.size() > i && !node.inputs[i].empty()) continue;
    const std::string name = node.name + (i == 1 ? "/roi" : "/scales");
    graph.initializers[name] = Tensor(DType::kFloat32, {0});
    if (node.inputs.size() <= i) node.inputs.resize(i + 1);
    node.inputs[i] = name;
  }
}

// (op, version that changed it) -> how to undo that change. Versions not listed here are refused.
const std::map<std::pair<std::string, int>, Rule>& rules() {
  static const std::map<std::pair<std::string, int>, Rule> table = [] {
    std::map<std::pair<std::string, int>, Rule> t;
    // Changes that only added element types (bfloat16 in 13; integer types in 12 and 14, which an
    // older runtime rejects only for those types).
    const std::map<std::string, std::vector<int>> types_only = {{"Relu", {13, 14}},
                                                                {"Add", {13, 14}},
                                                                {"Sub", {13, 14}},
                                                                {"Mul", {13, 14}},
                                                                {"Div", {13, 14}},
                                                                {"Gemm", {13}},
                                                                {"MatMul", {13}},
                                                                {"Flatten", {13}},
                                                                {"Reshape", {13}},
                                                                {"Concat", {13}},
                                                                {"Transpose", {13}},
                                                                {"Gather", {13}},
                                                                {"Identity", {13, 14, 16}},
                                                                {"Constant", {13}},
                                                                {"Clip", {12, 13}},
                                                                {"Sigmoid", {13}},
                                                                {"Tanh", {13}},
                                                                {"Exp", {13}},
                                                                {"Sqrt", {13}},
                                                                {"Neg", {13}},
                                                                {"Abs", {13}},
                                                                {"Erf", {13}},
                                                                {"MaxPool", {12}},
                                                                {"LRN", {13}},
                                                                {"Pad", {13}},
                                                                {"Slice", {13}},
                                                                {"Shape", {13}},
                                                                {"Cast", {13}},
                                                                {"Dropout", {13}},
                                                                {"Max", {12, 13}},
                                                                {"Min", {12, 13}},
                                                                {"Sum", {13}},
                                                                {"Greater", {13}},
                                                                {"Less", {13}},
                                                                {"Equal", {13}},
                                                                {"Pow", {12, 13, 15}},
                                                                {"ReduceMean", {13}},
                                                                {"LeakyRelu", {16}},
                                                                {"PRelu", {16}},
                                                                {"Where", {16}}};
    for (const auto& [op, versions] : types_only)
      for (int v : versions) t[{op, v}] = nothing;
    t[{"Constant", 12}] = constant_value;
    t[{"Split", 13}] = input_to_attribute(1, "split");
    t[{"Squeeze", 13}] = input_to_attribute(1, "axes");
    t[{"Unsqueeze", 13}] = input_to_attribute(1, "axes");
    t[{"Softmax", 13}] = softmax_axis;
    t[{"LogSoftmax", 13}] = softmax_axis;
    t[{"Reshape", 14}] = attribute_must_be("allowzero", 0);
    t[{"BatchNormalization", 14}] = [](Node& node, Graph& graph) {
      attribute_must_be("training_mode", 0)(node, graph);
      if (node.outputs.size() > 1) fail("{}: training outputs need opset 14", node.label());
    };
    t[{"BatchNormalization", 15}] = nothing;  // types of scale/bias apart from X's
    t[{"Shape", 15}] = [](Node& node, Graph&) { attribute_absent(node, {"start", "end"}); };
    t[{"Dropout", 12}] = dropout_inputs;
    t[{"QuantizeLinear", 13}] = per_tensor_only;
    t[{"DequantizeLinear", 13}] = per_tensor_only;
    t[{"Resize", 13}] = resize_inputs;
    return t;
  }();
  return table;
}

void downgrade_node(Node& node, Graph& graph, int64_t from, int64_t target) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return;  // other domains keep versions
  const onnx::OpSchema* now = onnx::OpSchemaRegistry::Schema(node.op_type, static_cast<int>(from));
  if (!now) fail("{}: op {} is unknown at opset {}", node.label(), node.op_type, from);
  int version = now->since_version();
  while (version > target) {
    const onnx::OpSchema* before = onnx::OpSchemaRegistry::Schema(node.op_type, version - 1);
    if (!before)
      fail("{}: op {} first appeared in opset {}, so it has no form in opset {}", node.label(),
           node.op_type, version, target);
    auto rule = rules().find({node.op_type, version});
    if (rule == rules().end())
      fail("{}: no rule converts {}-{} down to {}-{} (opset {})", node.label(), node.op_type,
           version, node.op_type, before->since_version(), target);
    rule->second(node, graph);
    version = before->since_version();
  }
}

}  // namespace

Model downgrade_opset(const Model& model, int64_t target) {
  NND_CHECK(target < model.opset(), "downgrade from {} to {}", model.opset(), target);
  Model out = model;
  for (Node& node : out.graph.nodes) downgrade_node(node, out.graph, model.opset(), target);
  for (OpsetImport& import : out.opsets)
    if (import.domain.empty() || import.domain == "ai.onnx") import.version = target;
  return out;
}

}  // namespace nnd::onnx_io
