#pragma once
// Per model: one horizontal bar per environment, accuracy on a 0-100% axis with the 95% Wilson
// interval as whiskers and the figures written beside it; the baseline environment is darker.
#include <string>

#include "analysis/report_data.h"

namespace nnd::report {

// An inline <svg>; empty when no environment answered a labelled input.
std::string accuracy_chart_svg(const analysis::ModelReport& model, double width);

}  // namespace nnd::report
