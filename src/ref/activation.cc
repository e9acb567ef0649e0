#include <algorithm>
#include <cmath>
#include <limits>

#include "ref/elementwise_map.h"

namespace nnd::ref {

namespace {

// The value comes first in std::max/std::min so that NaN passes through, as in numpy.clip.
double clamp(double v, double lo, double hi) { return std::min(std::max(v, lo), hi); }

double hard_sigmoid(double x, double alpha, double beta) { return clamp(alpha * x + beta, 0, 1); }

// A Clip bound given as an input (opset >= 11): a scalar of the input's type.
const Tensor* clip_bound(const OpCall& call, size_t i, const Tensor& x) {
  if (!call.has_input(i)) return nullptr;
  const Tensor& bound = call.input(i);
  if (bound.size() != 1)
    fail("{}: {} must be a scalar, got shape {}", call.node.label(), i == 1 ? "min" : "max",
         shape_string(bound.shape()));
  require_same_dtype(call, x, bound);
  return &bound;
}

// Slope reshaped so that it broadcasts to x. Before opset 7 a 1-D slope of x's channel count is
// per channel (axis 1), as Caffe2 and the PyTorch exporters of the time meant it.
Tensor prelu_slope(const OpCall& call, const Tensor& x, const Tensor& slope) {
  if (call.opset < 7 && slope.rank() == 1 && x.rank() >= 2 && slope.dim(0) == x.dim(1) &&
      slope.dim(0) != 1) {
    Shape channel(static_cast<size_t>(x.rank() - 1), 1);
    channel[0] = slope.dim(0);
    return slope.reshaped(channel);
  }
  Shape shapes[] = {x.shape(), slope.shape()};
  if (broadcast_shapes(call, shapes) != x.shape())
    fail("{}: slope of shape {} does not broadcast to the input's shape {}", call.node.label(),
         shape_string(slope.shape()), shape_string(x.shape()));
  return slope;
}

}  // namespace

OpOutputs op_Relu(const OpCall& call) {
  expect_input_count(call, 1, 1);
  // `x < 0` rather than `x > 0` so that NaN passes through, as numpy's maximum(x, 0) does.
  return {unary_map(call, call.input(0), [](auto x) { return x < 0 ? decltype(x){0} : x; })};
}

OpOutputs op_LeakyRelu(const OpCall& call) {
  expect_input_count(call, 1, 1);
  const Tensor& x = call.input(0);
  require_floating(call, x);
  const double alpha = call.node.attr_float("alpha", 0.01f);
  return {unary_map(call, x, [&](double v) { return v < 0 ? alpha * v : v; })};
}

OpOutputs op_PRelu(const OpCall& call) {
  expect_input_count(call, 2, 2);
  const Tensor& x = call.input(0);
  require_same_dtype(call, x, call.input(1));
  Tensor slope = prelu_slope(call, x, call.input(1));
  auto prelu = Overloaded{
      [](double v, double s) { return v < 0 ? v * s : v; },
      [](int64_t v, int64_t s) { return v < 0 ? wrapping_mul(v, s) : v; },
  };
  return {broadcast_map<2>(call, {&x, &slope}, x.dtype(), prelu)};
}

OpOutputs op_Clip(const OpCall& call) {
  const Tensor& x = call.input(0);
  if (call.opset < 11) {
    expect_input_count(call, 1, 1);
    require_floating(call, x);
    const double lo = call.node.attr_float("min", std::numeric_limits<float>::lowest());
    const double hi = call.node.attr_float("max", std::numeric_limits<float>::max());
    return {unary_map(call, x, [&](double v) { return clamp(v, lo, hi); })};
  }
  expect_input_count(call, 1, 3);
  const Tensor* lo = clip_bound(call, 1, x);
  const Tensor* hi = clip_bound(call, 2, x);
  if (is_floating(x.dtype())) {
    const double l = lo ? lo->at(0) : -std::numeric_limits<double>::infinity();
    const double h = hi ? hi->at(0) : std::numeric_limits<double>::infinity();
    // A min above max gives max everywhere, as numpy.clip does.
    return {unary_map(call, x, [&](double v) { return clamp(v, l, h); })};
  }
  const int64_t l = lo ? lo->to_int64s()[0] : std::numeric_limits<int64_t>::min();
  const int64_t h = hi ? hi->to_int64s()[0] : std::numeric_limits<int64_t>::max();
  return {unary_map(call, x, [&](int64_t v) { return std::min(std::max(v, l), h); })};
}

OpOutputs op_Sigmoid(const OpCall& call) {
  expect_input_count(call, 1, 1);
  const Tensor& x = call.input(0);
  require_floating(call, x);
  return {unary_map(call, x, [](double v) { return 1.0 / (1.0 + std::exp(-v)); })};
}

OpOutputs op_HardSigmoid(const OpCall& call) {
  expect_input_count(call, 1, 1);
  const Tensor& x = call.input(0);
  require_floating(call, x);
  const double alpha = call.node.attr_float("alpha", 0.2f);
  const double beta = call.node.attr_float("beta", 0.5f);
  return {unary_map(call, x, [&](double v) { return hard_sigmoid(v, alpha, beta); })};
}

OpOutputs op_HardSwish(const OpCall& call) {
  expect_input_count(call, 1, 1);
  const Tensor& x = call.input(0);
  require_floating(call, x);
  return {unary_map(call, x, [](double v) { return v * hard_sigmoid(v, 1.0 / 6.0, 0.5); })};
}

OpOutputs op_Tanh(const OpCall& call) {
  expect_input_count(call, 1, 1);
  const Tensor& x = call.input(0);
  require_floating(call, x);
  return {unary_map(call, x, [](double v) { return std::tanh(v); })};
}

}  // namespace nnd::ref
