#include "analysis/compare_json.h"

#include "analysis/error_stats_json.h"

namespace nnd::analysis {

namespace {

using nlohmann::json;

json number(double x) { return json_number(x); }

json shape_json(const Shape& shape) { return json(shape); }

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
  return {{"position", v.position},
          {"node", v.node},
          {"op", v.op},
          {"value", v.value},
          {"method", v.method},
          {"diverges", v.diverges()},
          {"shapes_differ", v.shapes ? to_json(*v.shapes) : json(nullptr)},
          {"error", to_json(v.stats)}};
}

json failure_json(const FailureLocation& f) {
  return {{"env", f.env},
          {"input", f.input},
          {"found", f.found},
          {"position", f.found ? json(f.position) : json(nullptr)},
          {"node", f.found ? json(f.node) : json(nullptr)},
          {"op", f.found ? json(f.op) : json(nullptr)},
          {"value", f.found ? json(f.value) : json(nullptr)},
          {"message", f.message},
          {"last_ok_node", f.last_ok_node.empty() ? json(nullptr) : json(f.last_ok_node)},
          {"last_ok_value", f.last_ok_value.empty() ? json(nullptr) : json(f.last_ok_value)},
          {"probes", f.probes}};
}

}  // namespace

std::string verdict(const CompareResult& result) {
  return result.failed() ? "failed" : result.diverges() ? "diverge" : "agree";
}

json to_json(const ErrorStats& s) { return error_stats_json(s); }

json to_json(const ShapeMismatch& m) {
  return {{"reference", shape_json(m.reference)},
          {"candidate", shape_json(m.candidate)},
          {"input", m.input}};
}

json to_json(const CompareResult& r) {
  json flips = json::array();
  for (const InputComparison& c : r.inputs)
    if (c.top1_reference != c.top1_candidate)
      flips.push_back({{"key", c.key},
                       {"reference_top1", r.label(c.top1_reference)},
                       {"candidate_top1", r.label(c.top1_candidate)}});
  json outputs = json::array();
  for (const OutputComparison& o : r.outputs)
    outputs.push_back({{"name", o.name},
                       {"tolerance", {{"atol", o.tolerance.atol}, {"rtol", o.tolerance.rtol}}},
                       {"passes", !o.diverges()},
                       {"shapes_differ", o.shapes ? to_json(*o.shapes) : json(nullptr)},
                       {"error", to_json(o.stats)}});
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
          {"passes", r.outputs_pass()},
          {"error", to_json(r.scores)},
          {"outputs", outputs},
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
                     {"shapes_differ", v.shapes ? to_json(*v.shapes) : json(nullptr)},
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
          {"probes", r.probes},
          {"failing_node", r.failure ? failure_json(*r.failure) : json(nullptr)}};
}

}  // namespace nnd::analysis
