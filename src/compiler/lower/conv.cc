// Conv (2-D, NCHW, with groups, dilations, pads and auto_pad).
#include "compiler/lower/lower.h"
#include "compiler/lower/window.h"
#include "core/error.h"

namespace nnd::compiler {

Lowered lower_conv(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& x = ctx.input(0);
  const Value& w = ctx.input(1);
  if (w.shape.size() != 4)
    unsupported(node,
                fmt::format("a weight of shape {} (only 2-D convolutions)", shape_string(w.shape)));
  const int64_t group = node.attr_int("group", 1);
  const int64_t m_total = w.shape[0], c_group = w.shape[1];
  if (group < 1 || m_total % group != 0 || x.shape.size() != 4 || x.shape[1] != c_group * group)
    fail("{}: input shape {} does not match weight shape {} with group {}", node.label(),
         shape_string(x.shape), shape_string(w.shape), group);
  if (node.has("kernel_shape")) {
    std::vector<int64_t> k = node.attr_ints("kernel_shape");
    if (k.size() != 2 || k[0] != w.shape[2] || k[1] != w.shape[3])
      fail("{}: kernel_shape does not match the weight shape {}", node.label(),
           shape_string(w.shape));
  }
  const Window2d win = window_2d(node, x.shape, {w.shape[2], w.shape[3]}, false);
  const Shape out_shape = {x.shape[0], m_total, win.out[0], win.out[1]};

  std::vector<Var> v = axis_vars(4);  // n, m, oh, ow
  Func out(ctx.name("conv"));
  define(out, v, ctx.has_input(2) ? at(ctx.input(2), {v[1]}) : Expr(0.0f));
  Halide::RDom r({{0, static_cast<int>(c_group)},
                  {0, static_cast<int>(w.shape[2])},
                  {0, static_cast<int>(w.shape[3])}},
                 ctx.name("r"));
  const Expr m_per_group = static_cast<int>(m_total / group);
  const Expr channel = (v[1] / m_per_group) * static_cast<int>(c_group) + r.x;
  const Expr iy = v[2] * static_cast<int>(win.strides[0]) +
                  r.y * static_cast<int>(win.dilations[0]) - static_cast<int>(win.pad_begin[0]);
  const Expr ix = v[3] * static_cast<int>(win.strides[1]) +
                  r.z * static_cast<int>(win.dilations[1]) - static_cast<int>(win.pad_begin[1]);
  std::vector<int> padded_axes;
  if (win.padded(0)) padded_axes.push_back(2);
  if (win.padded(1)) padded_axes.push_back(3);
  if (padded_axes.empty()) {
    update(out, as_exprs(v),
           at(out, as_exprs(v)) + at(w, {v[1], r.x, r.y, r.z}) * at(x, {v[0], channel, iy, ix}));
    return {{{out, out_shape}}, {}, "conv"};
  }
  // The zero-padded input is a Func of its own: the schedules compute it once per block of
  // channels, so the Conv's reads of it are dense vectors; a padding test inside the reduction
  // breaks the vectors at every border tile and is evaluated per kernel tap.
  Func pad(ctx.name("pad"));
  define(pad, v, bounded_read(x, as_exprs(v), padded_axes, 0.0f));
  update(out, as_exprs(v),
         at(out, as_exprs(v)) + at(w, {v[1], r.x, r.y, r.z}) * at(pad, {v[0], channel, iy, ix}));
  Shape pad_shape = x.shape;
  for (int a = 0; a < 2; ++a) pad_shape[2 + a] += win.pad_begin[a] + win.pad_end[a];
  return {{{out, out_shape}}, {{pad, pad_shape}}, "conv"};
}

}  // namespace nnd::compiler
