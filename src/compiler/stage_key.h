#pragma once
// What decides a stage's loop IR, as text, so that a stage seen before is found in the cache
// without building and lowering it again: the compiler executable itself, the target and options,
// the stage's ops, attributes, wiring and input shapes, and the values of the small constants a
// lowering may read at compile time. Weights are buffers and never part of it.
#include <string>

#include "compiler/plan.h"
#include "compiler/stage_build.h"

namespace nnd::compiler {

std::string stage_spec(const PlannedStage& stage, const Plan& plan, const ShapeOf& shape_of);

// SHA-256 of this compiler executable, read once: a rebuilt compiler never reuses another's
// stage records.
const std::string& compiler_digest();

}  // namespace nnd::compiler
