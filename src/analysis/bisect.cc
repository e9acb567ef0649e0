#include "analysis/bisect.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"

namespace nnd::analysis {

Model prefix_model(const Model& model, const std::string& value) {
  const Graph& g = model.graph;
  std::set<std::string> needed = {value};
  std::vector<bool> keep(g.nodes.size(), false);
  bool produced = false;
  for (size_t i = g.nodes.size(); i-- > 0;) {
    const Node& node = g.nodes[i];
    if (std::none_of(node.outputs.begin(), node.outputs.end(),
                     [&](const std::string& o) { return needed.count(o) != 0; }))
      continue;
    produced |= std::find(node.outputs.begin(), node.outputs.end(), value) != node.outputs.end();
    keep[i] = true;
    for (const std::string& input : node.inputs)
      if (!input.empty()) needed.insert(input);
  }
  if (!produced) fail("{}: no node produces a value named '{}'", model.source_path, value);
  const ValueInfo* info = g.find_value_info(value);
  if (!info || !info->dtype)
    fail("{}: the type of value '{}' is not known, so no model can output it", model.source_path,
         value);

  Model out = model;
  Graph& p = out.graph;
  p.nodes.clear();
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (keep[i]) p.nodes.push_back(g.nodes[i]);
  p.initializers.clear();
  for (const auto& [name, tensor] : g.initializers)
    if (needed.count(name)) p.initializers.emplace(name, tensor);
  p.value_info.clear();
  for (const auto& [name, vi] : g.value_info)
    if (needed.count(name) && name != value) p.value_info.emplace(name, vi);
  p.outputs = {*info};
  return out;
}

std::vector<size_t> cut_positions(const Graph& graph) {
  const size_t n = graph.nodes.size();
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < n; ++i)
    for (const std::string& o : graph.nodes[i].outputs)
      if (!o.empty()) producer[o] = i;
  // last_use[q]: the last position that reads an output of node q (n for a graph output).
  std::vector<size_t> last_use(n, 0);
  for (size_t i = 0; i < n; ++i)
    for (const std::string& input : graph.nodes[i].inputs)
      if (auto it = producer.find(input); it != producer.end())
        last_use[it->second] = std::max(last_use[it->second], i);
  for (const ValueInfo& output : graph.outputs)
    if (auto it = producer.find(output.name); it != producer.end()) last_use[it->second] = n;

  // Nodes that read no graph input, directly or not (Constant, shape arithmetic on initializers),
  // compute the same on every input and carry no divergence: they neither cut nor block a cut.
  std::set<std::string> varying;
  for (const ValueInfo& input : graph.inputs) varying.insert(input.name);
  std::vector<bool> depends(n, false);
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph.nodes[i];
    depends[i] = std::any_of(node.inputs.begin(), node.inputs.end(),
                             [&](const std::string& in) { return varying.count(in) != 0; });
    if (depends[i]) varying.insert(node.outputs.begin(), node.outputs.end());
  }

  std::vector<size_t> cuts;
  size_t reach = 0;  // max last_use over the input-dependent nodes before p
  for (size_t p = 0; p < n; ++p) {
    if (!depends[p]) continue;
    const Node& node = graph.nodes[p];
    const size_t outputs = std::count_if(node.outputs.begin(), node.outputs.end(),
                                         [](const std::string& o) { return !o.empty(); });
    if (reach <= p && outputs == 1) cuts.push_back(p);
    reach = std::max(reach, last_use[p]);
  }
  return cuts;
}

}  // namespace nnd::analysis
