#pragma once
// Per model: environment x environment, each cell the % of compared inputs whose top-1 label
// differs between the two (symmetric; the diagonal is blank), coloured on a ramp from 0 to the
// largest difference (at least 1%, so that tiny differences stay pale), with a legend.
#include <string>

#include "analysis/report_data.h"

namespace nnd::report {

// An inline <svg>; empty with fewer than two environments. `id` is unique in the page and
// prefixes the ids the chart defines.
std::string disagreement_heatmap_svg(const analysis::ModelReport& model, double width,
                                     const std::string& id);

}  // namespace nnd::report
