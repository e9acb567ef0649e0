// BatchNormalization (inference form) and LRN.
#include "compiler/lower/lower.h"
#include "core/error.h"

namespace nnd::compiler {

Lowered lower_batch_norm(LowerContext& ctx) {
  const Node& node = ctx.node;
  if (node.attr_int("training_mode", 0) != 0) unsupported(node, "training_mode=1");
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty())
      unsupported(node, "BatchNormalization's running statistics outputs");
  const Value& x = ctx.input(0);
  if (x.shape.size() < 2) fail("{}: input must have rank >= 2", node.label());
  const float epsilon = node.attr_float("epsilon", 1e-5f);
  const int rank = static_cast<int>(x.shape.size());
  std::vector<Var> v = axis_vars(rank);
  const Expr c = v[1];
  const Expr scale = at(ctx.input(1), {c}), bias = at(ctx.input(2), {c});
  const Expr mean = at(ctx.input(3), {c}), var = at(ctx.input(4), {c});
  Func out(ctx.name("bn"));
  define(out, v, (at(x, as_exprs(v)) - mean) / Halide::sqrt(var + epsilon) * scale + bias);
  return {{{out, x.shape}}, {}, "elementwise"};
}

Lowered lower_lrn(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& x = ctx.input(0);
  if (x.shape.size() != 4) unsupported(node, "LRN on inputs that are not NCHW");
  const int64_t size = node.attr_int("size");
  const float alpha = node.attr_float("alpha", 1e-4f), beta = node.attr_float("beta", 0.75f),
              bias = node.attr_float("bias", 1.0f);
  std::vector<Var> v = axis_vars(4);
  // The channels c - floor((size-1)/2) .. c + ceil((size-1)/2) that exist.
  const int before = static_cast<int>((size - 1) / 2);
  Halide::RDom r(0, static_cast<int>(size), ctx.name("r"));
  Func square_sum(ctx.name("sqsum"));
  define(square_sum, v, 0.0f);
  const Expr channel = v[1] - before + r.x;
  const Expr tap = bounded_read(x, {v[0], channel, v[2], v[3]}, {1}, 0.0f);
  update(square_sum, as_exprs(v), at(square_sum, as_exprs(v)) + tap * tap);
  Func out(ctx.name("lrn"));
  define(out, v,
         at(x, as_exprs(v)) /
             Halide::pow(bias + (alpha / static_cast<float>(size)) * at(square_sum, as_exprs(v)),
                         beta));
  return {{{out, x.shape}}, {{square_sum, x.shape}}, "reduce"};
}

}  // namespace nnd::compiler
