#pragma once
// The ONNX→ATen converter: turns each node of the graph IR into a kernel, a closure over the
// node's parsed attributes that calls ATen operators. Attributes are read and checked once, when
// the kernel is built; values that only a run knows (shapes, index inputs) are read by the kernel.
// Only the torch backend's translation units include this header: ATen's headers are slow.
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

namespace nnd::backends::torch_impl {

// What a kernel builder sees of its node.
struct NodeContext {
  const Node& node;
  int64_t opset;
  // Per input, the tensor when the graph fixes it (initializer or Constant output), else
  // undefined. Builders may prepare such inputs once (e.g. weights in channels-last order).
  std::vector<at::Tensor> constants;
  bool channels_last = false;  // O3: keep 4-D activations and weights in NHWC memory order

  std::string label() const { return node.label(); }
  bool has_input(size_t i) const { return i < node.inputs.size() && !node.inputs[i].empty(); }
};

// Runs a node: inputs in the node's order, undefined where an optional input is omitted; returns
// one tensor per node output (trailing optional outputs may be left out).
using Kernel = std::function<std::vector<at::Tensor>(const std::vector<at::Tensor>& inputs)>;
using KernelBuilder = Kernel (*)(const NodeContext&);

// The builder for an op type of the default ONNX domain, or nullptr when torch does not run it.
KernelBuilder find_kernel_builder(const std::string& op_type);
// Every op type the converter knows, sorted.
std::vector<std::string> supported_ops();

#define X(family, op) Kernel build_##op(const NodeContext& context);
#include "backends/torch/torch_ops.def"
#undef X

// A converted graph: kernels in topological order over numbered value slots. Built once per
// session; `run` may be called many times.
class Program {
 public:
  // Fails with a UserError naming the model and every node whose op torch does not run, or the
  // first node whose attributes it does not support.
  Program(const Model& model, bool channels_last, at::Device device);
  TensorMap run(const TensorMap& inputs) const;

 private:
  struct Step {
    std::string label;         // the node, for errors raised while it runs
    std::vector<int> inputs;   // slots; -1 for an omitted optional input
    std::vector<int> outputs;  // slots; -1 for an output nobody reads
    std::vector<std::optional<at::ScalarType>> output_types;  // declared, when known
    Kernel kernel;
  };
  struct Input {
    ValueInfo info;
    int slot = -1;
  };
  int slot_of(const std::string& name);

  std::string label_;
  at::Device device_;
  bool channels_last_ = false;
  std::map<std::string, int> slots_;
  std::vector<at::Tensor> constants_;  // per slot: defined for initializers and Constant outputs
  std::vector<Input> inputs_;
  std::vector<std::pair<std::string, int>> outputs_;
  std::vector<Step> steps_;
};

// Conversions between nndelta tensors and ATen tensors (one memcpy of the contiguous bytes).
at::ScalarType scalar_type_of(DType dtype);
DType dtype_of_scalar(at::ScalarType type, const std::string& what);
at::Tensor to_aten(const Tensor& tensor);
Tensor from_aten(const at::Tensor& tensor, const std::string& what);

// Helpers shared by the op families.
// The values of a 1-D (or scalar) integer tensor.
// `label` names the node in errors.
std::vector<int64_t> int_values(const at::Tensor& tensor, const std::string& label,
                                const char* what);
// An axis in [-rank, rank) wrapped into [0, rank); out of range is a UserError naming the node.
int64_t wrap_axis(int64_t axis, int64_t rank, const std::string& label);

}  // namespace nnd::backends::torch_impl
