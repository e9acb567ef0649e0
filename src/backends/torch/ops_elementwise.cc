// Elementwise activations, unary and binary math (ONNX broadcasting is numpy's, as ATen's), and
// ReduceMean.
#include <fmt/format.h>

#include <limits>
#include <optional>

#include "backends/torch/converter.h"
#include "core/error.h"

namespace nnd::backends::torch_impl {

namespace {

using Unary = at::Tensor (*)(const at::Tensor&);

Kernel unary(Unary fn) {
  return
      [fn](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> { return {fn(in.at(0))}; };
}

// Before opset 7 broadcasting was opt-in (`broadcast` = 1) and unidirectional: B's dimensions line
// up with A's starting at `axis` (default: the trailing ones).
struct LegacyBroadcast {
  bool enabled = false;
  std::optional<int64_t> axis;
  std::string label;

  at::Tensor align(const at::Tensor& a, const at::Tensor& b) const {
    if (!enabled || b.dim() == 0 || b.dim() > a.dim()) return b;
    const int64_t start = axis ? (*axis < 0 ? *axis + a.dim() : *axis) : a.dim() - b.dim();
    if (start < 0 || start + b.dim() > a.dim())
      fail("{}: cannot broadcast {} dimensions to {} at axis {}", label, b.dim(), a.dim(), start);
    std::vector<int64_t> shape(b.sizes().begin(), b.sizes().end());
    shape.resize(static_cast<size_t>(a.dim() - start), 1);
    return b.reshape(shape);
  }
};

LegacyBroadcast legacy_broadcast(const NodeContext& c) {
  LegacyBroadcast lb;
  lb.label = c.label();
  if (c.opset >= 7) return lb;
  lb.enabled = c.node.attr_int("broadcast", 0) != 0;
  if (c.node.has("axis")) lb.axis = c.node.attr_int("axis");
  return lb;
}

template <typename Fn>
Kernel binary(const NodeContext& c, Fn fn) {
  const LegacyBroadcast lb = legacy_broadcast(c);
  return [lb, fn](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& a = in.at(0);
    return {fn(a, lb.align(a, in.at(1)))};
  };
}

template <typename Fn>
Kernel variadic(Fn fn) {
  return [fn](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    at::Tensor acc = in.at(0);
    for (size_t i = 1; i < in.size(); ++i) acc = fn(acc, in[i]);
    return {acc};
  };
}

// A Clip bound given as an input (opset >= 11): a scalar, absent when the input is omitted.
c10::optional<at::Scalar> bound(const std::vector<at::Tensor>& in, size_t i,
                                const std::string& label) {
  if (i >= in.size() || !in[i].defined()) return c10::nullopt;
  if (in[i].numel() != 1) fail("{}: {} must be a scalar", label, i == 1 ? "min" : "max");
  return in[i].to(at::kCPU).item();
}

}  // namespace

Kernel build_Relu(const NodeContext&) { return unary(&at::relu); }
Kernel build_Sigmoid(const NodeContext&) { return unary(&at::sigmoid); }
Kernel build_Tanh(const NodeContext&) { return unary(&at::tanh); }
Kernel build_HardSwish(const NodeContext&) { return unary(&at::hardswish); }
Kernel build_Sqrt(const NodeContext&) { return unary(&at::sqrt); }
Kernel build_Exp(const NodeContext&) { return unary(&at::exp); }
Kernel build_Log(const NodeContext&) { return unary(&at::log); }
// at::round rounds half to even, as ONNX Round does.
Kernel build_Round(const NodeContext&) { return unary(&at::round); }
Kernel build_Floor(const NodeContext&) { return unary(&at::floor); }
Kernel build_Ceil(const NodeContext&) { return unary(&at::ceil); }
Kernel build_Erf(const NodeContext&) { return unary(&at::erf); }
Kernel build_Neg(const NodeContext&) { return unary(&at::neg); }
Kernel build_Abs(const NodeContext&) { return unary(&at::abs); }
Kernel build_Reciprocal(const NodeContext&) { return unary(&at::reciprocal); }

Kernel build_LeakyRelu(const NodeContext& c) {
  const double alpha = c.node.attr_float("alpha", 0.01f);
  return [alpha](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    return {at::leaky_relu(in.at(0), alpha)};
  };
}

Kernel build_PRelu(const NodeContext& c) {
  const bool per_channel_legacy = c.opset < 7;
  return [per_channel_legacy](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    at::Tensor slope = in.at(1);
    // Before opset 7 a 1-D slope of x's channel count is per channel (axis 1).
    if (per_channel_legacy && slope.dim() == 1 && x.dim() >= 2 && slope.size(0) == x.size(1)) {
      std::vector<int64_t> shape(static_cast<size_t>(x.dim() - 1), 1);
      shape[0] = slope.size(0);
      slope = slope.reshape(shape);
    }
    return {at::where(x < 0, x * slope, x)};
  };
}

Kernel build_HardSigmoid(const NodeContext& c) {
  const double alpha = c.node.attr_float("alpha", 0.2f);
  const double beta = c.node.attr_float("beta", 0.5f);
  return [alpha, beta](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    return {at::clamp(in.at(0) * alpha + beta, 0, 1)};
  };
}

Kernel build_Clip(const NodeContext& c) {
  if (c.opset < 11) {
    const double lo = c.node.attr_float("min", std::numeric_limits<float>::lowest());
    const double hi = c.node.attr_float("max", std::numeric_limits<float>::max());
    return [lo, hi](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
      return {at::clamp(in.at(0), lo, hi)};
    };
  }
  const std::string label = c.label();
  // Both bounds are almost always constants (ReLU6): read them once.
  const c10::optional<at::Scalar> lo = c.constants.size() > 1 && c.constants[1].defined()
                                           ? bound(c.constants, 1, label)
                                           : c10::nullopt;
  const c10::optional<at::Scalar> hi = c.constants.size() > 2 && c.constants[2].defined()
                                           ? bound(c.constants, 2, label)
                                           : c10::nullopt;
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const c10::optional<at::Scalar> l = lo ? lo : bound(in, 1, label);
    const c10::optional<at::Scalar> h = hi ? hi : bound(in, 2, label);
    if (!l && !h) return {in.at(0)};
    return {at::clamp(in.at(0), l, h)};
  };
}

Kernel build_Add(const NodeContext& c) {
  return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); });
}
Kernel build_Sub(const NodeContext& c) {
  return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); });
}
Kernel build_Mul(const NodeContext& c) {
  return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); });
}
Kernel build_Div(const NodeContext& c) {
  return binary(c, [](const at::Tensor& a, const at::Tensor& b) {
    // ONNX integer division truncates; ATen's plain div is true division.
    if (at::isIntegralType(a.scalar_type(), false)) return at::div(a, b, "trunc");
    return at::div(a, b);
  });
}
Kernel build_Pow(const NodeContext& c) {
  return binary(c, [](const at::Tensor& a, const at::Tensor& b) {
    // The result has the base's type, whatever the exponent's.
    return at::pow(a, b).to(a.scalar_type());
  });
}

Kernel build_Sum(const NodeContext&) {
  return variadic([](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); });
}
Kernel build_Max(const NodeContext&) {
  return variadic([](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); });
}
Kernel build_Min(const NodeContext&) {
  return variadic([](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); });
}
Kernel build_Mean(const NodeContext&) {
  return [](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    at::Tensor acc = in.at(0);
    for (size_t i = 1; i < in.size(); ++i) acc = at::add(acc, in[i]);
    return {acc / static_cast<double>(in.size())};
  };
}

Kernel build_Greater(const NodeContext& c) {
  return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); });
}
Kernel build_Less(const NodeContext& c) {
  return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); });
}
Kernel build_Equal(const NodeContext& c) {
  return binary(c, [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); });
}

Kernel build_Where(const NodeContext& c) {
  const std::string label = c.label();
  return [label](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    if (in.at(0).scalar_type() != at::kBool)
      fail("{}: condition must be bool, got {}", label, c10::toString(in.at(0).scalar_type()));
    return {at::where(in.at(0), in.at(1), in.at(2))};
  };
}

Kernel build_ReduceMean(const NodeContext& c) {
  const bool keepdims = c.node.attr_int("keepdims", 1) != 0;
  const bool noop_with_empty_axes = c.node.attr_int("noop_with_empty_axes", 0) != 0;
  const bool axes_input = c.opset >= 18;
  const std::vector<int64_t> axes_attr = c.node.attr_ints("axes", std::vector<int64_t>{});
  const std::string label = c.label();
  return [=](const std::vector<at::Tensor>& in) -> std::vector<at::Tensor> {
    const at::Tensor& x = in.at(0);
    std::vector<int64_t> axes = axes_attr;
    if (axes_input && in.size() > 1 && in[1].defined()) axes = int_values(in[1], label, "axes");
    if (axes.empty() && noop_with_empty_axes) return {x};
    for (int64_t& a : axes) a = wrap_axis(a, x.dim(), label);
    if (axes.empty())
      for (int64_t d = 0; d < x.dim(); ++d) axes.push_back(d);
    // Integer means are computed in double and truncated back by the output's declared type.
    const at::Tensor v = at::isFloatingType(x.scalar_type()) ? x : x.to(at::kDouble);
    return {v.mean(axes, keepdims)};
  };
}

}  // namespace nnd::backends::torch_impl
