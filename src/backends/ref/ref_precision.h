#pragma once
// `ref@cpu:O2,precision=f64`: the reference interpreter with every float32 tensor of the model
// (inputs, initializers, constants, casts, intermediate values, outputs) widened to float64, so
// that float32 implementations are measured against a near-exact result rather than against
// another float32 one. The interpreter computes each op in double either way; what f64 changes
// is that no value is rounded to float32 between ops.
#include "core/graph.h"

namespace nnd::backends {

// The model with float32 widened to float64 everywhere it is spelled: value types, initializers,
// Constant and ConstantOfShape values, and Cast targets.
Model widen_to_float64(const Model& model);

// A float32 tensor widened to float64; any other tensor as it is.
Tensor widen_tensor(const Tensor& tensor);

}  // namespace nnd::backends
