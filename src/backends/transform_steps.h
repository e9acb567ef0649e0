#pragma once
// The model-to-model transforms behind `+name` in an environment, one file each:
//   +opsetN  onnx/opset.h (libonnx's converter, plus our own downgrades)
//   +fp16w   transform_fp16w.cc
//   +int8w   transform_int8w.cc
//   +qdq8    transform_qdq8.cc (calibration: calibration.h)
// Each keeps every value name of the model it was given (new values get new names), so that
// localize can match a model with its converted copy value by value.
#include <cstdint>
#include <optional>
#include <string>

#include "core/graph.h"

namespace nnd::backends {

// Every float32 initializer rounded to float16 and back (the model stays float32, so every
// framework runs it): what a float16 conversion does to the weights. A model without float32
// initializers is a UserError naming it.
Model round_weights_fp16(const Model& model);

// The constant weight input of a Conv, Gemm or MatMul and its output-channel axis.
struct WeightSlot {
  size_t input = 1;
  int64_t axis = 0;
};
// nullopt when `node` is none of those or its weights are not an initializer.
std::optional<WeightSlot> weight_slot(const Node& node, const Graph& graph);

// Weights of every Conv, Gemm and MatMul quantized per output channel to int8 (symmetric) and
// dequantized back to float32, as TFLite's default (dynamic-range) optimization stores them.
// A model with no such weights is a UserError naming it.
Model quantize_weights_int8(const Model& model);

// Static int8 quantization in the QDQ format: QuantizeLinear/DequantizeLinear pairs on the
// activations into and out of every Conv, Gemm and MatMul (uint8, scales from the min/max seen on
// `images` calibration images of `dataset`), int8 per-channel weights and int32 biases behind
// DequantizeLinear. Runtimes that understand QDQ (ORT at its higher levels) run int8 kernels.
struct CalibrationOptions {
  size_t images = 100;
  std::string dataset = "fashion-mnist:train";
};
Model quantize_static_qdq8(const Model& model, const CalibrationOptions& options);

}  // namespace nnd::backends
