// Softmax, LogSoftmax: opset < 13 normalizes over all axes from `axis` on (the input coerced to
// 2-D), opset >= 13 over the one axis.
#include "compiler/lower/lower.h"
#include "core/error.h"

namespace nnd::compiler {

namespace {

Lowered softmax(LowerContext& ctx, bool log) {
  const Node& node = ctx.node;
  const Value& x = ctx.input(0);
  const int rank = static_cast<int>(x.shape.size());
  const bool single_axis = ctx.opset >= 13;
  const int64_t axis = normalize_axis(node, node.attr_int("axis", single_axis ? -1 : 1), rank);
  std::vector<Var> v = axis_vars(rank);
  // The reduction covers axis (opset 13) or axis..rank-1 (earlier).
  const int last = single_axis ? static_cast<int>(axis) : rank - 1;
  Halide::Region region;
  for (int a = static_cast<int>(axis); a <= last; ++a)
    region.push_back({0, static_cast<int>(x.shape[a])});
  Halide::RDom r(region, ctx.name("r"));
  auto tap = [&](const std::vector<Expr>& base) {
    std::vector<Expr> idx = base;
    for (int a = static_cast<int>(axis); a <= last; ++a) idx[a] = r[a - static_cast<int>(axis)];
    return idx;
  };
  Func max_of(ctx.name("max")), sum_of(ctx.name("sum")),
      out(ctx.name(log ? "logsoftmax" : "softmax"));
  // The reductions are defined over the full rank, and read with the reduced axes at 0.
  std::vector<Expr> reduced = as_exprs(v);
  for (int a = static_cast<int>(axis); a <= last; ++a) reduced[a] = 0;
  define(max_of, v, Halide::Float(32).min());
  update(max_of, as_exprs(v), Halide::max(at(max_of, as_exprs(v)), at(x, tap(as_exprs(v)))));
  define(sum_of, v, 0.0f);
  update(sum_of, as_exprs(v),
         at(sum_of, as_exprs(v)) + exp_of(ctx, at(x, tap(as_exprs(v))) - at(max_of, as_exprs(v))));
  const Expr shifted = at(x, as_exprs(v)) - at(max_of, reduced);
  define(out, v,
         log ? shifted - Halide::log(at(sum_of, reduced))
             : exp_of(ctx, shifted) / at(sum_of, reduced));
  Shape reduced_shape = x.shape;
  for (int a = static_cast<int>(axis); a <= last; ++a) reduced_shape[a] = 1;
  return {{{out, x.shape}}, {{max_of, reduced_shape}, {sum_of, reduced_shape}}, "softmax"};
}

}  // namespace

Lowered lower_softmax(LowerContext& ctx) { return softmax(ctx, false); }
Lowered lower_log_softmax(LowerContext& ctx) { return softmax(ctx, true); }

}  // namespace nnd::compiler
