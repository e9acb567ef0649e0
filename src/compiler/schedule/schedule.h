#pragma once
// How a built stage is computed, per level: at root and serial (O0, O1), hand schedules per op
// family (O2), or Halide's autoscheduler (O3); GPU devices always map the outputs to blocks and
// threads. The algorithm (lower/) is never touched here.
#include <Halide.h>

#include <string>

#include "compiler/stage_build.h"

namespace nnd::compiler {

// Schedules the stage's Funcs and returns how, in words (for the manifest and --emit).
std::string schedule_stage(BuiltStage& stage, const CompileOptions& options,
                           const Halide::Target& target);

}  // namespace nnd::compiler
