// Convolution, pooling, normalization, linear algebra and softmax ops, as ATen calls.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>
#include <optional>

#include "backends/torch/converter.h"
#include "core/error.h"

namespace nnd::backends::torch_impl {

namespace {

using Ints = std::vector<int64_t>;

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The geometry attributes of Conv and the pooling ops, read once; sizes are checked per run
// against the input's spatial rank.
struct WindowAttrs {
  std::string label;
  Ints kernel;  // empty: from the weight
  Ints strides, dilations, pads;
  std::string auto_pad = "NOTSET";

  Ints per_axis(const Ints& given, size_t n, int64_t fallback, const char* what) const {
    if (given.empty()) return Ints(n, fallback);
    if (given.size() != n)
      fail("{}: attribute '{}' has {} values for {} spatial axes", label, what, given.size(), n);
    return given;
  }
};

WindowAttrs window_attrs(const NodeContext& c) {
  WindowAttrs w;
  w.label = c.label();
  const Node& node = c.node;
  w.kernel = node.attr_ints("kernel_shape", Ints{});
  w.strides = node.attr_ints("strides", Ints{});
  w.dilations = node.attr_ints("dilations", Ints{});
  w.pads = node.attr_ints("pads", Ints{});
  w.auto_pad = node.attr_string("auto_pad", std::string("NOTSET"));
  if (w.auto_pad != "NOTSET" && w.auto_pad != "SAME_UPPER" && w.auto_pad != "SAME_LOWER" &&
      w.auto_pad != "VALID")
    fail("{}: unknown auto_pad '{}'", w.label, w.auto_pad);
  for (int64_t v : w.strides)
    if (v < 1) fail("{}: strides must be positive, got [{}]", w.label, fmt::join(w.strides, ","));
  for (int64_t v : w.dilations)
    if (v < 1)
      fail("{}: dilations must be positive, got [{}]", w.label, fmt::join(w.dilations, ","));
  for (int64_t v : w.pads)
    if (v < 0) fail("{}: pads must not be negative, got [{}]", w.label, fmt::join(w.pads, ","));
  return w;
}

// The resolved window for one input: every list has one value per spatial axis.
struct Window {
  Ints kernel, strides, dilations, begin, end;
  bool symmetric() const { return begin == end; }
  // Pads in constant_pad_nd's order: last axis first, (begin, end) pairs.
  Ints pad_list(int64_t sign = 1) const {
    Ints list;
    for (size_t i = begin.size(); i-- > 0;) {
      list.push_back(sign * begin[i]);
      list.push_back(sign * end[i]);
    }
    return list;
  }
};

size_t spatial_rank(const at::Tensor& x, const std::string& label) {
  if (x.dim() < 3 || x.dim() > 5)
    fail("{}: input must be (N, C, D1[, D2[, D3]]), got {} dimensions", label, x.dim());
  return static_cast<size_t>(x.dim() - 2);
}

Window resolve(const WindowAttrs& a, const at::Tensor& x, const Ints& kernel) {
  const size_t n = spatial_rank(x, a.label);
  Window w;
  w.kernel = a.per_axis(kernel, n, 1, "kernel_shape");
  w.strides = a.per_axis(a.strides, n, 1, "strides");
  w.dilations = a.per_axis(a.dilations, n, 1, "dilations");
  const Ints pads = a.per_axis(a.pads, 2 * n, 0, "pads");
  for (size_t i = 0; i < n; ++i) {
    const int64_t in = x.size(static_cast<int64_t>(i + 2));
    if (a.auto_pad == "SAME_UPPER" || a.auto_pad == "SAME_LOWER") {
      const int64_t out = (in + w.strides[i] - 1) / w.strides[i];
      const int64_t ext = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + ext - in);
      w.begin.push_back(a.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2);
      w.end.push_back(total - w.begin.back());
    } else if (a.auto_pad == "VALID") {
      w.begin.push_back(0);
      w.end.push_back(0);
    } else {
      w.begin.push_back(pads[i]);
      w.end.push_back(pads[n + i]);
    }
  }
  return w;
}

Ints zeros(size_t n) { return Ints(n, 0); }

// ---- Conv, ConvTranspose ----

Ints weight_kernel(const at::Tensor& x, const at::Tensor& weight, const WindowAttrs& a) {
  if (weight.dim() != x.dim())
    fail("{}: weight has {} dimensions, the input {}", a.label, weight.dim(), x.dim());
  Ints kernel(weight.sizes().begin() + 2, weight.sizes().end());
  if (!a.kernel.empty() && a.kernel != kernel)
    fail("{}: kernel_shape [{}] does not match the weight's spatial sizes [{}]", a.label,
         fmt::join(a.kernel, ","), fmt::join(kernel, ","));
  return kernel;
}

// A bias reshaped to broadcast over (N, C, spatial...).
at::Tensor channel_view(const at::Tensor& bias, int64_t rank) {
  std::vector<int64_t> shape(static_cast<size_t>(rank), 1);
  shape[1] = bias.numel();
  return bias.reshape(shape);
}

}  // namespace

Kernel build_Conv(const NodeContext& c) {
  const WindowAttrs attrs = window_attrs(c);
  const int64_t group = c.node.attr_int("group", 1);
  if (group < 1) fail("{}: group must be positive, got {}", c.label(), group);
  return [attrs, group](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    at::Tensor x = in.at(0);
    const at::Tensor& weight = in.at(1);
    const at::Tensor bias = in.size() > 2 ? in[2] : at::Tensor();
    const Window w = resolve(attrs, x, weight_kernel(x, weight, attrs));
    Ints padding = w.begin;
    if (!w.symmetric()) {
      x = at::constant_pad_nd(x, w.pad_list(), 0);
      padding = zeros(w.begin.size());
    }
    return {at::convolution(x, weight, bias, w.strides, padding, w.dilations, false,
                            zeros(w.begin.size()), group)};
  };
}

Kernel build_ConvTranspose(const NodeContext& c) {
  const WindowAttrs attrs = window_attrs(c);
  const int64_t group = c.node.attr_int("group", 1);
  if (group < 1) fail("{}: group must be positive, got {}", c.label(), group);
  const Ints output_padding_attr = c.node.attr_ints("output_padding", Ints{});
  Ints output_shape = c.node.attr_ints("output_shape", Ints{});
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const at::Tensor& weight = in.at(1);
    const at::Tensor bias = in.size() > 2 ? in[2] : at::Tensor();
    const Ints kernel = weight_kernel(x, weight, attrs);
    const size_t n = kernel.size();
    const Ints strides = attrs.per_axis(attrs.strides, n, 1, "strides");
    const Ints dilations = attrs.per_axis(attrs.dilations, n, 1, "dilations");
    const Ints output_padding = attrs.per_axis(output_padding_attr, n, 0, "output_padding");
    Ints shape = output_shape;
    if (shape.size() == n + 2) shape.erase(shape.begin(), shape.begin() + 2);
    if (!shape.empty() && shape.size() != n)
      fail("{}: output_shape has {} values for {} spatial axes", attrs.label, shape.size(), n);
    const Ints pads = attrs.per_axis(attrs.pads, 2 * n, 0, "pads");
    Ints begin(n), end(n);
    bool direct = true;  // ATen's own padding and output_padding give the ONNX result
    for (size_t i = 0; i < n; ++i) {
      const int64_t ext = (kernel[i] - 1) * dilations[i] + 1;
      const int64_t full =
          strides[i] * (x.size(static_cast<int64_t>(i + 2)) - 1) + output_padding[i] + ext;
      const bool same = attrs.auto_pad == "SAME_UPPER" || attrs.auto_pad == "SAME_LOWER";
      if (!shape.empty() || same) {
        const int64_t out =
            shape.empty() ? x.size(static_cast<int64_t>(i + 2)) * strides[i] : shape[i];
        const int64_t total = full - out;
        begin[i] =
            attrs.auto_pad == "SAME_UPPER" ? floor_div(total, 2) : total - floor_div(total, 2);
        end[i] = total - begin[i];
      } else if (attrs.auto_pad == "NOTSET") {
        begin[i] = pads[i];
        end[i] = pads[n + i];
      }
      direct = direct && begin[i] == end[i] && begin[i] >= 0 &&
               output_padding[i] < std::max(strides[i], dilations[i]);
    }
    if (direct)
      return {
          at::convolution(x, weight, bias, strides, begin, dilations, true, output_padding, group)};
    // Asymmetric or negative padding: the unpadded result, cropped or zero-extended to the ONNX
    // output window, then the bias (which must also cover any extension).
    at::Tensor y =
        at::convolution(x, weight, {}, strides, zeros(n), dilations, true, zeros(n), group);
    Ints crop;
    for (size_t i = n; i-- > 0;) {
      crop.push_back(-begin[i]);
      crop.push_back(output_padding[i] - end[i]);
    }
    y = at::constant_pad_nd(y, crop, 0);
    if (bias.defined()) y = y + channel_view(bias, y.dim());
    return {y};
  };
}

// ---- Gemm, MatMul ----

Kernel build_Gemm(const NodeContext& c) {
  const bool trans_a = c.node.attr_int("transA", 0) != 0;
  const bool trans_b = c.node.attr_int("transB", 0) != 0;
  const double alpha = c.node.attr_float("alpha", 1.0f);
  const double beta = c.node.attr_float("beta", 1.0f);
  const std::string label = c.label();
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    at::Tensor a = in.at(0), b = in.at(1);
    if (a.dim() != 2 || b.dim() != 2)
      fail("{}: A and B must be matrices, got {} and {} dimensions", label, a.dim(), b.dim());
    if (trans_a) a = a.t();
    if (trans_b) b = b.t();
    const at::Tensor bias = in.size() > 2 ? in[2] : at::Tensor();
    if (bias.defined() && beta != 0) return {at::addmm(bias, a, b, beta, alpha)};
    at::Tensor y = at::mm(a, b);
    return {alpha == 1 ? y : y * alpha};
  };
}

Kernel build_MatMul(const NodeContext&) {
  return [](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    return {at::matmul(in.at(0), in.at(1))};
  };
}

// ---- Normalization ----

Kernel build_BatchNormalization(const NodeContext& c) {
  if (c.opset < 9 && c.node.attr_int("spatial", 1) == 0)
    fail("{}: spatial=0 (per-position statistics) is not supported by torch", c.label());
  if (c.opset >= 14 && c.node.attr_int("training_mode", 0) != 0)
    fail("{}: training_mode=1 is not supported by torch (inference only)", c.label());
  for (size_t k = 1; k < c.node.outputs.size(); ++k)
    if (!c.node.outputs[k].empty())
      fail("{}: the training statistics outputs are not supported by torch", c.label());
  const double eps = c.node.attr_float("epsilon", 1e-5f);
  return [eps](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    return {
        at::batch_norm(in.at(0), in.at(1), in.at(2), in.at(3), in.at(4), false, 0.0, eps, true)};
  };
}

Kernel build_InstanceNormalization(const NodeContext& c) {
  const double eps = c.node.attr_float("epsilon", 1e-5f);
  return [eps](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    return {at::instance_norm(in.at(0), in.at(1), in.at(2), {}, {}, true, 0.0, eps, false)};
  };
}

Kernel build_LRN(const NodeContext& c) {
  const int64_t size = c.node.attr_int("size");
  if (size < 1) fail("{}: size must be positive, got {}", c.label(), size);
  const double alpha = c.node.attr_float("alpha", 1e-4f);
  const double beta = c.node.attr_float("beta", 0.75f);
  const double bias = c.node.attr_float("bias", 1.0f);
  const std::string label = c.label();
  // PyTorch's local_response_norm formula: the mean of squares over a window of `size` channels
  // (zero-padded), as a 3-D average pool over (channel, position, 1).
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    if (x.dim() < 3)
      fail("{}: input must be (N, C, spatial...), got {} dimensions", label, x.dim());
    const int64_t before = (size - 1) / 2, after = size - 1 - before;
    at::Tensor squares = (x * x).reshape({x.size(0), 1, x.size(1), -1, 1});
    squares = at::constant_pad_nd(squares, {0, 0, 0, 0, before, after}, 0);
    at::Tensor mean = at::avg_pool3d(squares, {size, 1, 1}, {1, 1, 1}, {0, 0, 0}, false, true);
    return {x / (mean.reshape(x.sizes()) * alpha + bias).pow(beta)};
  };
}

// ---- Pooling ----

namespace {

bool aten_pads_fit(const Window& w) {
  if (!w.symmetric()) return false;
  for (size_t i = 0; i < w.begin.size(); ++i)
    if (w.begin[i] > w.kernel[i] / 2) return false;
  return true;
}

std::vector<at::Tensor> max_pool(const WindowAttrs& attrs, bool ceil_mode, int64_t storage_order,
                                 bool want_indices, const at::Tensor& input) {
  at::Tensor x = input;
  // ATen's CPU max pooling is for floating types; integers are exact in double.
  if (!at::isFloatingType(x.scalar_type())) x = x.to(at::kDouble);
  Window w = resolve(attrs, x, attrs.kernel);
  const size_t n = w.kernel.size();
  if (!aten_pads_fit(w)) {
    if (want_indices)
      fail("{}: indices with asymmetric or large pads are not supported by torch", attrs.label);
    x = at::constant_pad_nd(x, w.pad_list(), -std::numeric_limits<double>::infinity());
    w.begin = w.end = zeros(n);
  }
  if (!want_indices) {
    switch (n) {
      case 1:
        return {at::max_pool1d(x, w.kernel, w.strides, w.begin, w.dilations, ceil_mode)};
      case 2:
        return {at::max_pool2d(x, w.kernel, w.strides, w.begin, w.dilations, ceil_mode)};
      default:
        return {at::max_pool3d(x, w.kernel, w.strides, w.begin, w.dilations, ceil_mode)};
    }
  }
  std::tuple<at::Tensor, at::Tensor> pooled;
  switch (n) {
    case 1:
      pooled = at::max_pool2d_with_indices(x.unsqueeze(2), {1, w.kernel[0]}, {1, w.strides[0]},
                                           {0, w.begin[0]}, {1, w.dilations[0]}, ceil_mode);
      pooled = {std::get<0>(pooled).squeeze(2), std::get<1>(pooled).squeeze(2)};
      break;
    case 2:
      pooled = at::max_pool2d_with_indices(x, w.kernel, w.strides, w.begin, w.dilations, ceil_mode);
      break;
    default:
      pooled = at::max_pool3d_with_indices(x, w.kernel, w.strides, w.begin, w.dilations, ceil_mode);
  }
  at::Tensor indices = std::get<1>(pooled);
  if (storage_order == 1) {
    if (n != 2) fail("{}: storage_order=1 is supported for 2-D pooling only", attrs.label);
    const int64_t height = x.size(2), width = x.size(3);
    indices = at::floor_divide(indices, width) + at::remainder(indices, width) * height;
  }
  // ATen counts indices within each (n, c) plane; ONNX over the whole tensor.
  const int64_t plane = x.numel() / std::max<int64_t>(1, x.size(0) * x.size(1));
  at::Tensor base = at::arange(x.size(0) * x.size(1), indices.options()) * plane;
  std::vector<int64_t> base_shape(static_cast<size_t>(indices.dim()), 1);
  base_shape[0] = x.size(0);
  base_shape[1] = x.size(1);
  return {std::get<0>(pooled), indices + base.reshape(base_shape)};
}

at::Tensor avg_pool(const at::Tensor& x, const Window& w, const Ints& padding, bool ceil_mode,
                    bool include_pad, c10::optional<int64_t> divisor) {
  if (w.kernel.size() == 1)
    return at::avg_pool2d(x.unsqueeze(2), {1, w.kernel[0]}, {1, w.strides[0]}, {0, padding[0]},
                          ceil_mode, include_pad, divisor)
        .squeeze(2);
  if (w.kernel.size() == 2)
    return at::avg_pool2d(x, w.kernel, w.strides, padding, ceil_mode, include_pad, divisor);
  return at::avg_pool3d(x, w.kernel, w.strides, padding, ceil_mode, include_pad, divisor);
}

}  // namespace

Kernel build_MaxPool(const NodeContext& c) {
  const WindowAttrs attrs = window_attrs(c);
  if (attrs.kernel.empty()) fail("{}: required attribute 'kernel_shape' is missing", c.label());
  const bool ceil_mode = c.node.attr_int("ceil_mode", 0) != 0;
  const int64_t storage_order = c.node.attr_int("storage_order", 0);
  if (storage_order != 0 && storage_order != 1)
    fail("{}: storage_order must be 0 or 1, got {}", c.label(), storage_order);
  const bool want_indices = c.node.outputs.size() > 1 && !c.node.outputs[1].empty();
  return [=](const std::vector<at::Tensor>& in) {
    return max_pool(attrs, ceil_mode, storage_order, want_indices, in.at(0));
  };
}

Kernel build_AveragePool(const NodeContext& c) {
  const WindowAttrs attrs = window_attrs(c);
  if (attrs.kernel.empty()) fail("{}: required attribute 'kernel_shape' is missing", c.label());
  for (int64_t d : attrs.dilations)
    if (d != 1) fail("{}: dilations are not supported by torch's average pooling", c.label());
  const bool ceil_mode = c.node.attr_int("ceil_mode", 0) != 0;
  const bool include_pad = c.node.attr_int("count_include_pad", 0) != 0;
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const Window w = resolve(attrs, x, attrs.kernel);
    if (aten_pads_fit(w)) return {avg_pool(x, w, w.begin, ceil_mode, include_pad, c10::nullopt)};
    // Pads ATen cannot take: pad explicitly, and without count_include_pad divide the window
    // sums by the number of real input elements each window covers.
    const Ints none = zeros(w.kernel.size());
    const at::Tensor padded = at::constant_pad_nd(x, w.pad_list(), 0);
    if (include_pad) return {avg_pool(padded, w, none, ceil_mode, true, c10::nullopt)};
    const at::Tensor ones = at::constant_pad_nd(at::ones_like(x), w.pad_list(), 0);
    return {avg_pool(padded, w, none, ceil_mode, true, 1) /
            avg_pool(ones, w, none, ceil_mode, true, 1)};
  };
}

Kernel build_GlobalAveragePool(const NodeContext& c) {
  const std::string label = c.label();
  return [label](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    if (x.dim() < 3)
      fail("{}: input must be (N, C, spatial...), got {} dimensions", label, x.dim());
    if (x.dim() == 4) return {at::adaptive_avg_pool2d(x, {1, 1})};
    std::vector<int64_t> dims;
    for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
    return {x.mean(dims, true)};
  };
}

Kernel build_GlobalMaxPool(const NodeContext& c) {
  const std::string label = c.label();
  return [label](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    if (x.dim() < 3)
      fail("{}: input must be (N, C, spatial...), got {} dimensions", label, x.dim());
    std::vector<int64_t> dims;
    for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
    return {at::amax(x, dims, true)};
  };
}

// ---- Softmax ----

namespace {

// Opset 13 normalizes along one axis (default -1); before, the input is seen as a matrix split at
// `axis` (default 1) and each row is normalized as a whole.
Kernel softmax(const NodeContext& c, bool log) {
  const bool per_axis = c.opset >= 13;
  const int64_t axis = c.node.attr_int("axis", per_axis ? -1 : 1);
  const std::string label = c.label();
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    const int64_t rank = x.dim();
    if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
      fail("{}: axis {} is out of range for rank {}", label, axis, rank);
    const int64_t a = axis < 0 ? axis + rank : axis;
    auto apply = [&](const at::Tensor& t, int64_t dim) {
      return log ? at::log_softmax(t, dim) : at::softmax(t, dim);
    };
    if (per_axis) return {apply(x, a)};
    int64_t rows = 1;
    for (int64_t d = 0; d < a; ++d) rows *= x.size(d);
    return {apply(x.reshape({rows, -1}), 1).reshape(x.sizes())};
  };
}

}  // namespace

Kernel build_Softmax(const NodeContext& c) { return softmax(c, false); }
Kernel build_LogSoftmax(const NodeContext& c) { return softmax(c, true); }

}  // namespace nnd::backends::torch_impl
