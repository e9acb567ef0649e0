#pragma once
// What an op implementation sees: its node, the model's opset, and its input tensors.
#include <cstdint>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

namespace nnd::ref {

struct OpCall {
  const Node& node;
  int64_t opset;
  std::vector<const Tensor*> inputs;  // nullptr where an optional input is omitted

  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  // The i-th input; a UserError naming the node when it is missing.
  const Tensor& input(size_t i) const;
  size_t output_count() const { return node.outputs.size(); }
  // Wraps an axis attribute or input into [0, rank); out of range is a UserError naming the node.
  int64_t normalize_axis(int64_t axis, int64_t rank) const;
};

using OpOutputs = std::vector<Tensor>;
using OpFn = OpOutputs (*)(const OpCall&);

#define X(family, op) OpOutputs op_##op(const OpCall& call);
#include "ref/ops.def"
#undef X

}  // namespace nnd::ref
