// Ops that move elements: Concat, Split, Slice, Transpose, Pad. Reshape-like ops are views of
// their input's bytes and never reach the lowering (see is_view).
#include <fmt/format.h>

#include "compiler/lower/lower.h"
#include "core/error.h"

namespace nnd::compiler {

Lowered lower_concat(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& first = ctx.input(0);
  const int rank = static_cast<int>(first.shape.size());
  const int64_t axis = normalize_axis(node, node.attr_int("axis"), rank);
  Shape shape = first.shape;
  shape[axis] = 0;
  for (int i = 0; i < ctx.input_count(); ++i) {
    const Value& in = ctx.input(i);
    for (int d = 0; d < rank; ++d)
      if (d != axis && in.shape[d] != first.shape[d])
        fail("{}: input {} has shape {}, which does not match {} outside axis {}", node.label(), i,
             shape_string(in.shape), shape_string(first.shape), axis);
    shape[axis] += in.shape[axis];
  }
  std::vector<Var> v = axis_vars(rank);
  // A select chain on the axis position: the comparisons are explicit in the loop IR.
  Expr value;
  int64_t start = 0;
  for (int i = 0; i < ctx.input_count(); ++i) {
    const Value& in = ctx.input(i);
    std::vector<Expr> idx = as_exprs(v);
    idx[axis] =
        Halide::clamp(v[axis] - static_cast<int>(start), 0, static_cast<int>(in.shape[axis] - 1));
    value = i == 0 ? at(in, idx)
                   : Halide::select(v[axis] >= static_cast<int>(start), at(in, idx), value);
    start += in.shape[axis];
  }
  Func out(ctx.name("concat"));
  define(out, v, value);
  return {{{out, shape}}, {}, "layout"};
}

Lowered lower_split(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& x = ctx.input(0);
  const int rank = static_cast<int>(x.shape.size());
  const int64_t axis = normalize_axis(node, node.attr_int("axis", 0), rank);
  std::vector<int64_t> sizes;
  if (node.inputs.size() > 1 && !node.inputs[1].empty())
    sizes = ctx.constant(1).to_int64s();
  else if (node.has("split"))
    sizes = node.attr_ints("split");
  else {
    const int64_t parts = static_cast<int64_t>(node.outputs.size());
    if (x.shape[axis] % parts != 0)
      fail("{}: axis {} of size {} does not split into {} equal parts", node.label(), axis,
           x.shape[axis], parts);
    sizes.assign(parts, x.shape[axis] / parts);
  }
  if (sizes.size() != node.outputs.size())
    fail("{}: {} split sizes for {} outputs", node.label(), sizes.size(), node.outputs.size());
  Lowered result{{}, {}, "layout"};
  std::vector<Var> v = axis_vars(rank);
  int64_t start = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::vector<Expr> idx = as_exprs(v);
    idx[axis] = v[axis] + static_cast<int>(start);
    Func out(ctx.name(fmt::format("split{}", i)));
    define(out, v, at(x, idx));
    Shape shape = x.shape;
    shape[axis] = sizes[i];
    result.outputs.push_back({out, shape});
    start += sizes[i];
  }
  if (start != x.shape[axis])
    fail("{}: split sizes add up to {}, but axis {} has {}", node.label(), start, axis,
         x.shape[axis]);
  return result;
}

Lowered lower_slice(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& x = ctx.input(0);
  const int rank = static_cast<int>(x.shape.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (node.has("starts")) {  // opset < 10
    starts = node.attr_ints("starts");
    ends = node.attr_ints("ends");
    axes = node.attr_ints("axes", std::vector<int64_t>{});
  } else {
    starts = ctx.constant(1).to_int64s();
    ends = ctx.constant(2).to_int64s();
    if (node.inputs.size() > 3 && !node.inputs[3].empty()) axes = ctx.constant(3).to_int64s();
    if (node.inputs.size() > 4 && !node.inputs[4].empty()) steps = ctx.constant(4).to_int64s();
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    fail("{}: starts, ends, axes and steps differ in length", node.label());
  Shape shape = x.shape;
  std::vector<int64_t> first(rank, 0), step(rank, 1);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t a = normalize_axis(node, axes[i], rank), dim = x.shape[a];
    if (steps[i] == 0) fail("{}: a step is 0", node.label());
    // Negative positions count from the end; then clamped as the ONNX spec says for the step's
    // direction.
    auto clamp_index = [&](int64_t p) {
      if (p < 0) p += dim;
      return steps[i] > 0 ? std::clamp<int64_t>(p, 0, dim) : std::clamp<int64_t>(p, -1, dim - 1);
    };
    const int64_t s = clamp_index(starts[i]), e = clamp_index(ends[i]);
    const int64_t count =
        steps[i] > 0 ? (e - s + steps[i] - 1) / steps[i] : (s - e + (-steps[i]) - 1) / (-steps[i]);
    shape[a] = std::max<int64_t>(0, count);
    first[a] = s;
    step[a] = steps[i];
  }
  std::vector<Var> v = axis_vars(rank);
  std::vector<Expr> idx;
  for (int a = 0; a < rank; ++a)
    idx.push_back(Expr(static_cast<int>(first[a])) + v[a] * static_cast<int>(step[a]));
  Func out(ctx.name("slice"));
  define(out, v, at(x, idx));
  return {{{out, shape}}, {}, "layout"};
}

Lowered lower_transpose(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& x = ctx.input(0);
  const int rank = static_cast<int>(x.shape.size());
  std::vector<int64_t> perm;
  for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
  perm = node.attr_ints("perm", perm);
  if (static_cast<int>(perm.size()) != rank)
    fail("{}: perm has {} axes for rank {}", node.label(), perm.size(), rank);
  Shape shape(rank);
  std::vector<Var> v = axis_vars(rank);
  std::vector<Expr> idx(rank);
  for (int i = 0; i < rank; ++i) {
    const int64_t from = normalize_axis(node, perm[i], rank);
    shape[i] = x.shape[from];
    idx[from] = v[i];
  }
  for (const Expr& e : idx)
    if (!e.defined()) fail("{}: perm is not a permutation", node.label());
  Func out(ctx.name("transpose"));
  define(out, v, at(x, idx));
  return {{{out, shape}}, {}, "layout"};
}

Lowered lower_pad(LowerContext& ctx) {
  const Node& node = ctx.node;
  const Value& x = ctx.input(0);
  const int rank = static_cast<int>(x.shape.size());
  const std::string mode = node.attr_string("mode", "constant");
  std::vector<int64_t> pads =
      node.has("pads") ? node.attr_ints("pads") : ctx.constant(1).to_int64s();
  float value = node.attr_float("value", 0.0f);
  if (node.inputs.size() > 2 && !node.inputs[2].empty())
    value = static_cast<float>(ctx.constant(2).at(0));
  if (node.inputs.size() > 3 && !node.inputs[3].empty()) unsupported(node, "Pad's axes input");
  if (static_cast<int>(pads.size()) != 2 * rank)
    fail("{}: pads has {} values for rank {}", node.label(), pads.size(), rank);
  Shape shape = x.shape;
  std::vector<Var> v = axis_vars(rank);
  std::vector<Expr> idx;
  std::vector<int> axes;
  for (int a = 0; a < rank; ++a) {
    shape[a] += pads[a] + pads[a + rank];
    if (shape[a] < 0) fail("{}: pads make axis {} negative", node.label(), a);
    idx.push_back(v[a] - static_cast<int>(pads[a]));
    if (pads[a] != 0 || pads[a + rank] != 0) axes.push_back(a);
  }
  Expr read;
  if (mode == "constant") {
    read = bounded_read(x, idx, axes, value);
  } else if (mode == "edge") {
    for (int a : axes) idx[a] = Halide::clamp(idx[a], 0, static_cast<int>(x.shape[a] - 1));
    read = at(x, idx);
  } else if (mode == "reflect") {
    for (int a : axes) {
      const int n = static_cast<int>(x.shape[a]);
      if (n < 2) fail("{}: reflect padding needs axis {} of size >= 2", node.label(), a);
      // Reflect without repeating the edge: fold the index into [0, 2n-2).
      Expr i = idx[a];
      const int period = 2 * n - 2;
      i = ((i % period) + period) % period;
      // The clamp changes no value: it tells Halide's bounds inference what the select cannot.
      idx[a] = Halide::clamp(Halide::select(i < n, i, period - i), 0, n - 1);
    }
    read = at(x, idx);
  } else {
    fail("{}: Pad mode '{}' is not one of constant, edge, reflect", node.label(), mode);
  }
  Func out(ctx.name("pad"));
  define(out, v, read);
  return {{{out, shape}}, {}, "layout"};
}

}  // namespace nnd::compiler
