#include "compiler/schedule/schedule.h"

#include <fmt/format.h>

#include <mutex>
#include <optional>
#include <set>

#include "core/error.h"

namespace nnd::compiler {

namespace {

using Halide::TailStrategy;
using Halide::VarOrRVar;

int extent(const Value& v, int halide_dim) {
  return static_cast<int>(v.shape[v.shape.size() - 1 - halide_dim]);
}
int rank(const Value& v) { return static_cast<int>(v.shape.size()); }

// The vector width for an innermost extent: the target's natural width, or a narrower power of
// two for short rows; 0 when the row is too short to vectorize.
int vector_width(int natural, int row) {
  int width = natural;
  while (width > row && width > 4) width /= 2;
  return row >= 4 ? width : 0;
}

// Every Func the stage computes besides its outputs, with whether it has an update (a reduction).
std::vector<Func> producers(const BuiltStage& stage) {
  std::vector<Func> out;
  for (const Value& v : stage.fused) out.push_back(v.func);
  for (const Internal& i : stage.internals) out.push_back(i.func);
  return out;
}

void schedule_gpu(BuiltStage& stage) {
  Var xo("gxo"), xi("gxi"), yo("gyo"), yi("gyi");
  for (Value& out : stage.outputs) {
    Func& f = out.func;
    std::vector<Var> a = f.args();
    const int r = rank(out);
    if (r == 0) continue;
    const int tx = std::min(16, extent(out, 0));
    f.split(a[0], xo, xi, tx, TailStrategy::GuardWithIf);
    if (r >= 2) {
      const int ty = std::min(16, extent(out, 1));
      f.split(a[1], yo, yi, ty, TailStrategy::GuardWithIf);
      f.reorder(xi, yi, xo, yo);
      f.gpu_threads(xi, yi);
      if (r >= 3)
        f.gpu_blocks(xo, yo, a[2]);
      else
        f.gpu_blocks(xo, yo);
    } else {
      f.gpu_threads(xi).gpu_blocks(xo);
    }
    for (Func p : producers(stage))
      if (p.has_update_definition()) p.compute_at(f, xi);
  }
}

void schedule_root(BuiltStage& stage) {
  // O0: one node per stage, its private Funcs at root. O1: the same, and a fused producer that
  // reduces computed inside the consumer's innermost loop (loop fusion); pure ones are inlined.
  for (Internal& i : stage.internals) i.func.compute_root();
  if (stage.outputs.empty()) return;
  Func& consumer = stage.outputs.back().func;
  for (Value& v : stage.fused)
    if (v.func.has_update_definition()) v.func.compute_at(consumer, consumer.args()[0]);
}

// Whether every input the reduction of `f` reads is contiguous along its one reduction variable
// (a Gemm with transB, a matrix-vector product): then vectors go along the reduction, not along
// the output, whose neighbours sit a whole row apart.
bool reads_along_reduction(const Func& f) {
  if (f.num_update_definitions() != 1 || f.rvars(0).size() != 1) return false;
  struct Reads : Halide::Internal::IRVisitor {
    std::string self, rvar;
    int along = 0, across = 0;
    using IRVisitor::visit;
    void visit(const Halide::Internal::Call* op) override {
      IRVisitor::visit(op);
      if (op->name == self || op->args.empty() ||
          (op->call_type != Halide::Internal::Call::Image &&
           op->call_type != Halide::Internal::Call::Halide))
        return;
      const auto* v = op->args[0].as<Halide::Internal::Variable>();
      (v && v->name == rvar ? along : across)++;
    }
  } reads;
  reads.self = f.name();
  reads.rvar = f.rvars(0)[0].name();
  const Halide::Tuple values = f.update_values(0);  // kept: as_vector() refers into it
  for (const Expr& e : values.as_vector()) e.accept(&reads);
  return reads.along > 0 && reads.across == 0;
}

// A reduction along contiguous inputs: split it into vectors of partial sums (rfactor), summed
// across the lanes at the end.
bool vectorize_along_reduction(Func& f, int natural) {
  if (!reads_along_reduction(f)) return false;
  const Halide::RVar r = f.rvars(0)[0];
  // The RVar that rvars() hands out has no extent; the definition's reduction domain has it.
  const Expr extent = f.function().update(0).schedule().rvars().at(0).extent;
  const int64_t* k = Halide::Internal::as_const_int(extent);
  if (!k || *k < natural || *k % natural != 0) return false;
  Halide::RVar ro("ro"), ri("ri");
  Var u("u");
  f.update().split(r, ro, ri, natural);
  Func partial = f.update().rfactor(ri, u);
  partial.compute_at(f, f.args()[0]).vectorize(u);
  partial.update().vectorize(u);
  return true;
}

void vectorize_reduction(Func& f, int width, const CompileOptions& options) {
  const Var x = f.args()[0];
  if (width > 0) f.vectorize(x, width, TailStrategy::GuardWithIf);
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    std::vector<Halide::RVar> rv = f.rvars(u);
    std::vector<VarOrRVar> order = {x};
    for (const Halide::RVar& r : rv) order.emplace_back(r);
    if (!rv.empty()) f.update(u).reorder(order);
    if (width > 0) f.update(u).vectorize(x, width, TailStrategy::GuardWithIf);
    if (options.has("unroll"))
      for (size_t k = 0; k < rv.size(); ++k) {
        // rvars() hands out RVars without extents; the definition's reduction domain has them.
        const int64_t* e =
            Halide::Internal::as_const_int(f.function().update(u).schedule().rvars().at(k).extent);
        if (e && *e <= 3 && *e > 1) f.update(u).unroll(rv[k]);
      }
  }
}

// The stage's one reducing Func when it is a Conv's and the stage has one 4-D output (a Conv and
// its elementwise epilogue): the Conv that the register-blocked schedule below applies to.
std::optional<Func> single_conv(const BuiltStage& stage) {
  if (stage.outputs.size() != 1 || rank(stage.outputs[0]) != 4) return std::nullopt;
  std::vector<Func> reducing;
  for (const Value& v : stage.outputs)
    if (v.func.has_update_definition()) reducing.push_back(v.func);
  for (const Func& f : producers(stage))
    if (f.has_update_definition()) reducing.push_back(f);
  if (reducing.size() != 1 || reducing[0].name().find("_conv") == std::string::npos ||
      reducing[0].num_update_definitions() != 1 || reducing[0].rvars(0).size() != 3)
    return std::nullopt;
  return reducing[0];
}

// The zero-padded input of a Conv (lower/conv.cc), the stage's one pure internal Func: computed
// per block of output channels `co` when each output channel reads one input channel
// (depthwise: the block's few padded planes stay in cache), else once for the whole stage.
void place_padded_input(BuiltStage& stage, const Func& conv, const Func& g, const Var& co,
                        int natural, bool parallel) {
  const int64_t* channels_per_group =
      Halide::Internal::as_const_int(conv.function().update(0).schedule().rvars().at(0).extent);
  for (Internal& i : stage.internals) {
    if (i.func.has_update_definition()) continue;
    if (channels_per_group && *channels_per_group == 1)
      i.func.compute_at(g, co);
    else if (parallel)
      i.func.compute_root().parallel(i.func.args()[2]);
    else
      i.func.compute_root();
    // Predicated: a Conv padded along y only (inception's 7x1) reads x unclamped.
    i.func.vectorize(i.func.args()[0], natural, TailStrategy::Predicate);
  }
}

// A Conv whose output rows are shorter than a vector (7x7, 14x14 planes): rows are too short to
// fill vectors, so the plane is flattened (x, y fused; the output's strides are fixed, so a 1x1
// Conv's flattened reads stay dense) and a block of 4 channels x 4 vectors of the plane (the
// last one predicated) accumulates in registers.
void schedule_small_plane_conv(BuiltStage& stage, Func conv, int natural, bool parallel) {
  Value& out = stage.outputs[0];
  Func g = out.func;
  const std::vector<Var> a = g.args();  // x, y, c, n
  const int block = std::min(4, extent(out, 2));
  const std::vector<Halide::RVar> r = conv.rvars(0);
  Var xy("xy"), xo("xo"), xi("xi"), co("co"), ci("ci");
  g.fuse(a[0], a[1], xy)
      .split(a[2], co, ci, block, TailStrategy::ShiftInwards)
      .split(xy, xo, xi, natural, TailStrategy::Predicate)
      .reorder(xi, xo, ci, co, a[3])
      .vectorize(xi);
  if (parallel) g.parallel(co);
  conv.compute_at(g, co);
  place_padded_input(stage, conv, g, co, natural, parallel);
  const std::vector<Var> f = conv.args();
  Var fxy("fxy"), fo("fo"), fi("fi");
  conv.fuse(f[0], f[1], fxy).split(fxy, fo, fi, natural, TailStrategy::Predicate).vectorize(fi);
  // Chunks of 4 vectors of the plane, each accumulating over the whole reduction.
  Var chunk("chunk"), rest("rest");
  conv.update()
      .fuse(f[0], f[1], fxy)
      .split(fxy, chunk, rest, 4 * natural, TailStrategy::Predicate)
      .split(rest, fo, fi, natural)
      .reorder({fi, fo, f[2], r[0], r[1], r[2], chunk, f[3]})
      .vectorize(fi)
      .unroll(fo)
      .unroll(f[2]);
}

// A Conv that is its stage's output would accumulate in the output buffer, where LLVM keeps the
// accumulators in memory (the output might alias an input). It becomes the producer of a copy
// that is the output instead, so a tile's accumulators live in a scratch buffer, in registers.
void copy_conv_output(BuiltStage& stage) {
  Value& out = stage.outputs[0];
  Func copy(out.func.name() + "_out");
  const std::vector<Var> a = out.func.args();
  copy(a) = out.func(a);
  constrain(copy.output_buffer(), out.shape);
  stage.fused.push_back(out);
  out.func = copy;
}

// Conv as a register-blocked GEMM-like kernel: each step of the reduction (input channel, kernel
// tap) loads one vector of input pixels and multiplies it into the accumulators of a block of
// output channels, which stay in registers (the generic schedule loads and stores its one
// accumulator row around every multiply-add). The epilogue is computed per block from them.
void schedule_conv(BuiltStage& stage, Func conv, int width, int natural, bool parallel) {
  if (conv.name() == stage.outputs[0].func.name()) copy_conv_output(stage);
  Value& out = stage.outputs[0];
  Func g = out.func;
  const std::vector<Var> a = g.args();  // x, y, c, n
  const int w_extent = extent(out, 0), c_extent = extent(out, 2);
  const int block = std::min(8, c_extent);
  Var xo("xo"), xi("xi"), co("co"), ci("ci");
  // Input channel, kernel row, kernel column: kept in the algorithm's order (input channel
  // innermost), so that each output sums its terms in the same order as on every other device
  // and strict_float stays bit-identical across them.
  const std::vector<Halide::RVar> r = conv.rvars(0);
  if (w_extent < natural && w_extent * extent(out, 1) <= 4 * natural) {
    schedule_small_plane_conv(stage, conv, natural, parallel);
    return;
  }
  // Two output rows per tile: each weight loaded in a reduction step feeds two vectors.
  const int rows = std::min(2, extent(out, 1));
  Var yo("yo"), yi("yi");
  // The output may recompute a few overlapping pixels or channels at the edges instead of
  // running a scalar tail.
  const TailStrategy x_tail =
      w_extent >= width ? TailStrategy::ShiftInwards : TailStrategy::Predicate;
  g.split(a[2], co, ci, block, TailStrategy::ShiftInwards)
      .split(a[0], xo, xi, width, x_tail)
      .split(a[1], yo, yi, rows, TailStrategy::ShiftInwards)
      .reorder(xi, ci, yi, xo, yo, co, a[3])
      .vectorize(xi)
      .unroll(ci)
      .unroll(yi);
  if (parallel) g.parallel(co);
  conv.compute_at(g, xo);
  place_padded_input(stage, conv, g, co, natural, parallel);
  const std::vector<Var> f = conv.args();
  // A row shorter than the vector is computed in one predicated vector: rounding it up would
  // read past the end of an unpadded input.
  const TailStrategy conv_x_tail =
      w_extent >= width ? TailStrategy::RoundUp : TailStrategy::PredicateLoads;
  conv.vectorize(f[0], width, conv_x_tail)
      .unroll(f[2], block, TailStrategy::RoundUp)
      .unroll(f[1], rows, TailStrategy::RoundUp);
  conv.update()
      .reorder(f[0], f[2], f[1], r[0], r[1], r[2], f[3])
      .vectorize(f[0], width, conv_x_tail)
      .unroll(f[2], block, TailStrategy::RoundUp)
      .unroll(f[1], rows, TailStrategy::RoundUp);
}

void schedule_manual(BuiltStage& stage, const CompileOptions& options,
                     const Halide::Target& target) {
  const int natural = target.natural_vector_size<float>();
  if (std::optional<Func> conv = single_conv(stage);
      conv && options.has("vectorize") && options.has("tile") && options.has("unroll")) {
    // Rows longer than half a vector (14 of 16 lanes) fill one predicated vector: fewer
    // instructions than two of half the width.
    const int row = extent(stage.outputs[0], 0);
    const int width = row > natural / 2 ? natural : vector_width(natural, row);
    if (width > 0) {
      schedule_conv(stage, *conv, width, natural, options.has("parallel") && options.threads > 1);
      return;
    }
  }
  for (Value& out : stage.outputs) {
    Func& f = out.func;
    std::vector<Var> a = f.args();
    const int r = rank(out);
    if (r == 0) continue;
    const int width = options.has("vectorize") ? vector_width(natural, extent(out, 0)) : 0;
    // Producers are computed per row of the output (per tile of 4 rows with `tile`).
    Var at = r >= 2 ? a[1] : a[0];
    if (r >= 2 && options.has("tile") && extent(out, 1) >= 8) {
      Var yo("yo"), yi("yi");
      f.split(a[1], yo, yi, 4, TailStrategy::GuardWithIf);
      at = yo;
    }
    vectorize_reduction(f, width, options);
    if (options.has("parallel") && options.threads > 1) {
      const int p = r >= 3 ? r - 2 : r - 1;
      if (p > 0 && extent(out, p) > 1) {
        f.parallel(a[p]);
        for (int u = 0; u < f.num_update_definitions(); ++u) f.update(u).parallel(a[p]);
      }
    }
    if (&out != &stage.outputs.back()) continue;
    // Reducing producers (a fused Conv, an accumulator) go inside the last output's loops;
    // pure ones are inlined.
    for (Func p : producers(stage)) {
      if (!p.has_update_definition()) continue;
      p.compute_at(f, at);
      // Partial sums reassociate the reduction: not under strict_float, whose bits every device
      // must share.
      if (!options.has("vectorize") || options.strict_float ||
          !vectorize_along_reduction(p, natural))
        vectorize_reduction(p, width, options);
    }
  }
}

// Whether the stage is one the hand kernels above cover: a Conv, or a reduction along
// contiguous inputs.
bool has_hand_kernel(const BuiltStage& stage) {
  if (single_conv(stage)) return true;
  for (const Func& f : producers(stage))
    if (f.has_update_definition() && reads_along_reduction(f)) return true;
  return false;
}

void load_autoscheduler(const std::string& name) {
  static std::mutex mutex;
  static std::set<std::string> loaded;
  std::lock_guard lock(mutex);
  if (loaded.count(name)) return;
  Halide::load_plugin(name == "Mullapudi2016" ? NNDELTA_HALIDE_MULLAPUDI2016
                                              : NNDELTA_HALIDE_ADAMS2019);
  loaded.insert(name);
}

Halide::Region estimate_of(const Shape& shape) {
  Halide::Region region;
  for (auto it = shape.rbegin(); it != shape.rend(); ++it)
    region.push_back({0, static_cast<int>(*it)});
  return region;
}

std::string schedule_auto(BuiltStage& stage, const CompileOptions& options,
                          const Halide::Target& target, const std::vector<Shape>& param_shapes) {
  std::string name = options.schedule == "adams2019" ? "Adams2019" : "Mullapudi2016";
  load_autoscheduler(name);
  for (size_t i = 0; i < stage.params.size(); ++i)
    stage.params[i].set_estimates(estimate_of(param_shapes[i]));
  std::vector<Func> outs;
  for (Value& out : stage.outputs) {
    out.func.set_estimates(estimate_of(out.shape));
    outs.push_back(out.func);
  }
  Halide::Pipeline pipeline(outs);
  Halide::MachineParams params(options.threads, 32 << 20, 40);
  pipeline.auto_schedule(name, target, params);
  return name;
}

}  // namespace

std::string schedule_stage(BuiltStage& stage, const CompileOptions& options,
                           const Halide::Target& target) {
  if (options.gpu()) {
    schedule_gpu(stage);
    return options.schedule == "manual"
               ? "gpu: outputs tiled over blocks and threads, reductions per thread"
               : "gpu: outputs tiled over blocks and threads (Halide 14's autoschedulers schedule "
                 "CPUs only)";
  }
  // Mullapudi2016 neither register-blocks a Conv's accumulators nor vectorizes a reduction along
  // contiguous inputs (MobileNetV2-224: 120 ms against 16 ms by hand, bench/RESULTS.md); at O3
  // those stages keep the hand kernels and the autoscheduler schedules the rest. Adams2019,
  // which searches tilings, schedules every stage.
  if (options.schedule == "mullapudi2016" && options.has("vectorize") && options.has("tile") &&
      options.has("unroll") && has_hand_kernel(stage)) {
    schedule_manual(stage, options, target);
    return "hand kernel (Mullapudi2016 does not register-block this reduction)";
  }
  if (options.schedule != "manual") {
    std::vector<Shape> shapes;
    for (const Halide::ImageParam& p : stage.params) {
      Shape s;
      for (int d = p.dimensions() - 1; d >= 0; --d)
        s.push_back(*Halide::Internal::as_const_int(p.parameter().extent_constraint(d)));
      shapes.push_back(s);
    }
    return "autoscheduled by " + schedule_auto(stage, options, target, shapes);
  }
  if (options.has("vectorize") || options.has("tile") || options.has("unroll") ||
      options.has("parallel")) {
    schedule_manual(stage, options, target);
    return "manual";
  }
  schedule_root(stage);
  return stage.fused.empty() ? "root, serial" : "root, serial, epilogues fused";
}

}  // namespace nnd::compiler
