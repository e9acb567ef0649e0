#include "backends/ref/ref_precision.h"

#include <string>
#include <variant>

namespace nnd::backends {

namespace {

constexpr int64_t kOnnxFloat = 1, kOnnxDouble = 11;

void widen_type(ValueInfo& v) {
  if (v.dtype == DType::kFloat32) v.dtype = DType::kFloat64;
}

void widen_node(Node& node) {
  if (node.op_type == "Cast") {
    if (auto it = node.attributes.find("to"); it != node.attributes.end()) {
      AttributeValue& to = it->second.value;
      if (std::holds_alternative<int64_t>(to) && std::get<int64_t>(to) == kOnnxFloat)
        to = kOnnxDouble;
      else if (std::holds_alternative<std::string>(to) && std::get<std::string>(to) == "FLOAT")
        to = std::string("DOUBLE");
    }
  }
  if (node.op_type == "Constant") {
    // value_float(s) make float32 constants: give them as a float64 `value` instead.
    if (auto it = node.attributes.find("value_float"); it != node.attributes.end()) {
      const double v = std::get<float>(it->second.value);
      node.attributes.erase(it);
      node.attributes["value"] = Attribute{Tensor::of<double>({}, {v})};
    }
    if (auto it = node.attributes.find("value_floats"); it != node.attributes.end()) {
      const std::vector<float>& f = std::get<std::vector<float>>(it->second.value);
      std::vector<double> v(f.begin(), f.end());
      node.attributes.erase(it);
      node.attributes["value"] = Attribute{Tensor::of<double>({static_cast<int64_t>(v.size())}, v)};
    }
  }
  if (node.op_type == "Constant" || node.op_type == "ConstantOfShape")
    if (auto it = node.attributes.find("value"); it != node.attributes.end())
      if (std::holds_alternative<Tensor>(it->second.value))
        it->second.value = widen_tensor(std::get<Tensor>(it->second.value));
}

}  // namespace

Tensor widen_tensor(const Tensor& tensor) {
  if (tensor.dtype() != DType::kFloat32) return tensor;
  return Tensor::from_doubles(DType::kFloat64, tensor.shape(), tensor.to_doubles());
}

Model widen_to_float64(const Model& model) {
  Model out = model;
  Graph& g = out.graph;
  for (ValueInfo& v : g.inputs) widen_type(v);
  for (ValueInfo& v : g.outputs) widen_type(v);
  for (auto& [name, v] : g.value_info) widen_type(v);
  for (auto& [name, t] : g.initializers) t = widen_tensor(t);
  for (Node& node : g.nodes) widen_node(node);
  return out;
}

}  // namespace nnd::backends
