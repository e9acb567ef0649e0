#pragma once
// Size and work of a model, read from its graph IR and inferred shapes: what zoo/MODELS.md and
// `nndelta demo` report.
#include <cstdint>

#include "core/graph.h"

namespace nnd::data {

struct ModelStats {
  int64_t parameters = 0;  // elements of floating-point initializers
  // Multiply-adds of Conv, ConvTranspose, Gemm and MatMul for one run at the declared shapes.
  int64_t multiply_adds = 0;
  int64_t nodes_without_shapes = 0;  // such nodes whose shapes were not inferred (not counted)
};

ModelStats model_stats(const Model& model);

}  // namespace nnd::data
