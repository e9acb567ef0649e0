#pragma once
// One planned stage as a Halide pipeline: an ImageParam per buffer argument (shape and strides
// fixed, so Halide knows every extent), the nodes lowered in order, and the Funcs the schedule
// places. Names inside are positional (in0.., n0_conv..), so that the same computation anywhere
// in any model has the same loop IR and so the same cache entry.
#include <Halide.h>

#include <functional>
#include <string>
#include <vector>

#include "compiler/lower/lower.h"
#include "compiler/plan.h"

namespace nnd::compiler {

struct BuiltStage {
  std::vector<Halide::ImageParam> params;  // one per PlannedStage::inputs
  std::vector<Value> outputs;              // one per PlannedStage::outputs
  std::vector<Value> fused;                // node outputs computed inside the stage only
  std::vector<Internal> internals;         // Funcs private to a node (accumulators, sums)
  std::vector<std::string> families;       // per node
  std::vector<Shape> node_output_shapes;   // of every value the stage's nodes make, in order
  std::vector<std::string> node_output_names;
};

// Fixes a buffer's extents and dense row-major strides (reversed into Halide's order): every
// stage argument and output is a whole tensor.
template <typename Dimensioned>
void constrain(Dimensioned&& buffer, const Shape& shape) {
  const int rank = static_cast<int>(shape.size());
  int stride = 1;
  for (int d = 0; d < rank; ++d) {
    const int extent = static_cast<int>(shape[rank - 1 - d]);
    buffer.dim(d).set_bounds(0, extent).set_stride(stride);
    stride *= extent;
  }
}

using ShapeOf = std::function<Shape(const std::string&)>;

BuiltStage build_stage(const PlannedStage& stage, const Plan& plan, const ShapeOf& shape_of,
                       const CompileOptions& options);

}  // namespace nnd::compiler
