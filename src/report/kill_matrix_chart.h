#pragma once
// Per model: the kill matrix as a heatmap, mutants down and environments across, each cell the %
// of inputs whose top-1 label the mutant changed against the original in that environment,
// coloured on a ramp from 0 to 100%; a mutant that crashed, hung, failed to build, gave
// non-finite scores or got stuck shows that instead, in its own colour.
#include <string>

#include "analysis/report_data.h"

namespace nnd::report {

// An inline <svg>; empty without mutant outcomes.
std::string kill_matrix_svg(const analysis::ModelReport& model, double width,
                            const std::string& id);

}  // namespace nnd::report
