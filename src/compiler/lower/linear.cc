// Gemm (with transA/transB, alpha, beta, a broadcast C) and MatMul (2-D, or batched over equal
// or broadcast leading dims).
#include "compiler/lower/lower.h"
#include "core/error.h"

namespace nnd::compiler {

Lowered lower_gemm(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& a = ctx.input(0);
  const Value& b = ctx.input(1);
  if (a.shape.size() != 2 || b.shape.size() != 2)
    fail("{}: A and B must be 2-D, got {} and {}", node.label(), shape_string(a.shape),
         shape_string(b.shape));
  const bool ta = node.attr_int("transA", 0) != 0, tb = node.attr_int("transB", 0) != 0;
  const float alpha = node.attr_float("alpha", 1.0f), beta = node.attr_float("beta", 1.0f);
  const int64_t m = ta ? a.shape[1] : a.shape[0], k = ta ? a.shape[0] : a.shape[1];
  const int64_t kb = tb ? b.shape[1] : b.shape[0], n = tb ? b.shape[0] : b.shape[1];
  if (k != kb)
    fail("{}: A {} and B {} do not multiply (transA={}, transB={})", node.label(),
         shape_string(a.shape), shape_string(b.shape), ta, tb);
  std::vector<Var> v = axis_vars(2);  // i, j
  Halide::RDom r(0, static_cast<int>(k), ctx.name("r"));
  Func acc(ctx.name("matmul"));
  define(acc, v, 0.0f);
  const Expr lhs = ta ? at(a, {r.x, v[0]}) : at(a, {v[0], r.x});
  const Expr rhs = tb ? at(b, {v[1], r.x}) : at(b, {r.x, v[1]});
  update(acc, as_exprs(v), at(acc, as_exprs(v)) + lhs * rhs);
  const Shape shape = {m, n};
  Func out(ctx.name("gemm"));
  Expr value = at(acc, as_exprs(v));
  if (alpha != 1.0f) value = alpha * value;
  if (ctx.has_input(2)) {
    const Value& c = ctx.input(2);
    broadcast_shapes(node, {shape, c.shape});
    Expr cv = broadcast_read(c, v);
    value = value + (beta != 1.0f ? beta * cv : cv);
  }
  define(out, v, value);
  return {{{out, shape}}, {{acc, shape}}, "linear"};
}

Lowered lower_matmul(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& a = ctx.input(0);
  const Value& b = ctx.input(1);
  if (a.shape.size() < 2 || b.shape.size() < 2) unsupported(node, "MatMul of 1-D operands");
  const int64_t k = a.shape.back(), kb = b.shape[b.shape.size() - 2];
  if (k != kb)
    fail("{}: A {} and B {} do not multiply", node.label(), shape_string(a.shape),
         shape_string(b.shape));
  Shape batch_a(a.shape.begin(), a.shape.end() - 2), batch_b(b.shape.begin(), b.shape.end() - 2);
  Shape shape = broadcast_shapes(node, {batch_a, batch_b});
  shape.push_back(a.shape[a.shape.size() - 2]);
  shape.push_back(b.shape.back());
  const int rank = static_cast<int>(shape.size());
  std::vector<Var> v = axis_vars(rank);
  Halide::RDom r(0, static_cast<int>(k), ctx.name("r"));
  // An operand's index: its batch axes broadcast against the output's, then (row, col).
  auto index = [&](const Value& op, const Expr& row, const Expr& col) {
    std::vector<Expr> idx;
    const size_t batch = op.shape.size() - 2, offset = rank - 2 - batch;
    for (size_t i = 0; i < batch; ++i)
      idx.push_back(op.shape[i] == 1 ? Expr(0) : Expr(v[offset + i]));
    idx.push_back(row);
    idx.push_back(col);
    return idx;
  };
  Func out(ctx.name("matmul"));
  define(out, v, 0.0f);
  update(
      out, as_exprs(v),
      at(out, as_exprs(v)) + at(a, index(a, v[rank - 2], r.x)) * at(b, index(b, r.x, v[rank - 1])));
  return {{{out, shape}}, {}, "linear"};
}

}  // namespace nnd::compiler
