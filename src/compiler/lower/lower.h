#pragma once
// Lowering: one ONNX node to Halide Funcs. What is computed only; how (the schedule) is decided
// in schedule/. Dims are reversed from ONNX (Halide's first dim is the innermost, ONNX's last
// axis), so that a dense row-major tensor is a Halide buffer with stride 1 in dim 0. The helpers
// below let each op be written in ONNX axis order.
//
// Conventions the mutation passes rely on: padding is an explicit select on in-bounds tests
// written `i > -1 && i < extent`, ReLU/Clip are max/min, MaxPool is a max reduction, so the loop
// IR has the comparisons and stores MutateNN's operators target (src/compiler/mutate).
#include <Halide.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backends/halide/halide_options.h"
#include "core/graph.h"

namespace nnd::compiler {

using backends::halide::CompileOptions;
using Halide::Expr;
using Halide::Func;
using Halide::Var;

// An ONNX value inside a stage.
struct Value {
  Func func;
  Shape shape;
};

// A Func the node made besides its outputs, with what the schedules need to know of it.
struct Internal {
  Func func;
  Shape shape;
};

struct LowerContext {
  const Node& node;
  std::vector<std::optional<Value>> inputs;    // by input position; nullopt when omitted
  std::vector<const Tensor*> constant_inputs;  // by input position; null when not constant
  const CompileOptions& options;
  int64_t opset = 0;   // of the default domain
  std::string prefix;  // for Func names, unique within the stage

  int input_count() const { return static_cast<int>(inputs.size()); }
  bool has_input(int i) const { return i < input_count() && inputs[i].has_value(); }
  const Value& input(int i) const;
  // The compile-time value of input i (a shape, axes, pads): a UserError naming the node when the
  // input is not a constant.
  const Tensor& constant(int i) const;
  bool is_constant(int i) const { return i < input_count() && constant_inputs[i] != nullptr; }
  // Names a Func of this node: `<prefix>_<what>`.
  std::string name(const std::string& what) const { return prefix + "_" + what; }
};

struct Lowered {
  std::vector<Value> outputs;       // one per ONNX output
  std::vector<Internal> internals;  // reductions and other Funcs the schedule places
  std::string family;               // conv, linear, pool, reduce, elementwise, layout, softmax
};

using LowerFn = Lowered (*)(LowerContext&);

// --- helpers for writing ops in ONNX axis order ---

// Vars named a0.. (ONNX axis order).
std::vector<Var> axis_vars(int rank);
// f(indices in ONNX order).
Expr at(const Func& f, const std::vector<Expr>& onnx_index);
Expr at(const Value& v, const std::vector<Expr>& onnx_index);
// Defines f over ONNX-ordered vars.
void define(Func& f, const std::vector<Var>& vars, const Expr& value);
void update(Func& f, const std::vector<Expr>& onnx_index, const Expr& value);
std::vector<Expr> as_exprs(const std::vector<Var>& vars);
// A Func with no padding reads: value where every listed axis index is inside [0, extent), else
// `outside`; the read itself is clamped so it never leaves the buffer.
Expr bounded_read(const Value& v, std::vector<Expr> onnx_index, const std::vector<int>& axes,
                  const Expr& outside);
// The elementwise result of f over a broadcast output shape (NumPy rules).
Shape broadcast_shapes(const Node& node, const std::vector<Shape>& shapes);
Expr broadcast_read(const Value& v, const std::vector<Var>& out_vars);
// exp, honouring fast_math.
Expr exp_of(const LowerContext& ctx, const Expr& x);
int64_t normalize_axis(const Node& node, int64_t axis, int64_t rank);
[[noreturn]] void unsupported(const Node& node, const std::string& what);

}  // namespace nnd::compiler
