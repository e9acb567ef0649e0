#include "analysis/compare_json.h"

#include <cmath>

namespace nnd::analysis {

namespace {

using nlohmann::json;

json number(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

json side(const std::string& env, const std::string& model, const std::string& description,
          const std::optional<SideFailure>& failure) {
  json out = {{"env", env}, {"model", model}, {"description", description}};
  out["status"] = failure ? "failed" : "ok";
  out["failure"] = failure ? json{{"stage", failure->stage},
                                  {"outcome", failure->outcome},
                                  {"message", failure->message}}
                           : json(nullptr);
  return out;
}

json value_error(const ValueError& v) {
  return {{"position", v.position},   {"node", v.node},     {"op", v.op},
          {"value", v.value},         {"method", v.method}, {"diverges", v.diverges()},
          {"error", to_json(v.stats)}};
}

}  // namespace

std::string verdict(const CompareResult& result) {
  return result.failed() ? "failed" : result.diverges() ? "diverge" : "agree";
}

json to_json(const ErrorStats& s) {
  return {{"count", s.count},
          {"beyond", s.beyond},
          {"nonfinite", s.nonfinite},
          {"passes", s.passes()},
          {"max_abs", number(s.max_abs)},
          {"max_rel", number(s.max_rel)},
          {"mean_abs", number(s.mean_abs)},
          {"p50_abs", number(s.p50_abs)},
          {"p90_abs", number(s.p90_abs)},
          {"p99_abs", number(s.p99_abs)},
          {"cosine", number(s.cosine)},
          {"needed_atol", number(s.needed_atol)},
          {"needed_rtol", number(s.needed_rtol)}};
}

json to_json(const CompareResult& r) {
  json flips = json::array();
  for (const InputComparison& c : r.inputs)
    if (c.top1_reference != c.top1_candidate)
      flips.push_back({{"key", c.key},
                       {"reference_top1", r.labels.at(c.top1_reference)},
                       {"candidate_top1", r.labels.at(c.top1_candidate)}});
  return {{"verdict", verdict(r)},
          {"diverges", r.diverges()},
          {"reference",
           side(r.reference_env, r.reference_model, r.reference_description, r.reference_failure)},
          {"candidate",
           side(r.candidate_env, r.candidate_model, r.candidate_description, r.candidate_failure)},
          {"output", r.output},
          {"tolerance", {{"atol", r.tolerance.atol}, {"rtol", r.tolerance.rtol}}},
          {"inputs", r.inputs.size()},
          {"top1_flips", r.top1_flips},
          {"top1_flips_percent", r.flip_percent()},
          {"passes", r.scores.passes()},
          {"error", to_json(r.scores)},
          {"flipped_inputs", flips}};
}

json to_json(const LocalizeResult& r) {
  json curve = json::array(), neighbours = json::array(), skipped = json::array();
  for (const ValueError& v : r.curve)
    curve.push_back({{"position", v.position},
                     {"node", v.node},
                     {"op", v.op},
                     {"value", v.value},
                     {"method", v.method},
                     {"max_abs", number(v.stats.max_abs)},
                     {"mean_abs", number(v.stats.mean_abs)},
                     {"diverges", v.diverges()}});
  for (const Neighbour& n : r.neighbours) {
    json entry = value_error(n.error);
    entry["relation"] = n.relation;
    neighbours.push_back(entry);
  }
  for (const SkippedValue& s : r.skipped)
    skipped.push_back({{"node", s.node}, {"value", s.value}, {"reason", s.reason}});
  return {{"verdict", verdict(r.compare)},
          {"diverges", r.diverges()},
          {"compare", to_json(r.compare)},
          {"inputs", r.inputs},
          {"inputs_diverge", r.inputs_diverge},
          {"method", r.method.empty() ? json(nullptr) : json(r.method)},
          {"fallback", r.fallback.empty() ? json(nullptr) : json(r.fallback)},
          {"first_divergent", r.first ? value_error(*r.first) : json(nullptr)},
          {"neighbours", neighbours},
          {"nodes", r.nodes},
          {"compared", r.curve.size()},
          {"curve", curve},
          {"skipped_count", r.skipped.size()},
          {"skipped", skipped},
          {"candidate_only", r.candidate_only},
          {"probes", r.probes}};
}

}  // namespace nnd::analysis
