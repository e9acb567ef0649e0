#include "compiler/lower/window.h"

#include "core/error.h"

namespace nnd::compiler {

namespace {

std::array<int64_t, 2> pair_attr(const Node& node, const std::string& name, int64_t fallback) {
  std::vector<int64_t> v = node.attr_ints(name, std::vector<int64_t>{fallback, fallback});
  if (v.size() != 2)
    fail("{}: attribute '{}' has {} values; halide supports 2-D windows only", node.label(), name,
         v.size());
  for (int64_t e : v)
    if (e < 1) fail("{}: attribute '{}' has value {} (< 1)", node.label(), name, e);
  return {v[0], v[1]};
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

Window2d window_2d(const Node& node, const Shape& x, std::array<int64_t, 2> kernel,
                   bool allow_ceil_mode) {
  if (x.size() != 4)
    fail("{}: halide supports 2-D windows on NCHW inputs only, got shape {}", node.label(),
         shape_string(x));
  Window2d w;
  w.in = {x[2], x[3]};
  w.kernel = kernel;
  w.strides = pair_attr(node, "strides", 1);
  w.dilations = pair_attr(node, "dilations", 1);
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  const bool ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  if (ceil_mode && !allow_ceil_mode)
    fail("{}: ceil_mode is not an attribute of this op", node.label());
  for (int a = 0; a < 2; ++a) {
    const int64_t extent = (w.kernel[a] - 1) * w.dilations[a] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out[a] = (w.in[a] + w.strides[a] - 1) / w.strides[a];
      const int64_t total = std::max<int64_t>(0, (w.out[a] - 1) * w.strides[a] + extent - w.in[a]);
      w.pad_begin[a] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end[a] = total - w.pad_begin[a];
      continue;
    }
    if (auto_pad == "NOTSET") {
      std::vector<int64_t> pads = node.attr_ints("pads", std::vector<int64_t>{0, 0, 0, 0});
      if (pads.size() != 4)
        fail("{}: attribute 'pads' has {} values, expected 4", node.label(), pads.size());
      w.pad_begin[a] = pads[a];
      w.pad_end[a] = pads[a + 2];
    } else if (auto_pad != "VALID") {
      fail("{}: auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", node.label(),
           auto_pad);
    }
    const int64_t span = w.in[a] + w.pad_begin[a] + w.pad_end[a] - extent;
    if (span < 0)
      fail("{}: the window ({}) is larger than the padded input ({})", node.label(), extent,
           span + extent);
    w.out[a] = (ceil_mode ? -floor_div(-span, w.strides[a]) : span / w.strides[a]) + 1;
    // ceil_mode never starts a window in the end padding.
    if (ceil_mode && (w.out[a] - 1) * w.strides[a] >= w.in[a] + w.pad_begin[a]) --w.out[a];
  }
  return w;
}

}  // namespace nnd::compiler
