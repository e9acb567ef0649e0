#pragma once
// ONNX opset conversion through libonnx's version converter: the `+opsetN` transform.
#include <cstdint>

#include "core/graph.h"

namespace nnd::onnx_io {

// A UserError naming the model and both versions when libonnx cannot convert it.
Model convert_opset(const Model& model, int64_t target_version);

}  // namespace nnd::onnx_io
