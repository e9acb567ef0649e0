#include "analysis/localize.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <numeric>
#include <set>

#include "analysis/localize_context.h"
#include "core/error.h"

namespace nnd::analysis {

std::string_view method_name(LocalizeMethod method) {
  switch (method) {
    case LocalizeMethod::kAuto:
      return "auto";
    case LocalizeMethod::kExposure:
      return "exposure";
    case LocalizeMethod::kBisection:
      return "bisection";
  }
  return "?";
}

LocalizeMethod parse_method(std::string_view name) {
  for (LocalizeMethod m :
       {LocalizeMethod::kAuto, LocalizeMethod::kExposure, LocalizeMethod::kBisection})
    if (method_name(m) == name) return m;
  fail("unknown localization method '{}' (known: auto, exposure, bisection)", name);
}

namespace detail {

std::string node_name(const Node& node, size_t position) {
  return node.name.empty() ? fmt::format("#{}", position) : node.name;
}

void find_first_and_neighbours(LocalizeResult& result, const Graph& reference) {
  result.first.reset();
  result.neighbours.clear();
  auto first = std::find_if(result.curve.begin(), result.curve.end(),
                            [](const ValueError& v) { return v.diverges(); });
  if (first == result.curve.end()) return;
  result.first = *first;
  const Node& node = reference.nodes[first->position];
  std::set<std::string> reads(node.inputs.begin(), node.inputs.end());
  std::set<std::string> writes(node.outputs.begin(), node.outputs.end());
  std::set<size_t> consumers;
  for (size_t i = first->position + 1; i < reference.nodes.size(); ++i)
    for (const std::string& input : reference.nodes[i].inputs)
      if (writes.count(input)) consumers.insert(i);
  for (const ValueError& v : result.curve) {
    if (reads.count(v.value)) result.neighbours.push_back({"input", v});
    if (consumers.count(v.position)) result.neighbours.push_back({"output", v});
  }
}

}  // namespace detail

namespace {

// The divergent inputs, top-1 flips first (in input order), then the largest score errors beyond
// the tolerance; when none diverges, the ones with the largest errors.
std::vector<size_t> choose_inputs(const CompareResult& compare, size_t most, bool* diverge) {
  std::vector<size_t> order(compare.inputs.size());
  std::iota(order.begin(), order.end(), 0);
  auto rank = [&](size_t i) {
    const InputComparison& c = compare.inputs[i];
    return c.flipped() ? 0 : c.beyond ? 1 : 2;
  };
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    if (rank(x) != rank(y)) return rank(x) < rank(y);
    if (rank(x) == 0) return false;  // flips stay in input order
    return compare.inputs[x].worst_abs > compare.inputs[y].worst_abs;
  });
  *diverge = !order.empty() && rank(order.front()) < 2;
  if (*diverge)
    order.erase(std::remove_if(order.begin(), order.end(), [&](size_t i) { return rank(i) == 2; }),
                order.end());
  if (order.size() > most) order.resize(most);
  return order;
}

std::string exposure_failure(const CompareSide& side) {
  const SideFailure& f = *side.exposure_failure();
  return fmt::format("{} cannot run the model with every value exposed ({} at {}): {}",
                     side.env_name(), f.outcome, f.stage, f.message);
}

// Runs both sides with every value exposed and compares what both return; false when a side
// cannot (result.fallback says why).
bool localize_by_exposure(detail::LocalizeContext& c) {
  LocalizeResult& result = c.result;
  std::vector<TensorMap> reference_values, candidate_values;
  for (const InputCase* input : c.cases) {
    std::optional<TensorMap> r = c.reference.values(input->inputs);
    std::optional<TensorMap> k = r ? c.candidate.values(input->inputs) : std::nullopt;
    if (!r || !k) {
      result.fallback = exposure_failure(r ? c.candidate : c.reference);
      return false;
    }
    reference_values.push_back(std::move(*r));
    candidate_values.push_back(std::move(*k));
  }
  std::vector<std::string> keys;
  for (const InputCase* input : c.cases) keys.push_back(input->key);
  compare_exposed(c.reference.model().graph, reference_values, candidate_values, keys, c.tolerance,
                  {c.reference.env_name(), c.candidate.env_name()}, result);
  return true;
}

}  // namespace

void compare_exposed(const Graph& graph, const std::vector<TensorMap>& reference_values,
                     const std::vector<TensorMap>& candidate_values,
                     const std::vector<std::string>& keys, const Tolerances& tolerance,
                     const std::array<std::string, 2>& envs, LocalizeResult& result) {
  NND_CHECK(!reference_values.empty() && reference_values.size() == candidate_values.size() &&
                keys.size() == reference_values.size(),
            "compare_exposed needs the same number of inputs on both sides");
  result.method = "exposure";
  result.curve.clear();
  result.skipped.clear();
  result.candidate_only = 0;
  std::set<std::string> produced;
  for (size_t position = 0; position < graph.nodes.size(); ++position) {
    const Node& node = graph.nodes[position];
    const std::string name = detail::node_name(node, position);
    for (const std::string& value : node.outputs) {
      if (value.empty()) continue;
      produced.insert(value);
      auto skip = [&](const std::string& reason) {
        result.skipped.push_back({name, value, reason});
      };
      const TensorMap& r0 = reference_values.front();
      const TensorMap& k0 = candidate_values.front();
      if (!r0.count(value)) {
        skip(fmt::format("not returned by {}", envs[0]));
        continue;
      }
      if (!k0.count(value)) {
        skip(fmt::format("not returned by {}", envs[1]));
        continue;
      }
      ErrorAccumulator errors(tolerance.of(value));
      std::optional<ShapeMismatch> shapes;
      for (size_t i = 0; i < keys.size(); ++i) {
        const Tensor& r = reference_values[i].at(value);
        const Tensor& k = candidate_values[i].at(value);
        if (!same_shape(r.shape(), k.shape())) {
          if (!shapes) shapes = ShapeMismatch{r.shape(), k.shape(), keys[i]};
          continue;
        }
        errors.add(k.to_doubles(), r.to_doubles());
      }
      result.curve.push_back(
          {position, name, node.op_type, value, "exposure", errors.stats(), shapes});
    }
  }
  for (const auto& entry : candidate_values.front())
    result.candidate_only += produced.count(entry.first) ? 0 : 1;
  detail::find_first_and_neighbours(result, graph);
}

LocalizeResult localize(CompareSide& reference, CompareSide& candidate,
                        const std::vector<InputCase>& cases, const data::ModelCard& card,
                        const LocalizeOptions& options) {
  LocalizeResult result;
  result.compare = compare_sides(reference, candidate, cases, card, options.tolerance);
  result.nodes = reference.model().graph.nodes.size();
  for (CompareSide* side : {&reference, &candidate})
    if (side->failure() && side->failure()->stage == "run" &&
        result.compare.failed_input < cases.size()) {
      result.failure = detail::locate_failure(*side, cases[result.compare.failed_input]);
      break;
    }
  if (result.compare.failed() || result.compare.inputs.empty()) return result;

  detail::LocalizeContext context{reference, candidate, {}, options.tolerance, result};
  for (size_t i : choose_inputs(result.compare, options.max_inputs, &result.inputs_diverge)) {
    result.inputs.push_back(result.compare.inputs[i].key);
    context.cases.push_back(&cases[i]);
  }
  if (options.method != LocalizeMethod::kBisection && localize_by_exposure(context)) return result;
  if (options.method == LocalizeMethod::kExposure) return result;
  detail::localize_by_bisection(context);
  return result;
}

}  // namespace nnd::analysis
