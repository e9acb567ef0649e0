// Localization by bisection: prefix models cut at one value run on both sides. The cut points of
// the reference graph (analysis/bisect.h) are searched by halving for the first whose value
// diverges; the values between it and the cut before are then probed in order, and the first
// that diverges is the verdict. This finds the node exposure finds whenever a divergence, once
// it appears, reaches the next cut point (true of a changed weight; not always of rounding noise
// that a ReLU or a pooling can hide).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "analysis/bisect.h"
#include "analysis/localize_context.h"

namespace nnd::analysis::detail {

namespace {

class Prober {
 public:
  explicit Prober(LocalizeContext& c) : c_(c) {
    const Graph& graph = c.reference.model().graph;
    for (size_t p = 0; p < graph.nodes.size(); ++p)
      for (const std::string& o : graph.nodes[p].outputs)
        if (!o.empty()) position_[o] = p;
    for (const Node& node : c.candidate.model().graph.nodes)
      candidate_values_.insert(node.outputs.begin(), node.outputs.end());
  }

  // Whether `value` can be probed at all: typed in both models and produced by the candidate.
  bool probeable(const std::string& value) {
    if (!position_.count(value)) return false;  // a graph input
    if (unprobeable_.count(value)) return false;
    const ValueInfo* r = c_.reference.model().graph.find_value_info(value);
    const ValueInfo* k = c_.candidate.model().graph.find_value_info(value);
    if (r && r->dtype && k && k->dtype && candidate_values_.count(value)) return true;
    unprobeable_.insert(value);
    skip(value, candidate_values_.count(value)
                    ? "its type is unknown, so no prefix model can output it"
                    : fmt::format("the candidate model has no value '{}'", value));
    return false;
  }

  // The error of `value` over the cases, or nullopt when a side could not run its prefix (the
  // value is then listed as skipped). Each value is probed once.
  std::optional<ValueError> probe(const std::string& value) {
    if (auto it = done_.find(value); it != done_.end()) return it->second;
    std::optional<ValueError> error = measure(value);
    done_[value] = error;
    if (error) c_.result.curve.push_back(*error);
    return error;
  }

 private:
  std::optional<ValueError> measure(const std::string& value) {
    ++c_.result.probes;
    std::string why;
    if (!c_.reference.load_prefix(prefix_model(c_.reference.model(), value), &why))
      return skip(value, fmt::format("{} refused its prefix model: {}", env(c_.reference), why));
    if (!c_.candidate.load_prefix(prefix_model(c_.candidate.model(), value), &why))
      return skip(value, fmt::format("{} refused its prefix model: {}", env(c_.candidate), why));
    ErrorAccumulator errors(c_.tolerance.of(value));
    std::optional<ShapeMismatch> shapes;
    for (const InputCase* input : c_.cases) {
      std::optional<TensorMap> r = c_.reference.prefix_run(input->inputs, &why);
      if (!r)
        return skip(value, fmt::format("{} failed its prefix model: {}", env(c_.reference), why));
      std::optional<TensorMap> k = c_.candidate.prefix_run(input->inputs, &why);
      if (!k)
        return skip(value, fmt::format("{} failed its prefix model: {}", env(c_.candidate), why));
      const Tensor& rt = r->at(value);
      const Tensor& kt = k->at(value);
      if (!same_shape(rt.shape(), kt.shape())) {
        if (!shapes) shapes = ShapeMismatch{rt.shape(), kt.shape(), input->key};
        continue;
      }
      errors.add(kt.to_doubles(), rt.to_doubles());
    }
    const size_t p = position_.at(value);
    const Node& node = c_.reference.model().graph.nodes[p];
    return ValueError{p,           node_name(node, p), node.op_type, value,
                      "bisection", errors.stats(),     shapes};
  }

  static std::string env(const CompareSide& side) { return side.env_name(); }

  std::nullopt_t skip(const std::string& value, std::string reason) {
    const size_t p = position_.at(value);
    c_.result.skipped.push_back(
        {node_name(c_.reference.model().graph.nodes[p], p), value, std::move(reason)});
    return std::nullopt;
  }

  LocalizeContext& c_;
  std::map<std::string, size_t> position_;
  std::set<std::string> candidate_values_, unprobeable_;
  std::map<std::string, std::optional<ValueError>> done_;
};

const std::string& only_output(const Node& node) {
  for (const std::string& o : node.outputs)
    if (!o.empty()) return o;
  return node.outputs.front();
}

}  // namespace

void localize_by_bisection(LocalizeContext& c) {
  LocalizeResult& result = c.result;
  result.method = "bisection";
  const Graph& graph = c.reference.model().graph;
  Prober prober(c);
  std::vector<size_t> cuts;
  for (size_t p : cut_positions(graph))
    if (prober.probeable(only_output(graph.nodes[p]))) cuts.push_back(p);

  if (!result.inputs_diverge) {
    // Nothing to search for: the cut points give a coarse curve of how far apart the sides are.
    for (size_t p : cuts) prober.probe(only_output(graph.nodes[p]));
  } else {
    // The first cut whose value diverges: lo agrees (-1: the graph inputs), hi diverges or is
    // past the last cut. A cut a side cannot run is dropped and the halving goes on without it.
    std::ptrdiff_t lo = -1, hi = static_cast<std::ptrdiff_t>(cuts.size());
    while (hi - lo > 1) {
      const std::ptrdiff_t mid = lo + (hi - lo) / 2;
      std::optional<ValueError> e = prober.probe(only_output(graph.nodes[cuts[mid]]));
      if (!e) {
        cuts.erase(cuts.begin() + mid);
        --hi;
      } else if (e->diverges()) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    // Then every value between the agreeing cut and the divergent one, in order.
    const size_t begin = lo < 0 ? 0 : cuts[lo] + 1;
    const size_t end =
        hi < static_cast<std::ptrdiff_t>(cuts.size()) ? cuts[hi] : graph.nodes.size();
    bool found = false;
    for (size_t p = begin; p < end && !found; ++p)
      for (const std::string& value : graph.nodes[p].outputs) {
        if (value.empty() || !prober.probeable(value)) continue;
        std::optional<ValueError> e = prober.probe(value);
        if (e && e->diverges()) {
          found = true;
          break;
        }
      }
    std::sort(result.curve.begin(), result.curve.end(),
              [](const ValueError& x, const ValueError& y) { return x.position < y.position; });
    find_first_and_neighbours(result, graph);
    if (result.first) {
      // Probe what feeds the first divergent node and what it feeds, for the neighbours' errors.
      const Node& node = graph.nodes[result.first->position];
      std::set<std::string> writes(node.outputs.begin(), node.outputs.end());
      for (const std::string& input : node.inputs)
        if (!input.empty() && !graph.initializers.count(input) && graph.find_value_info(input) &&
            prober.probeable(input))
          prober.probe(input);
      for (size_t p = result.first->position + 1; p < graph.nodes.size(); ++p)
        for (const std::string& input : graph.nodes[p].inputs)
          if (writes.count(input))
            for (const std::string& value : graph.nodes[p].outputs)
              if (!value.empty() && prober.probeable(value)) prober.probe(value);
    }
  }
  std::sort(result.curve.begin(), result.curve.end(),
            [](const ValueError& x, const ValueError& y) { return x.position < y.position; });
  find_first_and_neighbours(result, graph);
}

}  // namespace nnd::analysis::detail
