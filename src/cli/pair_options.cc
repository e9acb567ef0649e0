#include "cli/pair_options.h"

#include <set>

#include "core/error.h"

namespace nnd::cli {

analysis::Tolerances parse_tolerances(const std::vector<std::string>& atol,
                                      const std::vector<std::string>& rtol) {
  return analysis::Tolerances::parse(atol, rtol);
}

void check_tolerance_names(const analysis::Tolerances& tolerances, const Model& model,
                           const std::string& model_path) {
  std::set<std::string> values;
  for (const ValueInfo& out : model.graph.outputs) values.insert(out.name);
  for (const Node& node : model.graph.nodes)
    values.insert(node.outputs.begin(), node.outputs.end());
  for (const auto* per_output : {&tolerances.atol, &tolerances.rtol})
    for (const auto& [name, value] : *per_output)
      if (!values.count(name))
        fail("--{} {}:{:g}: {} has no output or value named '{}'",
             per_output == &tolerances.atol ? "atol" : "rtol", name, value, model_path, name);
}

}  // namespace nnd::cli
