#include "report/lookup.h"

#include <algorithm>

namespace nnd::report {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

const analysis::PairAgreement* find_pair(const analysis::ModelReport& model, const std::string& a,
                                         const std::string& b) {
  for (const analysis::PairAgreement& p : model.pairs)
    if ((p.a == a && p.b == b) || (p.a == b && p.b == a)) return &p;
  return nullptr;
}

const analysis::LatencyDistribution* find_latency(const analysis::ModelReport& model,
                                                  const std::string& environment) {
  for (const analysis::LatencyDistribution& l : model.latency)
    if (l.environment == environment) return &l;
  return nullptr;
}

std::vector<std::pair<std::string, int32_t>> top1_in_order(
    const analysis::ModelReport& model, const analysis::DisagreeingImage& image) {
  std::vector<std::pair<std::string, int32_t>> out;
  for (const std::string& environment : model.environments)
    if (auto it = image.top1.find(environment); it != image.top1.end()) out.emplace_back(*it);
  for (const auto& entry : image.top1)
    if (!contains(model.environments, entry.first)) out.emplace_back(entry);
  return out;
}

std::vector<std::string> mutant_names(const analysis::ModelReport& model) {
  std::vector<std::string> names;
  for (const analysis::MutantOutcome& m : model.mutants)
    if (!contains(names, m.mutant)) names.push_back(m.mutant);
  return names;
}

std::vector<std::string> mutant_environments(const analysis::ModelReport& model) {
  std::vector<std::string> used, ordered;
  for (const analysis::MutantOutcome& m : model.mutants)
    if (!contains(used, m.environment)) used.push_back(m.environment);
  for (const std::string& environment : model.environments)
    if (contains(used, environment)) ordered.push_back(environment);
  for (const std::string& environment : used)
    if (!contains(ordered, environment)) ordered.push_back(environment);
  return ordered;
}

const analysis::MutantOutcome* find_mutant(const analysis::ModelReport& model,
                                           const std::string& mutant,
                                           const std::string& environment) {
  for (const analysis::MutantOutcome& m : model.mutants)
    if (m.mutant == mutant && m.environment == environment) return &m;
  return nullptr;
}

}  // namespace nnd::report
