// MaxPool and AveragePool (2-D, with pads, auto_pad, dilations, ceil_mode, count_include_pad),
// GlobalAveragePool and GlobalMaxPool. MaxPool is a max reduction and its padding an explicit
// select to -inf.
#include <limits>

#include "compiler/lower/lower.h"
#include "compiler/lower/window.h"
#include "core/error.h"

namespace nnd::compiler {

namespace {

Window2d pool_window(const LowerContext& ctx) {
  const Node& node = ctx.node;
  if (!node.has("kernel_shape"))
    fail("{}: required attribute 'kernel_shape' is missing", node.label());
  std::vector<int64_t> k = node.attr_ints("kernel_shape");
  if (k.size() != 2) unsupported(node, "pooling windows that are not 2-D");
  return window_2d(node, ctx.input(0).shape, {k[0], k[1]}, true);
}

struct Taps {
  Halide::RDom r;
  Expr iy, ix;
  std::vector<int> bounded_axes;
};

// The window's taps for output position (v[2], v[3]); padding and ceil_mode's overhang are read
// through bounds checks.
Taps taps(const LowerContext& ctx, const Window2d& w, const std::vector<Var>& v) {
  Halide::RDom r({{0, static_cast<int>(w.kernel[0])}, {0, static_cast<int>(w.kernel[1])}},
                 ctx.name("r"));
  Taps t{r,
         v[2] * static_cast<int>(w.strides[0]) + r.x * static_cast<int>(w.dilations[0]) -
             static_cast<int>(w.pad_begin[0]),
         v[3] * static_cast<int>(w.strides[1]) + r.y * static_cast<int>(w.dilations[1]) -
             static_cast<int>(w.pad_begin[1]),
         {}};
  const Shape& x = ctx.input(0).shape;
  for (int a = 0; a < 2; ++a) {
    const int64_t last =
        (w.out[a] - 1) * w.strides[a] + (w.kernel[a] - 1) * w.dilations[a] - w.pad_begin[a];
    if (w.pad_begin[a] > 0 || last >= x[2 + a]) t.bounded_axes.push_back(2 + a);
  }
  return t;
}

}  // namespace

Lowered lower_max_pool(LowerContext& ctx) {
  if (ctx.node.outputs.size() > 1 && !ctx.node.outputs[1].empty())
    unsupported(ctx.node, "MaxPool's Indices output");
  const Value& x = ctx.input(0);
  const Window2d w = pool_window(ctx);
  std::vector<Var> v = axis_vars(4);
  Func out(ctx.name("maxpool"));
  const Expr lowest = -std::numeric_limits<float>::infinity();
  define(out, v, lowest);
  Taps t = taps(ctx, w, v);
  const Expr tap = bounded_read(x, {v[0], v[1], t.iy, t.ix}, t.bounded_axes, lowest);
  update(out, as_exprs(v), Halide::max(at(out, as_exprs(v)), tap));
  return {{{out, {x.shape[0], x.shape[1], w.out[0], w.out[1]}}}, {}, "pool"};
}

Lowered lower_average_pool(LowerContext& ctx) {
  const Value& x = ctx.input(0);
  const Window2d w = pool_window(ctx);
  const bool include_pad = ctx.node.attr_int("count_include_pad", 0) != 0;
  std::vector<Var> v = axis_vars(4);
  Func sum(ctx.name("sum"));
  define(sum, v, 0.0f);
  Taps t = taps(ctx, w, v);
  update(sum, as_exprs(v),
         at(sum, as_exprs(v)) + bounded_read(x, {v[0], v[1], t.iy, t.ix}, t.bounded_axes, 0.0f));
  // The divisor: the taps inside the input, or with count_include_pad inside the padded input
  // (never those that ceil_mode lets hang past the end padding).
  Expr count = 1;
  for (int a = 0; a < 2; ++a) {
    const Expr start = v[2 + a] * static_cast<int>(w.strides[a]) - static_cast<int>(w.pad_begin[a]);
    const Expr lo_bound = include_pad ? -static_cast<int>(w.pad_begin[a]) : 0;
    const Expr hi_bound = static_cast<int>(w.in[a] + (include_pad ? w.pad_end[a] : 0));
    // Taps k with lo_bound <= start + k*d < hi_bound, k in [0, kernel).
    const int d = static_cast<int>(w.dilations[a]);
    const Expr lo = Halide::max(0, (lo_bound - start + d - 1) / d);
    const Expr hi = Halide::min(static_cast<int>(w.kernel[a]), (hi_bound - start + d - 1) / d);
    count = count * Halide::max(hi - lo, 0);
  }
  Func out(ctx.name("avgpool"));
  define(out, v, at(sum, as_exprs(v)) / Halide::cast<float>(count));
  const Shape shape = {x.shape[0], x.shape[1], w.out[0], w.out[1]};
  return {{{out, shape}}, {{sum, shape}}, "pool"};
}

namespace {

Lowered global_pool(LowerContext& ctx, bool average) {
  const Value& x = ctx.input(0);
  if (x.shape.size() != 4) unsupported(ctx.node, "global pooling of inputs that are not NCHW");
  std::vector<Var> v = axis_vars(4);
  Halide::RDom r({{0, static_cast<int>(x.shape[2])}, {0, static_cast<int>(x.shape[3])}},
                 ctx.name("r"));
  Func acc(ctx.name(average ? "sum" : "max"));
  define(acc, v, average ? Expr(0.0f) : Expr(-std::numeric_limits<float>::infinity()));
  const Expr tap = at(x, {v[0], v[1], r.x, r.y});
  update(acc, as_exprs(v),
         average ? at(acc, as_exprs(v)) + tap : Halide::max(at(acc, as_exprs(v)), tap));
  const Shape shape = {x.shape[0], x.shape[1], 1, 1};
  if (!average) return {{{acc, shape}}, {}, "pool"};
  Func out(ctx.name("gap"));
  define(out, v, at(acc, as_exprs(v)) / static_cast<float>(x.shape[2] * x.shape[3]));
  return {{{out, shape}}, {{acc, shape}}, "pool"};
}

}  // namespace

Lowered lower_global_average_pool(LowerContext& ctx) { return global_pool(ctx, true); }
Lowered lower_global_max_pool(LowerContext& ctx) { return global_pool(ctx, false); }

}  // namespace nnd::compiler
