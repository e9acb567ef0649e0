#pragma once
// The arithmetic of the quantizing transforms, kept apart so that tests can check it against
// values worked out by hand. Every division and product is float32, rounding is half to even
// (std::nearbyint in the default mode), as the ONNX QuantizeLinear spec does it.
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace nnd::backends::quant {

// Symmetric int8 per output channel (TFLite's weight quantization): for each slice along `axis`,
// scale = max|w| / 127 (1 where the slice is all zeros) and q = clamp(round(w / scale), -127, 127).
struct ChannelQuant {
  std::vector<float> scales;  // one per slice along axis
  Tensor q;                   // int8, w's shape
};
ChannelQuant quantize_per_channel(const Tensor& w, int64_t axis);
// q * scale per slice: the float32 weights that an int8 model effectively uses.
Tensor dequantize_per_channel(const ChannelQuant& quant, int64_t axis);

// Asymmetric uint8 for activations from a calibrated range [lo, hi], widened to include 0 so
// that zero is exact: scale = (hi - lo) / 255 (1 when the range is empty) and
// zero_point = clamp(round(-lo / scale), 0, 255).
struct AffineQuant {
  float scale = 1;
  uint8_t zero_point = 0;
};
AffineQuant affine_uint8(float lo, float hi);

// Bias of a quantized Conv/Gemm as int32 with scale input_scale * weight_scale[c], zero point 0:
// q = clamp(round(b / scale), int32 range).
struct BiasQuant {
  std::vector<float> scales;
  Tensor q;  // int32
};
BiasQuant quantize_bias(const Tensor& bias, float input_scale,
                        const std::vector<float>& weight_scales);

}  // namespace nnd::backends::quant
