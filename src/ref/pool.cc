// MaxPool, AveragePool and their global forms. Padding never contributes a value: MaxPool skips
// it, and AveragePool counts it in the divisor only with count_include_pad.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ref/op_call.h"
#include "ref/spatial_window.h"

namespace nnd::ref {

namespace {

Window pool_window(const OpCall& call, const Tensor& x) {
  const size_t n = spatial_rank(call, x);
  // axis_attr would fall back to a default; pooling has none.
  if (!call.node.has("kernel_shape"))
    fail("{}: required attribute 'kernel_shape' is missing", call.node.label());
  const std::vector<int64_t> kernel = axis_attr(call, "kernel_shape", n, 1, 1);
  return make_window(call, x, kernel, call.node.attr_int("ceil_mode", 0) != 0);
}

// The taps of one axis of the window at output position o that fall inside the input.
Range taps(const Window& w, size_t a, int64_t o) {
  return valid_range(w.kernel[a], o * w.strides[a] - w.pads_begin[a], w.dilations[a], w.in[a]);
}

// Calls fn(plane n*C + c, offset in the output plane, output position, taps inside the input)
// for every output position.
template <typename Fn>
void for_each_window(const Window& w, int64_t planes, Fn&& fn) {
  for (int64_t p = 0; p < planes; ++p) {
    int64_t at = 0;
    for (int64_t oz = 0; oz < w.out[0]; ++oz)
      for (int64_t oy = 0; oy < w.out[1]; ++oy)
        for (int64_t ox = 0; ox < w.out[2]; ++ox)
          fn(p, at++, std::array<int64_t, 3>{oz, oy, ox},
             std::array<Range, 3>{taps(w, 0, oz), taps(w, 1, oy), taps(w, 2, ox)});
  }
}

// The input coordinate of tap k on axis a at output position o.
int64_t input_at(const Window& w, size_t a, int64_t o, int64_t k) {
  return o * w.strides[a] - w.pads_begin[a] + k * w.dilations[a];
}

}  // namespace

OpOutputs op_MaxPool(const OpCall& call) {
  const Tensor& x = call.input(0);
  const Window w = pool_window(call, x);
  const int64_t storage_order = call.node.attr_int("storage_order", 0);
  if (storage_order != 0 && storage_order != 1)
    fail("{}: storage_order must be 0 or 1, got {}", call.node.label(), storage_order);
  const int64_t planes = x.dim(0) * x.dim(1), in_plane = product(w.in);
  const Shape out_shape = window_output_shape(w, x.dim(0), x.dim(1));
  const std::vector<double> in = x.to_doubles();
  std::vector<double> y(static_cast<size_t>(element_count(out_shape)));
  std::vector<int64_t> indices(y.size());
  // An all-padding window (pads as large as the kernel) has the empty max: -inf, or the lowest
  // value of an integer type, with index -1.
  const double empty = visit_dtype(x.dtype(), [](auto zero) -> double {
    using T = decltype(zero);
    if constexpr (std::is_integral_v<T>)
      return static_cast<double>(std::numeric_limits<T>::lowest());
    else
      return -std::numeric_limits<double>::infinity();
  });
  for_each_window(w, planes, [&](int64_t p, int64_t at, auto o, auto r) {
    const double* plane = in.data() + p * in_plane;
    double best = 0;
    int64_t best_z = -1, best_y = -1, best_x = -1;
    for (int64_t kz = r[0].lo; kz < r[0].hi; ++kz) {
      const int64_t iz = input_at(w, 0, o[0], kz);
      for (int64_t ky = r[1].lo; ky < r[1].hi; ++ky) {
        const int64_t iy = input_at(w, 1, o[1], ky);
        for (int64_t kx = r[2].lo; kx < r[2].hi; ++kx) {
          const int64_t ix = input_at(w, 2, o[2], kx);
          const double v = plane[(iz * w.in[1] + iy) * w.in[2] + ix];
          // The first maximum in row-major window order wins ties.
          if (v > best || best_z < 0) {
            best = v;
            best_z = iz, best_y = iy, best_x = ix;
          }
        }
      }
    }
    const size_t i = static_cast<size_t>(p * product(w.out) + at);
    if (best_z < 0) {
      y[i] = empty;
      indices[i] = -1;
      return;
    }
    y[i] = best;
    // Indices are flat over the unpadded input; storage_order 1 makes the spatial part
    // column-major (the first spatial axis varies fastest).
    const int64_t local = storage_order == 0 ? (best_z * w.in[1] + best_y) * w.in[2] + best_x
                                             : best_z + w.in[0] * (best_y + w.in[1] * best_x);
    indices[i] = p * in_plane + local;
  });
  OpOutputs outs{Tensor::from_doubles(x.dtype(), out_shape, y)};
  if (call.output_count() > 1 && !call.node.outputs[1].empty())
    outs.push_back(Tensor::of<int64_t>(out_shape, indices));
  return outs;
}

OpOutputs op_AveragePool(const OpCall& call) {
  const Tensor& x = call.input(0);
  const Window w = pool_window(call, x);
  const bool include_pad = call.node.attr_int("count_include_pad", 0) != 0;
  const int64_t planes = x.dim(0) * x.dim(1), in_plane = product(w.in);
  const Shape out_shape = window_output_shape(w, x.dim(0), x.dim(1));
  const std::vector<double> in = x.to_doubles();
  std::vector<double> y(static_cast<size_t>(element_count(out_shape)));
  for_each_window(w, planes, [&](int64_t p, int64_t at, auto o, auto r) {
    const double* plane = in.data() + p * in_plane;
    double sum = 0;
    for (int64_t kz = r[0].lo; kz < r[0].hi; ++kz)
      for (int64_t ky = r[1].lo; ky < r[1].hi; ++ky)
        for (int64_t kx = r[2].lo; kx < r[2].hi; ++kx)
          sum += plane[(input_at(w, 0, o[0], kz) * w.in[1] + input_at(w, 1, o[1], ky)) * w.in[2] +
                       input_at(w, 2, o[2], kx)];
    int64_t count = 1;
    for (size_t a = 0; a < kMaxSpatial; ++a) {
      // With count_include_pad the divisor counts taps on the padded input, but not those that
      // ceil_mode lets hang past the end padding.
      const Range counted = include_pad
                                ? valid_range(w.kernel[a], o[a] * w.strides[a], w.dilations[a],
                                              w.in[a] + w.pads_begin[a] + w.pads_end[a])
                                : r[a];
      count *= counted.hi - counted.lo;
    }
    y[static_cast<size_t>(p * product(w.out) + at)] =
        count > 0 ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
  });
  return {Tensor::from_doubles(x.dtype(), out_shape, y)};
}

namespace {

// Reduces each (n, c) plane of a rank >= 3 input to one value.
template <typename Reduce>
Tensor global_pool(const OpCall& call, Reduce&& reduce) {
  const Tensor& x = call.input(0);
  if (x.rank() < 3)
    fail("{}: input must have rank >= 3 (N, C, spatial...), got shape {}", call.node.label(),
         shape_string(x.shape()));
  Shape out_shape(x.shape().size(), 1);
  out_shape[0] = x.dim(0);
  out_shape[1] = x.dim(1);
  const int64_t planes = x.dim(0) * x.dim(1);
  const int64_t plane = planes == 0 ? 0 : x.size() / planes;
  const std::vector<double> in = x.to_doubles();
  std::vector<double> y(static_cast<size_t>(planes));
  for (int64_t p = 0; p < planes; ++p) y[p] = reduce(in.data() + p * plane, plane);
  return Tensor::from_doubles(x.dtype(), out_shape, y);
}

}  // namespace

OpOutputs op_GlobalAveragePool(const OpCall& call) {
  return {global_pool(call, [](const double* p, int64_t n) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += p[i];
    return sum / static_cast<double>(n);
  })};
}

OpOutputs op_GlobalMaxPool(const OpCall& call) {
  return {global_pool(call, [](const double* p, int64_t n) {
    double best = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < n; ++i) best = std::max(best, p[i]);
    return best;
  })};
}

}  // namespace nnd::ref
