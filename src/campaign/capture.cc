#include "campaign/capture.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "backends/transforms.h"

namespace nnd::campaign {

namespace {

// At most this many names in a message; the rest are counted.
constexpr size_t kNamesInMessage = 5;

std::string name_list(const std::vector<std::string>& names) {
  std::string text;
  for (size_t i = 0; i < names.size() && i < kNamesInMessage; ++i)
    text += (i ? ", " : "") + names[i];
  if (names.size() > kNamesInMessage)
    text += fmt::format(" and {} more", names.size() - kNamesInMessage);
  return text;
}

}  // namespace

std::set<std::string> produced_values(const Model& model) {
  std::set<std::string> names;
  for (const Node& node : model.graph.nodes)
    for (const std::string& name : node.outputs)
      if (!name.empty()) names.insert(name);
  return names;
}

CaptureValues capture_values(const Model& model, const backends::EnvSpec& env,
                             const std::vector<std::string>& asked) {
  const Model ran = backends::apply_transforms(model, env);
  std::map<std::string, IntermediateValue> by_name;
  std::vector<IntermediateValue> every;
  for (size_t index = 0; index < ran.graph.nodes.size(); ++index) {
    const Node& node = ran.graph.nodes[index];
    for (const std::string& name : node.outputs) {
      if (name.empty()) continue;
      IntermediateValue v{name, node.name, node.op_type, static_cast<int64_t>(index), {}};
      by_name.emplace(name, v);
      every.push_back(std::move(v));
    }
  }
  CaptureValues values;
  if (asked.empty()) {
    values.wanted = std::move(every);
    return values;
  }
  for (const std::string& name : asked) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      values.absent.push_back(name);
      continue;
    }
    values.wanted.push_back(it->second);
  }
  std::stable_sort(values.wanted.begin(), values.wanted.end(),
                   [](const IntermediateValue& a, const IntermediateValue& b) {
                     return a.node_index < b.node_index;
                   });
  for (const IntermediateValue& v : values.wanted) values.expose.push_back(v.name);
  return values;
}

CaptureRecord capture_record(const CaptureValues& values, TensorMap outputs) {
  CaptureRecord capture;
  std::vector<std::string> missing = values.absent;
  for (const IntermediateValue& wanted : values.wanted) {
    auto it = outputs.find(wanted.name);
    if (it == outputs.end()) {
      missing.push_back(wanted.name);
      continue;
    }
    IntermediateValue& v = capture.values.emplace_back(wanted);
    v.value = std::move(it->second);
  }
  if (!missing.empty()) {
    capture.outcome = "incomplete";
    capture.message = fmt::format("{} of {} values not returned: {}", missing.size(),
                                  values.wanted.size() + values.absent.size(), name_list(missing));
  }
  return capture;
}

}  // namespace nnd::campaign
