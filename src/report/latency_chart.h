#pragma once
// Per model: one row per environment, its timing samples (LatencyDistribution::histogram_ms) as a
// strip of dots over a box plot (quartiles, whiskers to the extremes), the median as a line and its
// 95% bootstrap interval as a band. The axis is logarithmic when the samples span more than a
// factor of ten (frameworks differ by orders of magnitude), linear from zero otherwise.
#include <string>

#include "analysis/report_data.h"

namespace nnd::report {

// An inline <svg>; empty when no environment has timing samples.
std::string latency_chart_svg(const analysis::ModelReport& model, double width);

}  // namespace nnd::report
