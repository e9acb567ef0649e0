#pragma once
// Options that compare and localize share: tolerances (one for every output, or per output as
// Polygraphy's `--atol out:1e-3`) and the shapes of symbolic input dimensions.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "analysis/error_stats.h"
#include "core/graph.h"

namespace nnd::cli {

inline void add_tolerance_options(CLI::App& app, std::vector<std::string>& atol,
                                  std::vector<std::string>& rtol) {
  app.add_option("--atol", atol,
                 "absolute tolerance (default 1e-5); OUTPUT:X sets one output's, e.g. --atol "
                 "1e-5 boxes:1e-3");
  app.add_option("--rtol", rtol,
                 "relative tolerance to the reference (default 1e-5); OUTPUT:X for one output");
}

inline void add_feed_options(CLI::App& app, std::vector<std::string>& shapes) {
  app.add_option("--shape", shapes,
                 "shape of an input the model leaves symbolic, NAME:1x3x224x224 (repeatable)");
}

// The tolerances, checked against the model: a per-output tolerance must name one of its values.
analysis::Tolerances parse_tolerances(const std::vector<std::string>& atol,
                                      const std::vector<std::string>& rtol);
void check_tolerance_names(const analysis::Tolerances& tolerances, const Model& model,
                           const std::string& model_path);

}  // namespace nnd::cli
