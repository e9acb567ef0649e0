#include "ref/interpreter.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <unordered_map>

#include "ref/op_call.h"

namespace nnd::ref {

namespace {

const std::unordered_map<std::string, OpFn>& op_table() {
  static const std::unordered_map<std::string, OpFn> table = {
#define X(family, op) {#op, &op_##op},
#include "ref/ops.def"
#undef X
  };
  return table;
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

std::string dims_string(const std::vector<Dim>& dims) {
  std::vector<std::string> parts;
  parts.reserve(dims.size());
  for (const Dim& d : dims)
    parts.push_back(d.known() ? std::to_string(d.value) : (d.symbol.empty() ? "?" : d.symbol));
  return fmt::format("[{}]", fmt::join(parts, ","));
}

void check_input(const Model& model, const ValueInfo& declared, const Tensor& given) {
  if (declared.dtype && *declared.dtype != given.dtype())
    fail("{}: input '{}' must be {}, got {}", model.source_path, declared.name,
         dtype_name(*declared.dtype), dtype_name(given.dtype()));
  if (!declared.dims) return;
  const std::vector<Dim>& dims = *declared.dims;
  bool ok = dims.size() == given.shape().size();
  for (size_t i = 0; ok && i < dims.size(); ++i)
    ok = !dims[i].known() || dims[i].value == given.shape()[i];
  if (!ok)
    fail("{}: input '{}' must have shape {}, got {}", model.source_path, declared.name,
         dims_string(dims), shape_string(given.shape()));
}

}  // namespace

const Tensor& OpCall::input(size_t i) const {
  if (!has_input(i)) fail("{}: input {} is required but missing", node.label(), i);
  return *inputs[i];
}

int64_t OpCall::normalize_axis(int64_t axis, int64_t rank) const {
  int64_t wrapped = axis < 0 ? axis + rank : axis;
  if (wrapped < 0 || wrapped >= rank)
    fail("{}: axis {} is out of range for rank {}", node.label(), axis, rank);
  return wrapped;
}

bool supports(const Node& node) {
  return is_default_domain(node.domain) && op_table().count(node.op_type) != 0;
}

std::vector<std::string> unsupported_ops(const Model& model) {
  std::set<std::string> missing;
  for (const Node& node : model.graph.nodes)
    if (!supports(node))
      missing.insert(is_default_domain(node.domain) ? node.op_type
                                                    : node.domain + "." + node.op_type);
  return {missing.begin(), missing.end()};
}

Interpreter::Interpreter(const Model& model) : model_(model) {
  std::vector<std::string> missing = unsupported_ops(model);
  if (!missing.empty())
    fail("{}: unsupported op{} for the ref framework: {}", model.source_path,
         missing.size() > 1 ? "s" : "", fmt::join(missing, ", "));
}

TensorMap Interpreter::run(const TensorMap& inputs, bool keep_intermediates) const {
  const Graph& graph = model_.graph;
  std::unordered_map<std::string, const Tensor*> values;
  for (const auto& [name, tensor] : graph.initializers) values[name] = &tensor;
  for (const ValueInfo& declared : graph.inputs) {
    auto it = inputs.find(declared.name);
    if (it == inputs.end()) {
      // ONNX lets a graph input shadow an initializer, which then serves as its default.
      if (graph.initializers.count(declared.name)) continue;
      fail("{}: input '{}' was not given", model_.source_path, declared.name);
    }
    check_input(model_, declared, it->second);
    values[declared.name] = &it->second;
  }
  for (const auto& [name, tensor] : inputs)
    if (!values.count(name)) fail("{}: the model has no input '{}'", model_.source_path, name);

  // How many nodes still read each value, so intermediates can be freed after their last use.
  std::unordered_map<std::string, size_t> readers;
  for (const Node& node : graph.nodes)
    for (const std::string& in : node.inputs) ++readers[in];
  std::set<std::string> graph_outputs;
  for (const ValueInfo& out : graph.outputs) graph_outputs.insert(out.name);

  std::unordered_map<std::string, Tensor> produced;
  TensorMap kept;
  const int64_t opset = model_.opset();
  for (const Node& node : graph.nodes) {
    OpCall call{node, opset, {}};
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        call.inputs.push_back(nullptr);
        continue;
      }
      auto it = values.find(in);
      NND_CHECK(it != values.end(), "{} reads '{}' before it is produced", node.label(), in);
      call.inputs.push_back(it->second);
    }
    OpOutputs outs;
    try {
      outs = op_table().at(node.op_type)(call);
    } catch (const UserError& e) {
      fail("{}: {}", model_.source_path, e.what());
    }
    NND_CHECK(outs.size() <= node.outputs.size(), "{} produced {} outputs for {} names",
              node.label(), outs.size(), node.outputs.size());
    for (const std::string& in : node.inputs) {
      if (in.empty() || --readers[in] != 0 || graph_outputs.count(in)) continue;
      if (auto it = produced.find(in); it != produced.end()) {
        if (keep_intermediates) kept[in] = std::move(it->second);
        produced.erase(it);
        values.erase(in);
      }
    }
    for (size_t i = 0; i < outs.size(); ++i) {
      const std::string& name = node.outputs[i];
      if (name.empty()) continue;
      auto [it, inserted] = produced.insert_or_assign(name, std::move(outs[i]));
      values[name] = &it->second;
    }
    for (size_t i = outs.size(); i < node.outputs.size(); ++i)
      if (!node.outputs[i].empty() && readers[node.outputs[i]] > 0)
        fail("{}: optional output '{}' is used but the ref framework does not produce it",
             node.label(), node.outputs[i]);
  }

  TensorMap result;
  for (const ValueInfo& out : graph.outputs) {
    auto it = values.find(out.name);
    if (it == values.end())
      fail("{}: graph output '{}' is never produced", model_.source_path, out.name);
    result[out.name] = *it->second;
  }
  if (keep_intermediates) {
    for (auto& [name, tensor] : produced) kept[name] = std::move(tensor);
    for (auto& [name, tensor] : kept) result.try_emplace(name, std::move(tensor));
  }
  return result;
}

}  // namespace nnd::ref
