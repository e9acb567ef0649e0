#include "analysis/reproducer.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "analysis/bisect.h"
#include "analysis/compare_text.h"
#include "core/error.h"
#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"

namespace nnd::analysis {

namespace fs = std::filesystem;

namespace {

// The nodes of `model` that produce any of `values`, as a model of its own: what they read from
// outside becomes a graph input (typed as the model types it), every value they produce an
// output. Nullopt when an outside value has no known type.
std::optional<Model> subgraph(const Model& model, const std::set<std::string>& values,
                              std::vector<std::string>* external, std::vector<std::string>* names) {
  const Graph& g = model.graph;
  Model out = model;
  Graph& s = out.graph;
  s.nodes.clear();
  s.inputs.clear();
  s.outputs.clear();
  s.initializers.clear();
  s.value_info.clear();
  std::set<std::string> produced;
  for (size_t p = 0; p < g.nodes.size(); ++p) {
    const Node& node = g.nodes[p];
    if (std::none_of(node.outputs.begin(), node.outputs.end(),
                     [&](const std::string& o) { return values.count(o) != 0; }))
      continue;
    s.nodes.push_back(node);
    if (names) names->push_back(node.name.empty() ? fmt::format("#{}", p) : node.name);
    for (const std::string& o : node.outputs)
      if (!o.empty()) produced.insert(o);
  }
  external->clear();
  for (const Node& node : s.nodes)
    for (const std::string& in : node.inputs) {
      if (in.empty() || produced.count(in)) continue;
      if (auto it = g.initializers.find(in); it != g.initializers.end()) {
        s.initializers.emplace(in, it->second);
        continue;
      }
      if (std::find(external->begin(), external->end(), in) != external->end()) continue;
      const ValueInfo* info = g.find_value_info(in);
      if (!info || !info->dtype) return std::nullopt;
      external->push_back(in);
      s.inputs.push_back(*info);
    }
  for (const Node& node : s.nodes)
    for (const std::string& o : node.outputs) {
      if (o.empty()) continue;
      const ValueInfo* info = g.find_value_info(o);
      if (!info || !info->dtype) return std::nullopt;
      s.outputs.push_back(*info);
    }
  return out;
}

// The reference side's tensor of every value in `names` on the input: exposure when the side
// can, else one prefix model per value. Each is cast to the type `subgraph` declares for it: a
// side that computes in another precision (ref's float64 oracle) returns float64 values, and the
// reproducer's inputs must be what its model.onnx reads, on both sides.
std::optional<TensorMap> captured(CompareSide& side, const InputCase& input,
                                  const std::vector<std::string>& names, const Model& subgraph) {
  TensorMap out;
  std::optional<TensorMap> all = side.values(input.inputs);
  auto add = [&](const std::string& name, const Tensor& tensor) {
    const ValueInfo* info = subgraph.graph.find_value_info(name);
    const bool cast = info && info->dtype && *info->dtype != tensor.dtype();
    out.emplace(name, cast ? tensor.cast(*info->dtype) : tensor);
  };
  for (const std::string& name : names) {
    if (auto it = input.inputs.find(name); it != input.inputs.end()) {
      add(name, it->second);
      continue;
    }
    if (all && all->count(name)) {
      add(name, all->at(name));
      continue;
    }
    std::string why;
    if (!side.load_prefix(prefix_model(side.model(), name), &why)) return std::nullopt;
    std::optional<TensorMap> one = side.prefix_run(input.inputs, &why);
    if (!one) return std::nullopt;
    add(name, one->at(name));
  }
  return out;
}

std::string file_name(const std::string& value) {
  std::string name = value;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c) && c != '.' && c != '-'; },
      '_');
  return name + ".pb";
}

void write_tensors(const TensorMap& tensors, const fs::path& dir, const char* prefix) {
  fs::create_directories(dir);
  for (const auto& [name, tensor] : tensors)
    onnx_io::save_tensor_file(tensor, name, (dir / (prefix + file_name(name))).string());
}

std::string tolerance_args(const Tolerances& t) {
  std::string args = fmt::format("--atol {:g} --rtol {:g}", t.base.atol, t.base.rtol);
  for (const auto& [name, v] : t.atol) args += fmt::format(" --atol {}:{:g}", name, v);
  for (const auto& [name, v] : t.rtol) args += fmt::format(" --rtol {}:{:g}", name, v);
  return args;
}

}  // namespace

std::optional<Reproducer> write_reproducer(const LocalizeResult& result, CompareSide& reference,
                                           CompareSide& candidate, const InputCase& input,
                                           const Tolerances& tolerances, const std::string& dir) {
  if (!result.first) return std::nullopt;
  const Graph& g = reference.model().graph;
  const bool two_models = reference.model().source_path != candidate.model().source_path;
  std::set<std::string> values(g.nodes[result.first->position].outputs.begin(),
                               g.nodes[result.first->position].outputs.end());
  Reproducer r;
  r.dir = dir;
  std::optional<Model> sub_a, sub_b;
  std::unique_ptr<CompareSide> side_a, side_b;  // the last subgraph tried, on each side
  TensorMap feed;
  for (int round = 0; round < 4; ++round) {
    std::vector<std::string> external, external_b, names;
    std::optional<Model> a = subgraph(reference.model(), values, &external, &names);
    std::optional<Model> b =
        two_models ? subgraph(candidate.model(), values, &external_b, nullptr) : a;
    if (!a || !b) break;
    std::optional<TensorMap> inputs = captured(reference, input, external, *a);
    if (!inputs) break;
    sub_a = a;
    sub_b = b;
    feed = *inputs;
    r.nodes = names;
    a->source_path = (fs::path(dir) / "model.onnx").string();
    b->source_path = (fs::path(dir) / (two_models ? "model_b.onnx" : "model.onnx")).string();
    // Kept for the output files once the loop ends (a worker start costs about a second).
    side_a = std::make_unique<CompareSide>(*a, reference.env());
    side_b = std::make_unique<CompareSide>(*b, candidate.env());
    std::vector<InputCase> cases = {{"pb:" + (fs::path(dir) / "inputs").string(), feed}};
    CompareResult c = compare_sides(*side_a, *side_b, cases,
                                    data::card_from_model(*a, a->source_path), tolerances);
    r.verdict = verdict_line(c);
    r.diverges = c.diverges();
    if (r.diverges) break;
    // Grow by one ring of neighbours: the nodes producing what it reads, and those reading what
    // it produces.
    std::set<std::string> grown = values;
    for (const Node& node : g.nodes) {
      const bool inside = std::any_of(node.outputs.begin(), node.outputs.end(),
                                      [&](const std::string& o) { return values.count(o) != 0; });
      const bool reads = std::any_of(node.inputs.begin(), node.inputs.end(),
                                     [&](const std::string& i) { return values.count(i) != 0; });
      const bool feeds = std::any_of(node.outputs.begin(), node.outputs.end(), [&](auto& o) {
        return std::find(external.begin(), external.end(), o) != external.end();
      });
      if (!inside && (reads || feeds)) grown.insert(node.outputs.begin(), node.outputs.end());
    }
    grown.erase("");
    if (grown == values) break;
    values = grown;
  }
  if (!sub_a)
    fail("{}: cannot cut a subgraph around the first divergent node (untyped values)", dir);
  fs::create_directories(dir);
  onnx_io::save_model(*sub_a, (fs::path(dir) / "model.onnx").string());
  if (two_models) onnx_io::save_model(*sub_b, (fs::path(dir) / "model_b.onnx").string());
  write_tensors(feed, fs::path(dir) / "inputs", "input_");
  if (std::optional<TensorMap> out = side_a->run(feed))
    write_tensors(*out, fs::path(dir) / "reference", "output_");
  if (std::optional<TensorMap> out = side_b->run(feed))
    write_tensors(*out, fs::path(dir) / "candidate", "output_");
  r.command =
      fmt::format("nndelta compare --model {}{} --env {} --env {} --dataset pb:{} {}",
                  (fs::path(dir) / "model.onnx").string(),
                  two_models ? " --model-b " + (fs::path(dir) / "model_b.onnx").string() : "",
                  reference.env_name(), candidate.env_name(), (fs::path(dir) / "inputs").string(),
                  tolerance_args(tolerances));
  std::ofstream(fs::path(dir) / "command.txt") << r.command << "\n";
  return r;
}

}  // namespace nnd::analysis
