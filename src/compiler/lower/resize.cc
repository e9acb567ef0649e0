// Resize (opset 10, 11, 13+) and Upsample (opset 7-9), modes nearest, linear and cubic, as ref
// computes them (src/ref/resize.cc): one pass per resized axis, in float64, each reading the
// previous pass, rounded to float32 once at the end. The coordinate math is in the loop IR, its
// constants literals (never a table in a Buffer: stage objects are cached by the IR's text), and
// wrapped in strict_float so that no level reassociates it: an index that moves across a tie is a
// different pixel, not a rounding difference (hence the opencl target's cl_doubles: in float32,
// positions within rounding of a tie take the other neighbour).
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "compiler/lower/lower.h"
#include "core/error.h"
#include "ref/resize_sampling.h"

namespace nnd::compiler {

namespace {

using Halide::Type;

using ref::Coordinates;
using ref::Rounding;
using ref::Sampling;
using Mode = ref::ResizeMode;

// Nearest and linear read their two neighbours directly; cubic, and exclude_outside's
// renormalized weights, go through the general weighted taps.
bool general(const Sampling& s) { return s.mode == Mode::kCubic || s.exclude_outside; }

// Output size, scale and (for tf_crop_and_resize) region of interest of every axis.
struct Plan {
  Shape out;
  std::vector<double> scales;
  std::vector<double> roi_start, roi_end;
};

// One axis: what its source coordinate formula needs.
struct Axis {
  int64_t in = 0, out = 0;
  double scale = 1, roi_start = 0, roi_end = 1;
};

Mode parse_mode(const Node& node, bool cubic_allowed) {
  return ref::resize_mode(node, cubic_allowed);
}

// ref's source_coordinate, for a double (on the host) or an Expr (in the IR): `k` makes a
// constant of the computation's type. The operations and their order are ref's.
template <typename N, typename K>
N source_coordinate(const Sampling& s, const N& x_out, const Axis& a, K k) {
  const double length = static_cast<double>(a.in);
  const double out_width = a.scale * length;
  switch (s.coordinates) {
    case Coordinates::kHalfPixel:
      return (x_out + k(0.5)) / k(a.scale) - k(0.5);
    case Coordinates::kHalfPixelSymmetric: {
      const double offset = length / 2 * (1 - static_cast<double>(a.out) / out_width);
      return k(offset) + (x_out + k(0.5)) / k(a.scale) - k(0.5);
    }
    case Coordinates::kPytorchHalfPixel:
      return out_width == 1 ? x_out * k(0) + k(-0.5) : (x_out + k(0.5)) / k(a.scale) - k(0.5);
    case Coordinates::kAlignCorners:
      return out_width == 1 ? x_out * k(0) : x_out * k(length - 1) / k(out_width - 1);
    case Coordinates::kAsymmetric:
      return x_out / k(a.scale);
    case Coordinates::kTfHalfPixelForNn:
      return (x_out + k(0.5)) / k(a.scale);
    case Coordinates::kTfCropAndResize: {
      const double span = (a.roi_end - a.roi_start) * (length - 1);
      const double start = a.roi_start * (length - 1);
      return k(start) +
             (out_width == 1 ? x_out * k(0) + k(span / 2) : x_out * k(span) / k(out_width - 1));
    }
  }
  return x_out;
}

// Whether the nearest neighbour is the upper one, for a source coordinate `ratio` = xo - floor(xo)
// above the lower; ref's (0, 1] ratio convention makes exact positions (ratio 0 here) read the
// lower, that is the position itself.
bool upper_on_host(const Sampling& s, double ratio, double scale) {
  if (ratio == 0) return false;
  switch (s.rounding) {
    case Rounding::kRoundPreferFloor:
      return ratio > 0.5;
    case Rounding::kRoundPreferCeil:
      return ratio >= 0.5;
    case Rounding::kFloor:
      return false;
    case Rounding::kCeil:
      return true;
    case Rounding::kLegacy:
      return scale < 1;
  }
  return false;
}

Expr upper_in_ir(const Sampling& s, const Expr& ratio, double scale) {
  const Expr zero = Halide::Internal::make_const(ratio.type(), 0.0);
  const Expr half = Halide::Internal::make_const(ratio.type(), 0.5);
  switch (s.rounding) {
    case Rounding::kRoundPreferFloor:
      return Halide::select(ratio > half, 1, 0);
    case Rounding::kRoundPreferCeil:
      return Halide::select(ratio >= half, 1, 0);
    case Rounding::kFloor:
      return 0;
    case Rounding::kCeil:
      return Halide::select(ratio > zero, 1, 0);
    case Rounding::kLegacy:
      return scale < 1 ? Halide::select(ratio > zero, 1, 0) : Expr(0);
  }
  return 0;
}

// Linear and cubic weights of the taps around a source coordinate, the lower centre one at
// `ratio` (in (0, 1]) below it, for a double or an Expr; ref's formulas in ref's order.
template <typename N, typename K>
std::vector<N> smooth_weights(const Sampling& s, const N& ratio, K k) {
  if (s.mode == Mode::kLinear) return {k(1) - ratio, ratio};
  const double a = s.cubic_a;
  auto near = [&](const N& t) { return (k(a + 2) * t - k(a + 3)) * t * t + k(1); };
  auto far = [&](const N& t) { return ((k(a) * t - k(5 * a)) * t + k(8 * a)) * t - k(4 * a); };
  return {far(ratio + k(1)), near(ratio), near(k(1) - ratio), far(k(2) - ratio)};
}

int tap_count(const Sampling& s) { return s.mode == Mode::kCubic ? 4 : 2; }

// The input positions and weights ref reads for source coordinate xo (its axis_taps).
std::vector<std::pair<int64_t, double>> host_reads(const Sampling& s, const Axis& a, double xo) {
  int64_t lower = static_cast<int64_t>(std::floor(xo));
  double ratio = xo - std::floor(xo);
  if (ratio == 0) {
    ratio = 1;
    lower -= 1;
  }
  std::vector<double> w;
  if (s.mode == Mode::kNearest) {
    const bool upper = ratio >= 1 || upper_on_host(s, ratio, a.scale);
    w = {upper ? 0.0 : 1.0, upper ? 1.0 : 0.0};
  } else {
    w = smooth_weights<double>(s, ratio, [](double v) { return v; });
  }
  const int64_t n = tap_count(s), pad = n / 2;
  const int64_t first = std::clamp(lower - (pad - 1), -pad, a.in + pad - n);
  if (s.exclude_outside) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (first + i < 0 || first + i >= a.in) w[static_cast<size_t>(i)] = 0;
      sum += w[static_cast<size_t>(i)];
    }
    for (double& c : w) c /= sum;
  }
  std::vector<std::pair<int64_t, double>> reads;
  for (int64_t i = 0; i < n; ++i)
    if (w[static_cast<size_t>(i)] != 0)
      reads.emplace_back(std::clamp<int64_t>(first + i, 0, a.in - 1), w[static_cast<size_t>(i)]);
  return reads;
}

// Whether resampling `a` leaves every position reading itself with weight 1 (ref skips such
// axes). Also refuses coordinates no int32 index can hold.
bool is_identity(const Node& node, const Sampling& s, const Axis& a) {
  bool identity = a.in == a.out;
  for (int64_t x = 0; x < a.out; ++x) {
    const double xo =
        source_coordinate<double>(s, static_cast<double>(x), a, [](double v) { return v; });
    if (!(std::abs(xo) < 0x1p30))
      fail("{}: scale {} maps output {} to {}, beyond what halide indexes", node.label(), a.scale,
           x, xo);
    if (s.coordinates == Coordinates::kTfCropAndResize &&
        (xo < 0 || xo > static_cast<double>(a.in - 1))) {
      identity = false;
      continue;
    }
    const auto reads = host_reads(s, a, xo);
    if (reads.size() != 1 || reads[0].first != x || reads[0].second != 1) identity = false;
  }
  return identity;
}

// The general taps in the IR: ref's axis_taps and resample_axis, term by term. `read` reads the
// source at a (clamped) index along the axis.
template <typename Read, typename K>
Expr weighted_taps(const Sampling& s, const Axis& a, const Expr& xo, Read read, K k) {
  const Expr f = Halide::floor(xo), exact = xo - f == k(0);
  const Expr ratio = Halide::select(exact, k(1), xo - f);
  const Expr lower = Halide::cast<int>(f) - Halide::select(exact, 1, 0);
  const int n = tap_count(s), pad = n / 2, in = static_cast<int>(a.in);
  const Expr first = Halide::clamp(lower - (pad - 1), -pad, in + pad - n);
  std::vector<Expr> w;
  if (s.mode == Mode::kNearest) {
    const Expr upper = ratio >= k(1) || upper_in_ir(s, ratio, a.scale) == 1;
    w = {Halide::select(upper, k(0), k(1)), Halide::select(upper, k(1), k(0))};
  } else {
    w = smooth_weights<Expr>(s, ratio, k);
  }
  if (s.exclude_outside) {
    Expr sum = k(0);
    for (int i = 0; i < n; ++i) {
      w[i] = Halide::select(first + i > -1 && first + i < in, w[i], k(0));
      sum = sum + w[i];
    }
    for (Expr& c : w) c = c / sum;
  }
  // Zero weights are skipped, as ref skips them (an inf beside them makes no NaN).
  Expr acc = k(0);
  for (int i = 0; i < n; ++i) acc = Halide::select(w[i] != k(0), acc + w[i] * read(first + i), acc);
  return acc;
}

// Output sizes from scales: floor(in * scale), as the spec says.
Plan plan_from_scales(const Node& node, const Shape& x, std::vector<double> scales) {
  Plan plan;
  for (size_t d = 0; d < scales.size(); ++d) {
    const double scale = scales[d];
    if (!(scale > 0) || !std::isfinite(scale))
      fail("{}: scale {} of axis {} is not positive", node.label(), scale, d);
    const double size = std::floor(scale * static_cast<double>(x[d]));
    if (size >= 0x1p30) fail("{}: scale {} of axis {} is too large", node.label(), scale, d);
    plan.out.push_back(static_cast<int64_t>(size));
  }
  plan.scales = std::move(scales);
  return plan;
}

std::vector<double> float_list(const Node& node, const Tensor& t, const char* what,
                               size_t expected) {
  if (!is_floating(t.dtype()) || static_cast<size_t>(t.size()) != expected)
    fail("{}: {} must hold {} floats, got {} {}", node.label(), what, expected,
         dtype_name(t.dtype()), shape_string(t.shape()));
  return t.to_doubles();
}

// The Resize attributes of opset 11 and later.
Sampling sampling_of(const LowerContext& ctx) {
  const Node& node = ctx.node;
  Sampling s = ref::resize_sampling(node, ctx.opset);
  // Antialiasing widens the filter by 1/scale when downsampling: ref has no such filter either.
  if (node.attr_int("antialias", 0) != 0) unsupported(node, "attribute antialias=1");
  return s;
}

// The axes that scales/sizes/roi talk about (opset 18 `axes`; all axes before).
std::vector<size_t> resized_axes(const Node& node, int64_t rank) {
  std::vector<size_t> axes;
  if (!node.has("axes")) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(static_cast<size_t>(d));
    return axes;
  }
  for (int64_t axis : node.attr_ints("axes")) {
    const size_t a = static_cast<size_t>(normalize_axis(node, axis, rank));
    if (std::find(axes.begin(), axes.end(), a) != axes.end())
      fail("{}: axis {} is listed twice", node.label(), axis);
    axes.push_back(a);
  }
  return axes;
}

// Output sizes given: the scales follow, and keep_aspect_ratio_policy (opset 18) may replace the
// sizes by one common scale.
Plan plan_from_sizes(const Node& node, const Shape& x, const Tensor& sizes,
                     const std::vector<size_t>& axes) {
  if (sizes.dtype() != DType::kInt64 || static_cast<size_t>(sizes.size()) != axes.size())
    fail("{}: sizes must hold {} int64 values, got {} {}", node.label(), axes.size(),
         dtype_name(sizes.dtype()), shape_string(sizes.shape()));
  const std::vector<int64_t> given = sizes.to_int64s();
  Plan plan{x, std::vector<double>(x.size(), 1.0), {}, {}};
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t in = x[axes[i]];
    if (given[i] < 0 || (in == 0 && given[i] != 0) || given[i] >= (int64_t{1} << 30))
      fail("{}: cannot resize axis {} of size {} to {}", node.label(), axes[i], in, given[i]);
    plan.out[axes[i]] = given[i];
    plan.scales[axes[i]] = in == 0 ? 1.0 : static_cast<double>(given[i]) / static_cast<double>(in);
  }
  const std::string policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
  if (policy == "stretch") return plan;
  if (policy != "not_larger" && policy != "not_smaller")
    fail("{}: unsupported keep_aspect_ratio_policy '{}'", node.label(), policy);
  double scale = plan.scales[axes.front()];
  for (size_t a : axes)
    scale =
        policy == "not_larger" ? std::min(scale, plan.scales[a]) : std::max(scale, plan.scales[a]);
  for (size_t a : axes) {
    plan.scales[a] = scale;
    // Rounded half up with ref's own expression, so that the two agree even where adding 0.5
    // rounds up in double (0.49999999999999994), which lround would not.
    plan.out[a] = static_cast<int64_t>(  // NOLINT(bugprone-incorrect-roundings)
        scale * static_cast<double>(x[a]) + 0.5);
  }
  return plan;
}

// Input i when given and not empty (an empty initializer means omitted).
const Tensor* non_empty_constant(const LowerContext& ctx, int i) {
  if (i >= static_cast<int>(ctx.node.inputs.size()) || ctx.node.inputs[i].empty()) return nullptr;
  const Tensor& t = ctx.constant(i);
  return t.size() > 0 ? &t : nullptr;
}

Lowered resample(LowerContext& ctx, const Sampling& s, const Plan& plan) {
  const Value& x = ctx.input(0);
  const int rank = static_cast<int>(x.shape.size());
  if (plan.out.size() != x.shape.size())
    fail("{}: {} output sizes for rank {}", ctx.node.label(), plan.out.size(), rank);
  const Type t = Halide::Float(64);
  auto k = [t](double v) { return Halide::Internal::make_const(t, v); };
  std::vector<Var> v = axis_vars(rank);
  std::vector<Axis> axes;
  std::vector<int> resampled;
  for (int d = 0; d < rank; ++d) {
    Axis a{x.shape[d], plan.out[d], plan.scales[d],
           plan.roi_start.empty() ? 0.0 : plan.roi_start[d],
           plan.roi_end.empty() ? 1.0 : plan.roi_end[d]};
    axes.push_back(a);
    if (!is_identity(ctx.node, s, a)) resampled.push_back(d);
  }
  Lowered result{{}, {}, "layout"};
  // Pass p reads the input along resampled axes after p and the passes' output before it.
  Func source = x.func;
  Expr inside = Halide::Internal::const_true();
  Expr value;
  for (size_t p = 0; p < resampled.size(); ++p) {
    const int d = resampled[p];
    const Axis& a = axes[d];
    const Expr xo = Halide::strict_float(source_coordinate<Expr>(s, Halide::cast(t, v[d]), a, k));
    const Expr f = Halide::floor(xo), ratio = xo - f;
    const Expr lower = Halide::cast<int>(f);
    const int last = static_cast<int>(a.in - 1);
    auto read = [&](const Expr& i) {
      std::vector<Expr> idx = as_exprs(v);
      idx[d] = Halide::clamp(i, 0, last);
      return Halide::cast(t, at(source, idx));
    };
    if (general(s)) {
      value = weighted_taps(s, a, xo, read, k);
    } else if (s.mode == Mode::kNearest) {
      value = read(lower + upper_in_ir(s, ratio, a.scale));
    } else {
      // An exact position reads its own pixel alone, as ref skips the zero weight (so an inf
      // beside it does not make a NaN).
      const Expr lo = read(lower), hi = read(lower + 1);
      value = Halide::select(ratio == k(0), lo, (k(1) - ratio) * lo + ratio * hi);
    }
    if (s.coordinates == Coordinates::kTfCropAndResize)
      inside = inside && xo >= k(0) && xo <= k(static_cast<double>(a.in - 1));
    if (p + 1 == resampled.size()) break;
    Func pass(ctx.name("resize" + std::to_string(d)));
    define(pass, v, value);
    Shape shape = x.shape;
    for (size_t q = 0; q <= p; ++q) shape[resampled[q]] = plan.out[resampled[q]];
    result.internals.push_back({pass, shape});
    source = pass;
  }
  if (resampled.empty()) value = at(x, as_exprs(v));
  if (s.coordinates == Coordinates::kTfCropAndResize)
    value = Halide::select(inside, value, k(s.extrapolation_value));
  Func out(ctx.name("resize"));
  define(out, v, Halide::cast<float>(value));
  result.outputs.push_back({out, plan.out});
  return result;
}

}  // namespace

Lowered lower_resize(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Shape& x = ctx.input(0).shape;
  const size_t rank = x.size();
  if (ctx.opset < 11) {
    Sampling s;
    s.mode = parse_mode(node, /*cubic_allowed=*/false);
    return resample(ctx, s,
                    plan_from_scales(node, x, float_list(node, ctx.constant(1), "scales", rank)));
  }
  const Sampling s = sampling_of(ctx);
  const std::vector<size_t> axes = resized_axes(node, static_cast<int64_t>(rank));
  const Tensor* scales = non_empty_constant(ctx, 2);
  const Tensor* sizes = non_empty_constant(ctx, 3);
  if (scales && sizes) fail("{}: only one of scales and sizes may be given", node.label());
  if (!scales && !sizes) fail("{}: needs scales or sizes", node.label());
  Plan plan;
  if (scales) {
    std::vector<double> given = float_list(node, *scales, "scales", axes.size());
    std::vector<double> all(rank, 1.0);
    for (size_t i = 0; i < axes.size(); ++i) all[axes[i]] = given[i];
    plan = plan_from_scales(node, x, std::move(all));
  } else {
    plan = plan_from_sizes(node, x, *sizes, axes);
  }
  if (s.coordinates == Coordinates::kTfCropAndResize) {
    const Tensor* roi = non_empty_constant(ctx, 1);
    if (!roi) fail("{}: tf_crop_and_resize needs roi", node.label());
    std::vector<double> given = float_list(node, *roi, "roi", 2 * axes.size());
    plan.roi_start.assign(rank, 0.0);
    plan.roi_end.assign(rank, 1.0);
    for (size_t i = 0; i < axes.size(); ++i) {
      plan.roi_start[axes[i]] = given[i];
      plan.roi_end[axes[i]] = given[axes.size() + i];
    }
  }
  return resample(ctx, s, plan);
}

Lowered lower_upsample(LowerContext& ctx) {
  const Node& node = ctx.node;
  if (ctx.opset < 7)
    fail("{}: the experimental Upsample of opset {} is not supported", node.label(), ctx.opset);
  const Shape& x = ctx.input(0).shape;
  std::vector<double> scales;
  if (ctx.opset < 9) {
    std::vector<float> attr = node.attr_floats("scales");
    scales.assign(attr.begin(), attr.end());
    if (scales.size() != x.size())
      fail("{}: scales has {} values for rank {}", node.label(), scales.size(), x.size());
  } else {
    scales = float_list(node, ctx.constant(1), "scales", x.size());
  }
  for (double scale : scales)
    if (!(scale >= 1)) fail("{}: scale {} is below 1", node.label(), scale);
  Sampling s;
  s.mode = parse_mode(node, /*cubic_allowed=*/false);
  return resample(ctx, s, plan_from_scales(node, x, std::move(scales)));
}

}  // namespace nnd::compiler
