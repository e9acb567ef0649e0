// Activations and arithmetic, one value per element: Relu, Clip (attribute and input forms),
// Sigmoid, HardSigmoid, HardSwish, Tanh, LeakyRelu, Add, Sub, Mul, Div (NumPy broadcasting).
// ReLU and Clip are max/min, so the loop IR has the comparisons mutation operators target.
#include <fmt/format.h>

#include <limits>

#include "compiler/lower/lower.h"
#include "core/error.h"

namespace nnd::compiler {

namespace {

Lowered unary_op(LowerContext& ctx, const std::string& what,
                 const std::function<Expr(const Expr&)>& fn) {
  const Value& x = ctx.input(0);
  std::vector<Var> v = axis_vars(static_cast<int>(x.shape.size()));
  Func out(ctx.name(what));
  define(out, v, fn(at(x, as_exprs(v))));
  return {{{out, x.shape}}, {}, "elementwise"};
}

Lowered binary_op(LowerContext& ctx, const std::string& what,
                  const std::function<Expr(const Expr&, const Expr&)>& fn) {
  if (ctx.node.inputs.size() != 2)
    unsupported(ctx.node, fmt::format("{} with {} inputs (two only)", ctx.node.op_type,
                                      ctx.node.inputs.size()));
  const Value& a = ctx.input(0);
  const Value& b = ctx.input(1);
  const Shape shape = broadcast_shapes(ctx.node, {a.shape, b.shape});
  std::vector<Var> v = axis_vars(static_cast<int>(shape.size()));
  Func out(ctx.name(what));
  define(out, v, fn(broadcast_read(a, v), broadcast_read(b, v)));
  return {{{out, shape}}, {}, "elementwise"};
}

float scalar_constant(const LowerContext& ctx, int i) {
  const Tensor& t = ctx.constant(i);
  if (t.size() != 1) fail("{}: input {} must be a scalar", ctx.node.label(), i);
  return static_cast<float>(t.at(0));
}

Expr sigmoid(const LowerContext& ctx, const Expr& x) { return 1.0f / (1.0f + exp_of(ctx, -x)); }

}  // namespace

Lowered lower_relu(LowerContext& ctx) {
  return unary_op(ctx, "relu", [](const Expr& x) { return Halide::max(x, 0.0f); });
}

Lowered lower_leaky_relu(LowerContext& ctx) {
  const float alpha = ctx.node.attr_float("alpha", 0.01f);
  return unary_op(ctx, "leakyrelu",
                  [alpha](const Expr& x) { return Halide::select(x < 0.0f, alpha * x, x); });
}

Lowered lower_clip(LowerContext& ctx) {
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (ctx.node.has("min") || ctx.node.has("max")) {  // opset < 11
    lo = ctx.node.attr_float("min", lo);
    hi = ctx.node.attr_float("max", hi);
  }
  const std::vector<std::string>& in = ctx.node.inputs;
  if (in.size() > 1 && !in[1].empty()) lo = scalar_constant(ctx, 1);
  if (in.size() > 2 && !in[2].empty()) hi = scalar_constant(ctx, 2);
  return unary_op(ctx, "clip", [lo, hi](const Expr& x) {
    Expr y = x;
    if (lo != -std::numeric_limits<float>::infinity()) y = Halide::max(y, lo);
    if (hi != std::numeric_limits<float>::infinity()) y = Halide::min(y, hi);
    return y;
  });
}

Lowered lower_sigmoid(LowerContext& ctx) {
  return unary_op(ctx, "sigmoid", [&ctx](const Expr& x) { return sigmoid(ctx, x); });
}

Lowered lower_tanh(LowerContext& ctx) {
  if (!ctx.options.has("fast_math"))
    return unary_op(ctx, "tanh", [](const Expr& x) { return Halide::tanh(x); });
  // tanh(x) = 2 sigmoid(2x) - 1, through the fast exp.
  return unary_op(ctx, "tanh",
                  [&ctx](const Expr& x) { return 2.0f * sigmoid(ctx, 2.0f * x) - 1.0f; });
}

Lowered lower_hard_sigmoid(LowerContext& ctx) {
  const float alpha = ctx.node.attr_float("alpha", 0.2f), beta = ctx.node.attr_float("beta", 0.5f);
  return unary_op(ctx, "hardsigmoid", [alpha, beta](const Expr& x) {
    return Halide::max(0.0f, Halide::min(1.0f, alpha * x + beta));
  });
}

Lowered lower_hard_swish(LowerContext& ctx) {
  return unary_op(ctx, "hardswish", [](const Expr& x) {
    return x * Halide::max(0.0f, Halide::min(1.0f, x * (1.0f / 6.0f) + 0.5f));
  });
}

Lowered lower_add(LowerContext& ctx) {
  return binary_op(ctx, "add", [](const Expr& a, const Expr& b) { return a + b; });
}
Lowered lower_sub(LowerContext& ctx) {
  return binary_op(ctx, "sub", [](const Expr& a, const Expr& b) { return a - b; });
}
Lowered lower_mul(LowerContext& ctx) {
  return binary_op(ctx, "mul", [](const Expr& a, const Expr& b) { return a * b; });
}
Lowered lower_div(LowerContext& ctx) {
  return binary_op(ctx, "div", [](const Expr& a, const Expr& b) { return a / b; });
}

Lowered lower_exp(LowerContext& ctx) {
  return unary_op(ctx, "exp", [&ctx](const Expr& x) { return exp_of(ctx, x); });
}
Lowered lower_round(LowerContext& ctx) {  // ties to even, as ONNX and Halide's round both do
  return unary_op(ctx, "round", [](const Expr& x) { return Halide::round(x); });
}
Lowered lower_sqrt(LowerContext& ctx) {
  return unary_op(ctx, "sqrt", [](const Expr& x) { return Halide::sqrt(x); });
}
Lowered lower_neg(LowerContext& ctx) {
  return unary_op(ctx, "neg", [](const Expr& x) { return -x; });
}
Lowered lower_abs(LowerContext& ctx) {
  return unary_op(ctx, "abs", [](const Expr& x) { return Halide::abs(x); });
}
Lowered lower_max(LowerContext& ctx) {
  return binary_op(ctx, "max", [](const Expr& a, const Expr& b) { return Halide::max(a, b); });
}
Lowered lower_min(LowerContext& ctx) {
  return binary_op(ctx, "min", [](const Expr& a, const Expr& b) { return Halide::min(a, b); });
}
Lowered lower_pow(LowerContext& ctx) {
  return binary_op(ctx, "pow", [](const Expr& a, const Expr& b) { return Halide::pow(a, b); });
}
Lowered lower_prelu(LowerContext& ctx) {
  return binary_op(ctx, "prelu", [](const Expr& x, const Expr& slope) {
    return Halide::select(x < 0.0f, slope * x, x);
  });
}

}  // namespace nnd::compiler
