#include "compiler/schedule/schedule.h"

#include <fmt/format.h>

#include <mutex>
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

void vectorize_reduction(Func& f, int width, const CompileOptions& options) {
  const Var x = f.args()[0];
  if (width > 0) f.vectorize(x, width, TailStrategy::GuardWithIf);
  for (int u = 0; u < f.num_update_definitions(); ++u) {
    std::vector<Halide::RVar> rv = f.rvars(u);
    std::vector<VarOrRVar> order = {x};
    for (const Halide::RVar& r : rv) order.push_back(r);
    if (!rv.empty()) f.update(u).reorder(order);
    if (width > 0) f.update(u).vectorize(x, width, TailStrategy::GuardWithIf);
    if (options.has("unroll"))
      for (const Halide::RVar& r : rv) {
        const int64_t* e = Halide::Internal::as_const_int(r.extent());
        if (e && *e <= 3 && *e > 1) f.update(u).unroll(r);
      }
  }
}

void schedule_manual(BuiltStage& stage, const CompileOptions& options,
                     const Halide::Target& target) {
  const int natural = target.natural_vector_size<float>();
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
      vectorize_reduction(p, width, options);
    }
  }
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
  const std::string name = options.schedule == "adams2019" ? "Adams2019" : "Mullapudi2016";
  load_autoscheduler(name);
  for (size_t i = 0; i < stage.params.size(); ++i)
    stage.params[i].set_estimates(estimate_of(param_shapes[i]));
  std::vector<Func> outs;
  for (Value& out : stage.outputs) {
    out.func.set_estimates(estimate_of(out.shape));
    outs.push_back(out.func);
  }
  Halide::Pipeline pipeline(outs);
  pipeline.auto_schedule(name, target, Halide::MachineParams(options.threads, 32 << 20, 40));
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
