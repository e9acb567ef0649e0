// Localizing a run-time failure: the side that loads the model but fails on an input runs
// prefix models (analysis/bisect.h) on that input. The cut points are halved down to the first
// whose prefix fails; then the values between the last cut that runs and it are tried in order.
// The first prefix that fails ends at the failing node: every node it needs before that ran in
// an earlier prefix.
#include <fmt/format.h>

#include <map>

#include "analysis/bisect.h"
#include "analysis/localize_context.h"

namespace nnd::analysis::detail {

namespace {

enum class Outcome { kRuns, kFails, kUnknown };

class FailureProber {
 public:
  FailureProber(CompareSide& side, const InputCase& input, FailureLocation& where)
      : side_(side), input_(input), where_(where) {}

  bool probeable(const Node& node) const {
    for (const std::string& o : node.outputs) {
      if (o.empty()) continue;
      const ValueInfo* info = side_.model().graph.find_value_info(o);
      return info && info->dtype;
    }
    return false;
  }

  Outcome probe(size_t position) {
    const Graph& graph = side_.model().graph;
    const Node& node = graph.nodes[position];
    std::string value;
    for (const std::string& o : node.outputs)
      if (!o.empty()) {
        value = o;
        break;
      }
    ++where_.probes;
    std::string why;
    if (!side_.load_prefix(prefix_model(side_.model(), value), &why)) return Outcome::kUnknown;
    if (side_.prefix_run(input_.inputs, &why)) {
      ran_[position] = value;
      return Outcome::kRuns;
    }
    if (!where_.found || position < where_.position) {
      where_.found = true;
      where_.position = position;
      where_.node = node_name(node, position);
      where_.op = node.op_type;
      where_.value = value;
      where_.message = why;
    }
    return Outcome::kFails;
  }

  // The last node before the failing one (or the last of all) whose prefix ran.
  void note_last_ok() {
    auto it = where_.found ? ran_.lower_bound(where_.position) : ran_.end();
    if (it == ran_.begin()) return;
    --it;
    where_.last_ok_node = node_name(side_.model().graph.nodes[it->first], it->first);
    where_.last_ok_value = it->second;
  }

 private:
  CompareSide& side_;
  const InputCase& input_;
  FailureLocation& where_;
  std::map<size_t, std::string> ran_;  // positions whose prefix ran, and their value
};

}  // namespace

FailureLocation locate_failure(CompareSide& side, const InputCase& input) {
  FailureLocation where;
  where.env = side.env_name();
  where.input = input.key;
  const Graph& graph = side.model().graph;
  FailureProber prober(side, input, where);
  std::vector<size_t> cuts;
  for (size_t p : cut_positions(graph))
    if (prober.probeable(graph.nodes[p])) cuts.push_back(p);
  // lo runs (-1: the graph inputs), hi fails (cuts.size(): the whole model).
  std::ptrdiff_t lo = -1, hi = static_cast<std::ptrdiff_t>(cuts.size());
  while (hi - lo > 1) {
    const std::ptrdiff_t mid = lo + (hi - lo) / 2;
    const Outcome o = prober.probe(cuts[mid]);
    if (o == Outcome::kUnknown) {
      cuts.erase(cuts.begin() + mid);
      --hi;
    } else if (o == Outcome::kFails) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  const size_t begin = lo < 0 ? 0 : cuts[lo] + 1;
  const size_t end = hi < static_cast<std::ptrdiff_t>(cuts.size()) ? cuts[hi] : graph.nodes.size();
  for (size_t p = begin; p < end; ++p)
    if (prober.probeable(graph.nodes[p]) && prober.probe(p) == Outcome::kFails) break;
  // A failing node found between the cuts is earlier than the failing cut; otherwise the cut's
  // own node (already probed) is where it fails.
  prober.note_last_ok();
  return where;
}

}  // namespace nnd::analysis::detail
