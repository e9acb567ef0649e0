#pragma once
// Multidirectional (numpy-style) broadcasting, as the ONNX spec defines it.
#include <span>
#include <vector>

#include "core/tensor.h"
#include "ref/op_call.h"

namespace nnd::ref {

// The broadcast shape of all shapes; incompatible shapes are a UserError naming the node.
Shape broadcast_shapes(const OpCall& call, std::span<const Shape> shapes);
// The tensor's values as doubles, expanded to the (compatible, larger) shape `to`.
std::vector<double> broadcast_values(const Tensor& tensor, const Shape& to);

}  // namespace nnd::ref
