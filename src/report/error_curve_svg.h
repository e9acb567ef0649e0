#pragma once
// The per-node error curve of `nndelta localize` as an inline SVG: max and mean absolute error
// of each compared value against its node's position in topological order, on a log scale, with
// the tolerance and the first divergent node marked. Self-contained (no scripts, no fonts).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace nnd::report {

struct ErrorCurvePoint {
  size_t position = 0;  // of the node in topological order
  std::string label;    // shown on hover, e.g. "conv3 (Conv) → conv3_out"
  double max_abs = 0, mean_abs = 0;
  bool diverges = false;
};

struct ErrorCurveOptions {
  size_t nodes = 0;                       // x axis spans positions 0..nodes-1
  double atol = 0;                        // drawn as a horizontal line when > 0
  std::optional<size_t> first_divergent;  // position marked with a vertical line
  int width = 760, height = 280;
};

std::string error_curve_svg(const std::vector<ErrorCurvePoint>& points,
                            const ErrorCurveOptions& options);

}  // namespace nnd::report
