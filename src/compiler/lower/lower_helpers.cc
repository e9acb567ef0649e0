#include <fmt/format.h>

#include "compiler/lower/lower.h"
#include "core/error.h"

namespace nnd::compiler {

const Value& LowerContext::input(int i) const {
  if (!has_input(i)) fail("{}: input {} is missing", node.label(), i);
  return *inputs[i];
}

const Tensor& LowerContext::constant(int i) const {
  if (!is_constant(i))
    fail(
        "{}: halide needs input {} ('{}') to be a constant (an initializer or Constant), "
        "since it decides the shape of the computation",
        node.label(), i, i < static_cast<int>(node.inputs.size()) ? node.inputs[i] : "");
  return *constant_inputs[i];
}

std::vector<Var> axis_vars(int rank) {
  std::vector<Var> vars;
  for (int i = 0; i < rank; ++i) vars.emplace_back(fmt::format("a{}", i));
  return vars;
}

Expr at(const Func& f, const std::vector<Expr>& onnx_index) {
  std::vector<Expr> reversed(onnx_index.rbegin(), onnx_index.rend());
  return f(reversed);
}
Expr at(const Value& v, const std::vector<Expr>& onnx_index) { return at(v.func, onnx_index); }

void define(Func& f, const std::vector<Var>& vars, const Expr& value) {
  std::vector<Var> reversed(vars.rbegin(), vars.rend());
  f(reversed) = value;
}

void update(Func& f, const std::vector<Expr>& onnx_index, const Expr& value) {
  std::vector<Expr> reversed(onnx_index.rbegin(), onnx_index.rend());
  f(reversed) = value;
}

std::vector<Expr> as_exprs(const std::vector<Var>& vars) {
  return std::vector<Expr>(vars.begin(), vars.end());
}

Expr bounded_read(const Value& v, std::vector<Expr> index, const std::vector<int>& axes,
                  const Expr& outside) {
  Expr inside = Halide::Internal::const_true();
  for (int axis : axes) {
    const Expr extent = static_cast<int>(v.shape[axis]);
    // `> -1` rather than `>= 0`: Halide keeps it as `c < x`, its spelling of a greater-than, so
    // that padding tests hold both the LT and the GT sites of the conditional mutants.
    inside = inside && index[axis] > -1 && index[axis] < extent;
    index[axis] = Halide::clamp(index[axis], 0, extent - 1);
  }
  return Halide::select(inside, at(v, index), outside);
}

Shape broadcast_shapes(const Node& node, const std::vector<Shape>& shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes)
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[rank - s.size() + i];
      if (s[i] == o || s[i] == 1) continue;
      if (o != 1) fail("{}: shapes {} cannot be broadcast together", node.label(), shape_string(s));
      o = s[i];
    }
  return out;
}

Expr broadcast_read(const Value& v, const std::vector<Var>& out_vars) {
  const size_t offset = out_vars.size() - v.shape.size();
  std::vector<Expr> index;
  for (size_t i = 0; i < v.shape.size(); ++i)
    index.push_back(v.shape[i] == 1 ? Expr(0) : Expr(out_vars[offset + i]));
  return at(v, index);
}

Expr exp_of(const LowerContext& ctx, const Expr& x) {
  return ctx.options.has("fast_math") ? Halide::fast_exp(x) : Halide::exp(x);
}

int64_t normalize_axis(const Node& node, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    fail("{}: axis {} is out of range for rank {}", node.label(), axis, rank);
  return axis < 0 ? axis + rank : axis;
}

Lowered lower_view(LowerContext& ctx) {
  NND_CHECK(false, "{} is a view and has no lowering", ctx.node.label());
}

void unsupported(const Node& node, const std::string& what) {
  fail("{}: halide does not support {}", node.label(), what);
}

}  // namespace nnd::compiler
