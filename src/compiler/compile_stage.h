#pragma once
// One stage, from plan to object file: found by its stage record (stage_key.h) when the cache has
// seen it, else built, scheduled, lowered (with the loop mutation pass counting sites, and
// rewriting the chosen ones) and compiled, its object cached by the hash of its loop IR.
#include <Halide.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "backends/halide/manifest.h"
#include "compiler/cache.h"
#include "compiler/emit.h"
#include "compiler/mutate/loop_mutator.h"
#include "compiler/plan.h"
#include "compiler/stage_build.h"

namespace nnd::compiler {

// The loop mutant to apply to one stage: an operator and its sites within the stage (0-based).
struct StageMutation {
  mutate::Operator op;
  std::set<size_t> sites;
};

struct CompiledStage {
  backends::halide::StageEntry entry;
  std::string object;  // path in the cache
  std::vector<std::string> node_output_names;
  std::vector<std::pair<size_t, size_t>> node_outputs;  // (node, output) of each name, in order
  std::vector<Shape> node_output_shapes;
  StageSites sites;                  // of every loop operator, in the original stage
  std::vector<std::string> changed;  // the sites the mutation rewrote
};

struct StageContext {
  const Plan& plan;
  const ShapeOf& shape_of;
  const CompileOptions& options;
  const Halide::Target& target;  // with no_runtime
  const Cache& cache;
  Emitter& emitter;
  bool emitting = false;  // emitting always lowers: the emitter needs the pipeline
};

CompiledStage compile_stage(size_t index, const StageContext& ctx,
                            const std::optional<StageMutation>& mutation);

}  // namespace nnd::compiler
