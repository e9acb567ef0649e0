#include "worker/expose.h"

#include <set>

#include "core/error.h"

namespace nnd::worker {

Model expose_values(const Model& model, const std::vector<std::string>& names) {
  Model out = model;
  Graph& g = out.graph;
  std::set<std::string> present;
  for (const ValueInfo& v : g.outputs) present.insert(v.name);
  std::vector<std::string> produced;
  for (const Node& node : g.nodes)
    for (const std::string& name : node.outputs)
      if (!name.empty()) produced.push_back(name);
  std::vector<std::string> wanted = names.empty() ? produced : names;
  std::set<std::string> known(produced.begin(), produced.end());
  for (const std::string& name : wanted) {
    if (!known.count(name))
      fail("{}: no node produces a value named '{}'", model.source_path, name);
    if (!present.insert(name).second) continue;
    const ValueInfo* info = g.find_value_info(name);
    if (!info || !info->dtype) continue;
    g.outputs.push_back(*info);
  }
  return out;
}

}  // namespace nnd::worker
