#pragma once
// Model-to-model steps named in an environment before the framework runs it (`+opset10`,
// `+fp16w`, `+int8w`, `+qdq8`, `+qdq8-N`; see transform_steps.h).
#include "backends/env_spec.h"
#include "core/graph.h"

namespace nnd::backends {

// Applies env's transforms in order. An unknown transform is a UserError naming it.
Model apply_transforms(const Model& model, const EnvSpec& env);

// Checks the transform names without applying them.
void check_transforms(const EnvSpec& env);

}  // namespace nnd::backends
