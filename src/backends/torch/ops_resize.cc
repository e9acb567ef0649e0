// Resize and Upsample: ATen's upsampling kernels where their coordinate rule is the node's, and
// otherwise a separable resampling (one index_select per axis, two blended for linear) that
// follows the ONNX formulas for any coordinate transformation and nearest rounding mode.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <utility>

#include "backends/torch/converter.h"
#include "core/error.h"

namespace nnd::backends::torch_impl {

namespace {

using Ints = std::vector<int64_t>;

}  // namespace

namespace {

enum class Coordinates { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixel };
enum class Rounding { kPreferFloor, kPreferCeil, kFloor, kCeil, kLegacy };

struct Sampling {
  std::string label;
  bool linear = false;
  Coordinates coordinates = Coordinates::kAsymmetric;
  Rounding rounding = Rounding::kLegacy;
};

double source_coordinate(const Sampling& s, int64_t x, int64_t in, int64_t out, double scale) {
  const double xd = static_cast<double>(x);
  switch (s.coordinates) {
    case Coordinates::kHalfPixel:
      return (xd + 0.5) / scale - 0.5;
    case Coordinates::kPytorchHalfPixel:
      return out > 1 ? (xd + 0.5) / scale - 0.5 : 0.0;
    case Coordinates::kAlignCorners: {
      // ONNX divides by the unrounded output length in * scale, not by the output size.
      const double length = static_cast<double>(in) * scale;
      return out == 1 || length == 1 ? 0.0 : xd * static_cast<double>(in - 1) / (length - 1);
    }
    case Coordinates::kAsymmetric:
      return xd / scale;
    case Coordinates::kTfHalfPixel:
      return (xd + 0.5) / scale;
  }
  return 0;
}

int64_t nearest(const Sampling& s, double v, double scale) {
  switch (s.rounding) {
    case Rounding::kPreferFloor:
      return static_cast<int64_t>(std::ceil(v - 0.5));
    case Rounding::kPreferCeil:
      return static_cast<int64_t>(std::floor(v + 0.5));
    case Rounding::kFloor:
      return static_cast<int64_t>(std::floor(v));
    case Rounding::kCeil:
      return static_cast<int64_t>(std::ceil(v));
    case Rounding::kLegacy:
      return static_cast<int64_t>(scale >= 1 ? std::floor(v) : std::ceil(v));
  }
  return 0;
}

// Resamples one axis by gathering source rows: nearest takes one, linear blends two.
at::Tensor resample_axis(const Sampling& s, const at::Tensor& x, int64_t axis, int64_t out,
                         double scale) {
  const int64_t in = x.size(axis);
  std::vector<int64_t> lower(static_cast<size_t>(out)), upper(lower.size());
  std::vector<double> weight(lower.size());
  for (int64_t i = 0; i < out; ++i) {
    const double v = source_coordinate(s, i, in, out, scale);
    if (!s.linear) {
      lower[i] = std::clamp<int64_t>(nearest(s, v, scale), 0, in - 1);
      continue;
    }
    const double clamped = std::clamp(v, 0.0, static_cast<double>(in - 1));
    lower[i] = static_cast<int64_t>(std::floor(clamped));
    upper[i] = std::min(lower[i] + 1, in - 1);
    weight[i] = clamped - static_cast<double>(lower[i]);
  }
  const at::Tensor lo = x.index_select(axis, at::tensor(lower).to(x.device()));
  if (!s.linear) return lo;
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[static_cast<size_t>(axis)] = out;
  const at::Tensor w = at::tensor(weight).to(x.device()).to(x.scalar_type()).reshape(shape);
  const at::Tensor hi = x.index_select(axis, at::tensor(upper).to(x.device()));
  return lo + (hi - lo) * w;
}

// ATen's own upsampling kernels where their coordinate rule is the node's: nearest on asymmetric
// coordinates with floor, linear on align_corners or half-pixel coordinates.
std::optional<at::Tensor> aten_upsample(const Sampling& s, const at::Tensor& x, const Ints& out,
                                        const std::vector<double>& scales) {
  if (x.dim() < 3 || x.dim() > 5 || out[0] != x.size(0) || out[1] != x.size(1)) return {};
  const Ints size(out.begin() + 2, out.end());
  auto scale = [&](size_t i) { return c10::optional<double>(scales[i + 2]); };
  if (!s.linear) {
    if (s.coordinates != Coordinates::kAsymmetric) return {};
    for (size_t i = 2; i < scales.size(); ++i)
      if (!(s.rounding == Rounding::kFloor || (s.rounding == Rounding::kLegacy && scales[i] >= 1)))
        return {};
    switch (size.size()) {
      case 1:
        return at::upsample_nearest1d(x, size, scale(0));
      case 2:
        return at::upsample_nearest2d(x, size, scale(0), scale(1));
      default:
        return at::upsample_nearest3d(x, size, scale(0), scale(1), scale(2));
    }
  }
  bool align = s.coordinates == Coordinates::kAlignCorners;
  // ATen aligns corners on the output size; ONNX on in * scale, which may not be whole.
  for (size_t i = 2; align && i < out.size(); ++i)
    align = static_cast<double>(x.size(static_cast<int64_t>(i))) * scales[i] ==
            static_cast<double>(out[i]);
  bool half = s.coordinates == Coordinates::kHalfPixel;
  if (s.coordinates == Coordinates::kPytorchHalfPixel) {
    half = true;
    for (int64_t o : size) half = half && o > 1;
  }
  if (!align && !half) return {};
  switch (size.size()) {
    case 1:
      return at::upsample_linear1d(x, size, align, scale(0));
    case 2:
      return at::upsample_bilinear2d(x, size, align, scale(0), scale(1));
    default:
      return at::upsample_trilinear3d(x, size, align, scale(0), scale(1), scale(2));
  }
}

template <typename E>
E choose(const std::string& label, const char* attr, const std::string& value,
         std::initializer_list<std::pair<const char*, E>> choices) {
  for (const auto& [name, e] : choices)
    if (value == name) return e;
  fail("{}: {} '{}' is not supported by torch", label, attr, value);
}

Sampling sampling_of(const NodeContext& c) {
  Sampling s;
  s.label = c.label();
  const std::string mode = c.node.attr_string("mode", "nearest");
  s.linear = choose<bool>(s.label, "mode", mode, {{"nearest", false}, {"linear", true}});
  if (c.node.op_type == "Upsample" || c.opset < 11) return s;
  s.coordinates =
      choose<Coordinates>(s.label, "coordinate_transformation_mode",
                          c.node.attr_string("coordinate_transformation_mode", "half_pixel"),
                          {{"half_pixel", Coordinates::kHalfPixel},
                           {"pytorch_half_pixel", Coordinates::kPytorchHalfPixel},
                           {"align_corners", Coordinates::kAlignCorners},
                           {"asymmetric", Coordinates::kAsymmetric},
                           {"tf_half_pixel_for_nn", Coordinates::kTfHalfPixel}});
  s.rounding = choose<Rounding>(s.label, "nearest_mode",
                                c.node.attr_string("nearest_mode", "round_prefer_floor"),
                                {{"round_prefer_floor", Rounding::kPreferFloor},
                                 {"round_prefer_ceil", Rounding::kPreferCeil},
                                 {"floor", Rounding::kFloor},
                                 {"ceil", Rounding::kCeil}});
  if (c.node.attr_int("antialias", 0) != 0)
    fail("{}: antialias is not supported by torch", s.label);
  if (c.node.has("axes")) fail("{}: attribute 'axes' is not supported by torch", s.label);
  if (c.node.attr_string("keep_aspect_ratio_policy", "stretch") != "stretch")
    fail("{}: keep_aspect_ratio_policy is not supported by torch", s.label);
  return s;
}

std::vector<double> float_values(const at::Tensor& t) {
  const at::Tensor d = t.to(at::kCPU).to(at::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

Kernel resize(const NodeContext& c, std::optional<std::vector<float>> scale_attr,
              size_t scales_input, size_t sizes_input) {
  const Sampling s = sampling_of(c);
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const size_t rank = static_cast<size_t>(x.dim());
    std::vector<double> scales;
    Ints out(rank);
    if (scale_attr) {
      scales.assign(scale_attr->begin(), scale_attr->end());
    } else if (scales_input < in.size() && in[scales_input].defined() &&
               in[scales_input].numel() > 0) {
      scales = float_values(in[scales_input]);
    }
    if (!scales.empty()) {
      if (scales.size() != rank)
        fail("{}: {} scales for an input of rank {}", s.label, scales.size(), rank);
      for (size_t i = 0; i < rank; ++i)
        out[i] = static_cast<int64_t>(std::floor(static_cast<double>(x.size(i)) * scales[i]));
    } else {
      if (sizes_input >= in.size() || !in[sizes_input].defined())
        fail("{}: neither scales nor sizes is given", s.label);
      out = int_values(in[sizes_input], s.label, "sizes");
      if (out.size() != rank)
        fail("{}: {} sizes for an input of rank {}", s.label, out.size(), rank);
      for (size_t i = 0; i < rank; ++i)
        scales.push_back(static_cast<double>(out[i]) / static_cast<double>(x.size(i)));
    }
    if (auto y = aten_upsample(s, x, out, scales)) return {*y};
    at::Tensor y = x;
    for (size_t i = 0; i < rank; ++i)
      if (out[i] != x.size(i) || scales[i] != 1.0)
        y = resample_axis(s, y, static_cast<int64_t>(i), out[i], scales[i]);
    return {y};
  };
}

}  // namespace

Kernel build_Resize(const NodeContext& c) {
  if (c.opset < 11) return resize(c, std::nullopt, 1, 99);
  if (c.node.attr_string("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize")
    fail("{}: coordinate_transformation_mode 'tf_crop_and_resize' is not supported by torch",
         c.label());
  return resize(c, std::nullopt, 2, 3);
}

Kernel build_Upsample(const NodeContext& c) {
  if (c.opset < 9) return resize(c, c.node.attr_floats("scales"), 99, 99);
  return resize(c, std::nullopt, 1, 99);
}

}  // namespace nnd::backends::torch_impl
