#pragma once
// Sliding-window geometry shared by Conv, ConvTranspose and the pooling ops. Every op is computed
// as if it had three spatial axes: 1-D and 2-D inputs get leading unit axes, which costs nothing
// in the loops and spares each op a rank-generic odometer.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ref/op_call.h"

namespace nnd::ref {

constexpr size_t kMaxSpatial = 3;
using Dims3 = std::array<int64_t, kMaxSpatial>;

// floor(a / b) for b > 0, also for negative a (C++ division truncates towards zero).
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// The i in [0, count) with 0 <= i * stride + offset < bound, as [lo, hi); stride > 0.
struct Range {
  int64_t lo = 0;
  int64_t hi = 0;
};
inline Range valid_range(int64_t count, int64_t offset, int64_t stride, int64_t bound) {
  Range r{std::max<int64_t>(0, ceil_div(-offset, stride)),
          std::min<int64_t>(count, ceil_div(bound - offset, stride))};
  if (r.hi < r.lo) r.hi = r.lo;
  return r;
}

inline int64_t product(const Dims3& d) { return d[0] * d[1] * d[2]; }

struct Window {
  size_t spatial = 0;  // the real axes are the last `spatial` of the three
  Dims3 in{1, 1, 1};
  Dims3 kernel{1, 1, 1};
  Dims3 strides{1, 1, 1};
  Dims3 dilations{1, 1, 1};
  Dims3 pads_begin{0, 0, 0};
  Dims3 pads_end{0, 0, 0};
  Dims3 out{1, 1, 1};

  int64_t extent(size_t i) const { return (kernel[i] - 1) * dilations[i] + 1; }
};

// The spatial axes of a (N, C, D1, ...) input, checked to be 1 to 3 of them.
inline size_t spatial_rank(const OpCall& call, const Tensor& x, const char* what = "input") {
  if (x.rank() < 3)
    fail("{}: {} must have rank >= 3 (N, C, spatial...), got shape {}", call.node.label(), what,
         shape_string(x.shape()));
  if (x.rank() > 2 + static_cast<int64_t>(kMaxSpatial))
    fail("{}: {} spatial axes are not supported (at most {})", call.node.label(), x.rank() - 2,
         kMaxSpatial);
  return static_cast<size_t>(x.rank() - 2);
}

// A per-axis int list attribute of `count` values, each at least `min`.
inline std::vector<int64_t> axis_attr(const OpCall& call, const std::string& name, size_t count,
                                      int64_t fallback, int64_t min) {
  std::vector<int64_t> v = call.node.attr_ints(name, std::vector<int64_t>(count, fallback));
  if (v.size() != count)
    fail("{}: attribute '{}' has {} values, expected {}", call.node.label(), name, v.size(), count);
  for (int64_t e : v)
    if (e < min) fail("{}: attribute '{}' has value {} (< {})", call.node.label(), name, e, min);
  return v;
}

// Places the values of the real axes into the last slots of a Dims3.
inline void place(Dims3& to, const std::vector<int64_t>& from, size_t offset = 0) {
  const size_t n = to.size() - (from.size() - offset);
  for (size_t i = offset; i < from.size(); ++i) to[n + i - offset] = from[i];
}

inline void check_kernel(const OpCall& call, const std::vector<int64_t>& kernel, size_t spatial) {
  if (kernel.size() != spatial)
    fail("{}: kernel has {} spatial axes, the input {}", call.node.label(), kernel.size(), spatial);
  for (int64_t k : kernel)
    if (k < 1) fail("{}: kernel size {} is not positive", call.node.label(), k);
}

inline std::string auto_pad_of(const OpCall& call) {
  std::string mode = call.node.attr_string("auto_pad", std::string("NOTSET"));
  if (mode != "NOTSET" && mode != "SAME_UPPER" && mode != "SAME_LOWER" && mode != "VALID")
    fail("{}: unknown auto_pad '{}'", call.node.label(), mode);
  return mode;
}

// The window of Conv and the pooling ops for input `x` and the kernel's spatial sizes, from the
// node's strides, dilations, pads and auto_pad. `ceil_mode` rounds the output size up, as pooling
// does, but never so far that the last window starts past the input and its leading padding
// (PyTorch's rule, which later ONNX versions adopted).
inline Window make_window(const OpCall& call, const Tensor& x, const std::vector<int64_t>& kernel,
                          bool ceil_mode) {
  const std::string label = call.node.label();
  Window w;
  w.spatial = spatial_rank(call, x);
  const size_t n = w.spatial;
  check_kernel(call, kernel, n);
  place(w.in, x.shape(), 2);
  place(w.kernel, kernel);
  place(w.strides, axis_attr(call, "strides", n, 1, 1));
  place(w.dilations, axis_attr(call, "dilations", n, 1, 1));
  const std::string mode = auto_pad_of(call);
  std::vector<int64_t> pads = axis_attr(call, "pads", 2 * n, 0, 0);
  if (mode != "NOTSET") pads.assign(2 * n, 0);
  for (size_t i = 0; i < n; ++i) {
    const size_t a = kMaxSpatial - n + i;
    const int64_t in = w.in[a], stride = w.strides[a], ext = w.extent(a);
    if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
      w.out[a] = ceil_div(in, stride);
      const int64_t total = std::max<int64_t>(0, (w.out[a] - 1) * stride + ext - in);
      w.pads_begin[a] = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pads_end[a] = total - w.pads_begin[a];
      continue;
    }
    w.pads_begin[a] = pads[i];
    w.pads_end[a] = pads[n + i];
    const int64_t span = in + pads[i] + pads[n + i] - ext;
    if (span < 0)
      fail("{}: the window ({} with dilation) is larger than the padded input ({}) on axis {}",
           label, ext, in + pads[i] + pads[n + i], i + 2);
    const bool round_up = ceil_mode && mode == "NOTSET";
    w.out[a] = (round_up ? ceil_div(span, stride) : span / stride) + 1;
    if (round_up && (w.out[a] - 1) * stride >= in + pads[i]) --w.out[a];
  }
  return w;
}

// The output shape (N, channels, spatial...) of a window.
inline Shape window_output_shape(const Window& w, int64_t batch, int64_t channels) {
  Shape s{batch, channels};
  for (size_t a = kMaxSpatial - w.spatial; a < kMaxSpatial; ++a) s.push_back(w.out[a]);
  return s;
}

}  // namespace nnd::ref
