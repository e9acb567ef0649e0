#pragma once
// Calibration for static quantization (+qdq8): the min and max that the reference interpreter
// sees for chosen values over the first N images of a dataset, preprocessed as the model card
// beside the model says. Results are cached on disk per (model bytes, dataset, N), in
// $NNDELTA_CACHE_DIR/calibration (default ~/.cache/nndelta/calibration), and in memory.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "backends/transform_steps.h"
#include "core/graph.h"

namespace nnd::backends {

using ValueRanges = std::map<std::string, std::pair<float, float>>;  // name -> (min, max)

// A missing card, an unreadable dataset or an empty calibration set (N = 0, or no readable
// image) is a UserError naming it.
ValueRanges calibrate(const Model& model, const std::vector<std::string>& values,
                      const CalibrationOptions& options);

}  // namespace nnd::backends
