#pragma once
// Finding rows of one model's report by environment, shared by the renderers so that every format
// lists environments in the store's order.
#include <string>
#include <utility>
#include <vector>

#include "analysis/report_data.h"

namespace nnd::report {

// The pair of a and b in either order; nullptr when the report has none.
const analysis::PairAgreement* find_pair(const analysis::ModelReport& model, const std::string& a,
                                         const std::string& b);
const analysis::LatencyDistribution* find_latency(const analysis::ModelReport& model,
                                                  const std::string& environment);

// An image's top-1 per environment in the model's environment order (any environment the model
// does not list comes last).
std::vector<std::pair<std::string, int32_t>> top1_in_order(const analysis::ModelReport& model,
                                                           const analysis::DisagreeingImage& image);

// The mutants of a model in first-seen order, and the environments their runs used in the model's
// environment order.
std::vector<std::string> mutant_names(const analysis::ModelReport& model);
std::vector<std::string> mutant_environments(const analysis::ModelReport& model);
const analysis::MutantOutcome* find_mutant(const analysis::ModelReport& model,
                                           const std::string& mutant,
                                           const std::string& environment);

}  // namespace nnd::report
