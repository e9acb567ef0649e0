// QuantizeLinear and DequantizeLinear (opsets 10 and 13), exactly as the spec's reference:
//   Quantize:   y = saturate(round_half_even(x / y_scale) + y_zero_point)
//   Dequantize: y = (x - x_zero_point) * x_scale
// in float32 arithmetic like numpy on float32 arrays (int32 inputs to QuantizeLinear divide in
// double, as numpy promotes int32 / float32). The scale is a scalar (per tensor) or, from opset
// 13, a 1-D tensor with one value per slice along `axis` (per axis).
#include <cmath>
#include <cstdint>

#include "ref/elementwise_map.h"

namespace nnd::ref {

namespace {

// Per flat index of x, which element of the scale (and zero point) applies.
struct ScaleIndex {
  int64_t inner = 1;     // elements per step along the axis
  int64_t channels = 1;  // 1: per tensor
  int64_t of(int64_t flat) const { return channels == 1 ? 0 : (flat / inner) % channels; }
};

ScaleIndex scale_index(const OpCall& call, const Tensor& x, const Tensor& scale) {
  if (scale.rank() == 0 || (scale.rank() == 1 && scale.size() == 1 && call.opset < 13)) return {};
  if (call.opset < 13)
    fail("{}: a per-axis scale needs opset 13 (the model has opset {})", call.node.label(),
         call.opset);
  if (scale.rank() != 1)
    fail("{}: the scale must be a scalar or 1-D, got shape {}", call.node.label(),
         shape_string(scale.shape()));
  const int64_t axis = call.normalize_axis(call.node.attr_int("axis", 1), x.rank());
  if (scale.size() != x.dim(axis))
    fail("{}: the scale has {} values but axis {} of the input has {}", call.node.label(),
         scale.size(), axis, x.dim(axis));
  ScaleIndex index;
  index.channels = scale.size();
  for (int64_t d = axis + 1; d < x.rank(); ++d) index.inner *= x.dim(d);
  return index;
}

// The zero point's values, or zeros of `dtype` when it is omitted; its shape must be the scale's.
std::vector<double> zero_points(const OpCall& call, const Tensor& scale, DType* dtype) {
  if (!call.has_input(2)) return std::vector<double>(static_cast<size_t>(scale.size()), 0.0);
  const Tensor& zp = call.input(2);
  if (zp.shape() != scale.shape())
    fail("{}: the zero point has shape {} but the scale {}", call.node.label(),
         shape_string(zp.shape()), shape_string(scale.shape()));
  *dtype = zp.dtype();
  return zp.to_doubles();
}

void check_scale(const OpCall& call, const Tensor& scale) {
  if (scale.dtype() != DType::kFloat32)
    fail("{}: the scale must be float32, got {}", call.node.label(), dtype_name(scale.dtype()));
}

}  // namespace

OpOutputs op_QuantizeLinear(const OpCall& call) {
  expect_input_count(call, 2, 3);
  const Tensor& x = call.input(0);
  const Tensor& scale = call.input(1);
  check_scale(call, scale);
  if (x.dtype() != DType::kFloat32 && x.dtype() != DType::kInt32)
    fail("{}: input must be float32 or int32, got {}", call.node.label(), dtype_name(x.dtype()));
  DType out = DType::kUInt8;
  const std::vector<double> zp = zero_points(call, scale, &out);
  if (out != DType::kUInt8 && out != DType::kInt8)
    fail("{}: the zero point must be uint8 or int8, got {}", call.node.label(), dtype_name(out));
  const double lo = out == DType::kUInt8 ? 0 : -128;
  const double hi = out == DType::kUInt8 ? 255 : 127;
  const ScaleIndex index = scale_index(call, x, scale);
  const float* s = scale.data<float>();
  std::vector<double> y(static_cast<size_t>(x.size()));
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t c = index.of(i);
    double q;
    if (x.dtype() == DType::kFloat32)
      q = std::nearbyint(x.data<float>()[i] / s[c]);  // float32 division, rounded once
    else
      q = std::nearbyint(static_cast<double>(x.data<int32_t>()[i]) / static_cast<double>(s[c]));
    y[static_cast<size_t>(i)] = std::clamp(q + zp[static_cast<size_t>(c)], lo, hi);
  }
  return {tensor_from(out, x.shape(), std::move(y))};
}

OpOutputs op_DequantizeLinear(const OpCall& call) {
  expect_input_count(call, 2, 3);
  const Tensor& x = call.input(0);
  const Tensor& scale = call.input(1);
  check_scale(call, scale);
  if (x.dtype() != DType::kUInt8 && x.dtype() != DType::kInt8 && x.dtype() != DType::kInt32)
    fail("{}: input must be uint8, int8 or int32, got {}", call.node.label(),
         dtype_name(x.dtype()));
  DType zp_type = x.dtype();
  const std::vector<double> zp = zero_points(call, scale, &zp_type);
  if (zp_type != x.dtype())
    fail("{}: the zero point is {} but the input {}", call.node.label(), dtype_name(zp_type),
         dtype_name(x.dtype()));
  const ScaleIndex index = scale_index(call, x, scale);
  const float* s = scale.data<float>();
  const std::vector<double> xs = x.to_doubles();
  Tensor y(DType::kFloat32, x.shape());
  float* out = y.data<float>();
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t c = index.of(i);
    const float shifted = static_cast<float>(xs[static_cast<size_t>(i)]) -
                          static_cast<float>(zp[static_cast<size_t>(c)]);
    out[i] = shifted * s[c];
  }
  return {y};
}

}  // namespace nnd::ref
