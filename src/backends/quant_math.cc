#include "backends/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace nnd::backends::quant {

namespace {

// Slices along `axis` of a row-major shape: element i lies in slice (i / inner) % channels.
struct Slicing {
  int64_t channels = 1;
  int64_t inner = 1;
  int64_t of(int64_t i) const { return (i / inner) % channels; }
};

Slicing slicing(const Shape& shape, int64_t axis) {
  NND_CHECK(axis >= 0 && axis < static_cast<int64_t>(shape.size()), "axis {} of shape {}", axis,
            shape_string(shape));
  Slicing s;
  s.channels = shape[static_cast<size_t>(axis)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) s.inner *= shape[d];
  return s;
}

}  // namespace

ChannelQuant quantize_per_channel(const Tensor& w, int64_t axis) {
  NND_CHECK(w.dtype() == DType::kFloat32, "weights must be float32");
  const Slicing s = slicing(w.shape(), axis);
  const float* x = w.data<float>();
  std::vector<float> max_abs(static_cast<size_t>(s.channels), 0.0f);
  for (int64_t i = 0; i < w.size(); ++i) {
    float& m = max_abs[static_cast<size_t>(s.of(i))];
    m = std::max(m, std::abs(x[i]));
  }
  ChannelQuant out;
  for (float m : max_abs) out.scales.push_back(m > 0 ? m / 127.0f : 1.0f);
  out.q = Tensor(DType::kInt8, w.shape());
  int8_t* q = out.q.data<int8_t>();
  for (int64_t i = 0; i < w.size(); ++i) {
    const float r = std::nearbyint(x[i] / out.scales[static_cast<size_t>(s.of(i))]);
    q[i] = static_cast<int8_t>(std::clamp(r, -127.0f, 127.0f));
  }
  return out;
}

Tensor dequantize_per_channel(const ChannelQuant& quant, int64_t axis) {
  const Slicing s = slicing(quant.q.shape(), axis);
  Tensor w(DType::kFloat32, quant.q.shape());
  const int8_t* q = quant.q.data<int8_t>();
  float* out = w.data<float>();
  for (int64_t i = 0; i < w.size(); ++i)
    out[i] = static_cast<float>(q[i]) * quant.scales[static_cast<size_t>(s.of(i))];
  return w;
}

AffineQuant affine_uint8(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  AffineQuant a;
  a.scale = (hi - lo) / 255.0f;
  if (!(a.scale > 0) || !std::isfinite(a.scale)) a.scale = 1.0f;
  a.zero_point = static_cast<uint8_t>(std::clamp(std::nearbyint(-lo / a.scale), 0.0f, 255.0f));
  return a;
}

BiasQuant quantize_bias(const Tensor& bias, float input_scale,
                        const std::vector<float>& weight_scales) {
  NND_CHECK(bias.dtype() == DType::kFloat32 && bias.rank() == 1 &&
                bias.size() == static_cast<int64_t>(weight_scales.size()),
            "bias of shape {} for {} channels", shape_string(bias.shape()), weight_scales.size());
  BiasQuant out;
  out.q = Tensor(DType::kInt32, bias.shape());
  const double lo = std::numeric_limits<int32_t>::min();
  const double hi = std::numeric_limits<int32_t>::max();
  for (size_t c = 0; c < weight_scales.size(); ++c) {
    const float scale = input_scale * weight_scales[c];
    out.scales.push_back(scale);
    const double r = std::nearbyint(static_cast<double>(bias.data<float>()[c] / scale));
    out.q.data<int32_t>()[c] = static_cast<int32_t>(std::clamp(r, lo, hi));
  }
  return out;
}

}  // namespace nnd::backends::quant
