// Resize and Upsample. Interpolation is separable: each axis is resampled in turn, which equals the
// spec's n-dimensional formulas because their weights are products of per-axis weights.
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "ref/elementwise_map.h"
#include "ref/resize_sampling.h"

namespace nnd::ref {

namespace {

using Mode = ResizeMode;

// Output size, scale and (for tf_crop_and_resize) region of interest of every axis.
struct Plan {
  Shape out;
  std::vector<double> scales;
  std::vector<double> roi_start, roi_end;
};

// The input positions one output position reads along an axis, with their weights. `outside`:
// tf_crop_and_resize maps it outside the input, so the output holds extrapolation_value.
struct Taps {
  std::vector<std::pair<int64_t, double>> reads;
  bool outside = false;
};

Mode parse_mode(const OpCall& call, bool cubic_allowed) {
  return resize_mode(call.node, cubic_allowed);
}

// Weights of the n neighbours around a source coordinate, the lower centre one at `ratio` (in
// (0, 1]) below it: the (0, 1] convention is the ONNX reference's, and makes exact positions
// read their upper neighbour.
std::vector<double> coefficients(const Sampling& s, double ratio, double scale) {
  switch (s.mode) {
    case Mode::kNearest: {
      bool upper = true;
      if (ratio < 1) {
        switch (s.rounding) {
          case Rounding::kRoundPreferFloor:
            upper = ratio > 0.5;
            break;
          case Rounding::kRoundPreferCeil:
            upper = ratio >= 0.5;
            break;
          case Rounding::kFloor:
            upper = false;
            break;
          case Rounding::kCeil:
            upper = true;
            break;
          case Rounding::kLegacy:
            upper = scale < 1;
            break;
        }
      }
      return {upper ? 0.0 : 1.0, upper ? 1.0 : 0.0};
    }
    case Mode::kLinear:
      return {1 - ratio, ratio};
    case Mode::kCubic: {
      // Keys' cubic convolution kernel with parameter A, at distances 1+r, r, 1-r, 2-r.
      const double a = s.cubic_a;
      auto near = [a](double t) { return ((a + 2) * t - (a + 3)) * t * t + 1; };
      auto far = [a](double t) { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a; };
      return {far(ratio + 1), near(ratio), near(1 - ratio), far(2 - ratio)};
    }
  }
  return {};
}

double source_coordinate(const OpCall& call, const Sampling& s, int64_t x, int64_t in, int64_t out,
                         double scale, double roi_start, double roi_end) {
  // The formulas use the real-valued output length scale * in, not the integer one.
  const double x_out = static_cast<double>(x), length = static_cast<double>(in);
  const double out_width = scale * length;
  switch (s.coordinates) {
    case Coordinates::kHalfPixel:
      return (x_out + 0.5) / scale - 0.5;
    case Coordinates::kHalfPixelSymmetric: {
      const double offset = length / 2 * (1 - static_cast<double>(out) / out_width);
      return offset + (x_out + 0.5) / scale - 0.5;
    }
    case Coordinates::kPytorchHalfPixel:
      return out_width == 1 ? -0.5 : (x_out + 0.5) / scale - 0.5;
    case Coordinates::kAlignCorners:
      return out_width == 1 ? 0 : x_out * (length - 1) / (out_width - 1);
    case Coordinates::kAsymmetric:
      return x_out / scale;
    case Coordinates::kTfHalfPixelForNn:
      return (x_out + 0.5) / scale;
    case Coordinates::kTfCropAndResize: {
      const double span = (roi_end - roi_start) * (length - 1);
      const double start = roi_start * (length - 1);
      return start + (out_width == 1 ? span / 2 : x_out * span / (out_width - 1));
    }
  }
  fail("{}: bad coordinate mode", call.node.label());
}

std::vector<Taps> axis_taps(const OpCall& call, const Sampling& s, int64_t in, int64_t out,
                            double scale, double roi_start, double roi_end) {
  std::vector<Taps> taps(static_cast<size_t>(out));
  for (int64_t x = 0; x < out; ++x) {
    Taps& t = taps[static_cast<size_t>(x)];
    const double xo = source_coordinate(call, s, x, in, out, scale, roi_start, roi_end);
    // Beyond 2^53 the floor below would not be an exact (or even representable) index.
    if (!(std::abs(xo) < 0x1p53))
      fail("{}: scale {} maps output {} to {}", call.node.label(), scale, x, xo);
    if (s.coordinates == Coordinates::kTfCropAndResize && (xo < 0 || xo > in - 1)) {
      t.outside = true;
      continue;
    }
    int64_t lower = static_cast<int64_t>(std::floor(xo));
    double ratio = xo - std::floor(xo);
    if (ratio == 0) {
      ratio = 1;
      lower -= 1;
    }
    std::vector<double> w = coefficients(s, ratio, scale);
    const int64_t n = static_cast<int64_t>(w.size()), pad = n / 2;
    // The reference pads the input by n/2 copies of its edges and takes the n padded positions
    // nearest xo; far outside, they stop at the padding's end.
    const int64_t first = std::clamp(lower - (pad - 1), -pad, in + pad - n);
    if (s.exclude_outside) {
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) {
        if (first + k < 0 || first + k >= in) w[static_cast<size_t>(k)] = 0;
        sum += w[static_cast<size_t>(k)];
      }
      for (double& c : w) c /= sum;
    }
    for (int64_t k = 0; k < n; ++k)
      if (w[static_cast<size_t>(k)] != 0)
        t.reads.emplace_back(std::clamp<int64_t>(first + k, 0, in - 1), w[static_cast<size_t>(k)]);
  }
  return taps;
}

bool is_identity(const std::vector<Taps>& taps, int64_t in) {
  if (static_cast<int64_t>(taps.size()) != in) return false;
  for (size_t x = 0; x < taps.size(); ++x) {
    const Taps& t = taps[x];
    if (t.outside || t.reads.size() != 1 || t.reads[0].first != static_cast<int64_t>(x) ||
        t.reads[0].second != 1)
      return false;
  }
  return true;
}

// Resamples `values` (of `shape`) along `axis`; updates shape.
std::vector<double> resample_axis(const std::vector<double>& values, Shape& shape, size_t axis,
                                  const std::vector<Taps>& taps) {
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d < axis) outer *= shape[d];
    if (d > axis) inner *= shape[d];
  }
  const int64_t n = shape[axis], m = static_cast<int64_t>(taps.size());
  std::vector<double> out(static_cast<size_t>(outer * m * inner), 0.0);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t x = 0; x < m; ++x) {
      double* dst = out.data() + (o * m + x) * inner;
      for (const auto& [index, weight] : taps[static_cast<size_t>(x)].reads) {
        const double* src = values.data() + (o * n + index) * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] += weight * src[i];
      }
    }
  }
  shape[axis] = m;
  return out;
}

Tensor resample(const OpCall& call, const Tensor& x, const Sampling& s, const Plan& plan) {
  std::vector<double> values = x.to_doubles();
  Shape shape = x.shape();
  std::vector<std::vector<Taps>> all_taps;
  bool any_outside = false;
  for (size_t d = 0; d < shape.size(); ++d) {
    const double roi_start = plan.roi_start.empty() ? 0 : plan.roi_start[d];
    const double roi_end = plan.roi_end.empty() ? 1 : plan.roi_end[d];
    all_taps.push_back(
        axis_taps(call, s, shape[d], plan.out[d], plan.scales[d], roi_start, roi_end));
    for (const Taps& t : all_taps.back()) any_outside = any_outside || t.outside;
    if (!is_identity(all_taps.back(), shape[d]))
      values = resample_axis(values, shape, d, all_taps.back());
  }
  if (any_outside) {
    // A position outside the region along any axis is outside altogether.
    std::vector<int64_t> index(shape.size(), 0);
    for (double& v : values) {
      for (size_t d = 0; d < shape.size(); ++d)
        if (all_taps[d][static_cast<size_t>(index[d])].outside) v = s.extrapolation_value;
      for (size_t d = shape.size(); d-- > 0;) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
  }
  return tensor_from(x.dtype(), std::move(shape), std::move(values));
}

// Output sizes from scales: floor(in * scale), as the spec says.
Plan plan_from_scales(const OpCall& call, const Tensor& x, std::vector<double> scales) {
  Plan plan;
  for (size_t d = 0; d < scales.size(); ++d) {
    const double scale = scales[d];
    if (!(scale > 0) || !std::isfinite(scale))
      fail("{}: scale {} of axis {} is not positive", call.node.label(), scale, d);
    const double size = std::floor(scale * static_cast<double>(x.shape()[d]));
    if (size >= 0x1p53) fail("{}: scale {} of axis {} is too large", call.node.label(), scale, d);
    plan.out.push_back(static_cast<int64_t>(size));
  }
  plan.scales = std::move(scales);
  return plan;
}

std::vector<double> float_list(const OpCall& call, const Tensor& t, const char* what,
                               size_t expected) {
  if (!is_floating(t.dtype()) || static_cast<size_t>(t.size()) != expected)
    fail("{}: {} must hold {} floats, got {} {}", call.node.label(), what, expected,
         dtype_name(t.dtype()), shape_string(t.shape()));
  return t.to_doubles();
}

// Nearest (floor when upsampling) or linear on asymmetric coordinates: Resize-10 and Upsample.
Tensor legacy_resize(const OpCall& call, const Tensor& x, std::vector<double> scales) {
  Sampling s;
  s.mode = parse_mode(call, /*cubic_allowed=*/false);
  return resample(call, x, s, plan_from_scales(call, x, std::move(scales)));
}

// The Resize attributes of opset 11 and later.
Sampling sampling_of(const OpCall& call) {
  const Node& node = call.node;
  Sampling s = resize_sampling(node, call.opset);
  if (node.attr_int("antialias", 0) != 0)
    fail("{}: antialias is not supported by the ref framework", node.label());
  return s;
}

// The axes that scales/sizes/roi talk about (opset 18 `axes`; all axes before).
std::vector<size_t> resized_axes(const OpCall& call, int64_t rank) {
  std::vector<size_t> axes;
  if (!call.node.has("axes")) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(static_cast<size_t>(d));
    return axes;
  }
  for (int64_t axis : call.node.attr_ints("axes")) {
    const size_t a = static_cast<size_t>(call.normalize_axis(axis, rank));
    if (std::find(axes.begin(), axes.end(), a) != axes.end())
      fail("{}: axis {} is listed twice", call.node.label(), axis);
    axes.push_back(a);
  }
  return axes;
}

// Output sizes given: the scales follow, and keep_aspect_ratio_policy (opset 18) may replace the
// sizes by one common scale.
Plan plan_from_sizes(const OpCall& call, const Tensor& x, const Tensor& sizes,
                     const std::vector<size_t>& axes) {
  if (sizes.dtype() != DType::kInt64 || static_cast<size_t>(sizes.size()) != axes.size())
    fail("{}: sizes must hold {} int64 values, got {} {}", call.node.label(), axes.size(),
         dtype_name(sizes.dtype()), shape_string(sizes.shape()));
  const std::vector<int64_t> given = sizes.to_int64s();
  Plan plan{x.shape(), std::vector<double>(static_cast<size_t>(x.rank()), 1.0), {}, {}};
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t in = x.shape()[axes[i]];
    if (given[i] < 0 || (in == 0 && given[i] != 0))
      fail("{}: cannot resize axis {} of size {} to {}", call.node.label(), axes[i], in, given[i]);
    plan.out[axes[i]] = given[i];
    plan.scales[axes[i]] = in == 0 ? 1.0 : static_cast<double>(given[i]) / static_cast<double>(in);
  }
  const std::string policy = call.node.attr_string("keep_aspect_ratio_policy", "stretch");
  if (policy == "stretch") return plan;
  if (policy != "not_larger" && policy != "not_smaller")
    fail("{}: unsupported keep_aspect_ratio_policy '{}'", call.node.label(), policy);
  double scale = plan.scales[axes.front()];
  for (size_t a : axes)
    scale =
        policy == "not_larger" ? std::min(scale, plan.scales[a]) : std::max(scale, plan.scales[a]);
  for (size_t a : axes) {
    plan.scales[a] = scale;
    // Rounded half up, as the spec's formula does.
    plan.out[a] = static_cast<int64_t>(scale * static_cast<double>(x.shape()[a]) + 0.5);
  }
  return plan;
}

const Tensor* non_empty_input(const OpCall& call, size_t i) {
  return call.has_input(i) && call.input(i).size() > 0 ? &call.input(i) : nullptr;
}

}  // namespace

OpOutputs op_Resize(const OpCall& call) {
  const Tensor& x = call.input(0);
  if (call.opset < 11) {
    expect_input_count(call, 2, 2);
    return {legacy_resize(
        call, x, float_list(call, call.input(1), "scales", static_cast<size_t>(x.rank())))};
  }
  expect_input_count(call, 1, 4);
  const Sampling s = sampling_of(call);
  const std::vector<size_t> axes = resized_axes(call, x.rank());
  const Tensor* scales = non_empty_input(call, 2);
  const Tensor* sizes = non_empty_input(call, 3);
  if (scales && sizes) fail("{}: only one of scales and sizes may be given", call.node.label());
  if (!scales && !sizes) fail("{}: needs scales or sizes", call.node.label());
  Plan plan;
  if (scales) {
    std::vector<double> given = float_list(call, *scales, "scales", axes.size());
    std::vector<double> all(static_cast<size_t>(x.rank()), 1.0);
    for (size_t i = 0; i < axes.size(); ++i) all[axes[i]] = given[i];
    plan = plan_from_scales(call, x, std::move(all));
  } else {
    plan = plan_from_sizes(call, x, *sizes, axes);
  }
  if (s.coordinates == Coordinates::kTfCropAndResize) {
    const Tensor* roi = non_empty_input(call, 1);
    if (!roi) fail("{}: tf_crop_and_resize needs roi", call.node.label());
    std::vector<double> given = float_list(call, *roi, "roi", 2 * axes.size());
    plan.roi_start.assign(static_cast<size_t>(x.rank()), 0.0);
    plan.roi_end.assign(static_cast<size_t>(x.rank()), 1.0);
    for (size_t i = 0; i < axes.size(); ++i) {
      plan.roi_start[axes[i]] = given[i];
      plan.roi_end[axes[i]] = given[axes.size() + i];
    }
  }
  return {resample(call, x, s, plan)};
}

OpOutputs op_Upsample(const OpCall& call) {
  if (call.opset < 7)
    fail("{}: the experimental Upsample of opset {} is not supported", call.node.label(),
         call.opset);
  const Tensor& x = call.input(0);
  std::vector<double> scales;
  if (call.opset < 9) {
    expect_input_count(call, 1, 1);
    std::vector<float> attr = call.node.attr_floats("scales");
    scales.assign(attr.begin(), attr.end());
    if (scales.size() != static_cast<size_t>(x.rank()))
      fail("{}: scales has {} values for rank {}", call.node.label(), scales.size(), x.rank());
  } else {
    expect_input_count(call, 2, 2);
    scales = float_list(call, call.input(1), "scales", static_cast<size_t>(x.rank()));
  }
  for (double scale : scales)
    if (!(scale >= 1)) fail("{}: scale {} is below 1", call.node.label(), scale);
  return {legacy_resize(call, x, std::move(scales))};
}

}  // namespace nnd::ref
