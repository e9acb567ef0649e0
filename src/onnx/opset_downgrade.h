#pragma once
// Opset downgrades by our own per-op rules, where libonnx 1.12's version converter has no
// adapter (it refuses "No Adapter To Version 12 for Relu" for most ops of opset 13). For each node
// the rules walk back over every version at which its op changed, between the model's opset and
// the target: a change that only added element types (bfloat16, more integers) needs nothing
// from a model nndelta can hold; a change that moved an attribute into an input (Split,
// Squeeze, Unsqueeze, Dropout) moves a constant back; a change of semantics (Softmax's axis) is
// converted where both versions agree and refused where they do not.
#include <cstdint>

#include "core/graph.h"

namespace nnd::onnx_io {

// The model at opset `target` (< model.opset()). A node no rule can convert is a UserError
// naming it, the op version and the target.
Model downgrade_opset(const Model& model, int64_t target);

}  // namespace nnd::onnx_io
