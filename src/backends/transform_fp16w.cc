// +fp16w: weights rounded to float16 (round to nearest even, overflow to infinity), kept float32.
#include "backends/transform_steps.h"
#include "core/error.h"
#include "core/half.h"

namespace nnd::backends {

Model round_weights_fp16(const Model& model) {
  Model out = model;
  size_t rounded = 0;
  for (auto& [name, tensor] : out.graph.initializers) {
    if (tensor.dtype() != DType::kFloat32) continue;
    float* v = tensor.data<float>();
    for (int64_t i = 0; i < tensor.size(); ++i) v[i] = static_cast<float>(Half(v[i]));
    ++rounded;
  }
  if (rounded == 0)
    fail("{}: +fp16w finds no float32 weights (initializers) to round", model.source_path);
  return out;
}

}  // namespace nnd::backends
