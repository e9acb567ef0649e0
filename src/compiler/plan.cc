#include "compiler/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "compiler/lower/op_table.h"
#include "core/error.h"
#include "ref/interpreter.h"

namespace nnd::compiler {

namespace {

bool is_default_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

// Runs one node on constant inputs with the reference interpreter.
TensorMap evaluate(const Model& model, const Node& node,
                   const std::map<std::string, Tensor>& constants) {
  Model one;
  one.opsets = model.opsets;
  one.source_path = model.source_path;
  for (const std::string& in : node.inputs)
    if (!in.empty()) one.graph.initializers[in] = constants.at(in);
  one.graph.nodes = {node};
  for (const std::string& out : node.outputs)
    if (!out.empty()) one.graph.outputs.push_back({out, std::nullopt, std::nullopt});
  return ref::Interpreter(one).run({}, true);
}

bool all_inputs_constant(const Node& node, const std::map<std::string, Tensor>& constants) {
  for (const std::string& in : node.inputs)
    if (!in.empty() && !constants.count(in)) return false;
  return true;
}

// Conv followed by BatchNormalization, the Conv's output read by nothing else: the normalization
// becomes the Conv's weights and bias, w' = w * s, b' = (b - mean) * s + beta with
// s = scale / sqrt(var + eps), computed in double.
int fold_batch_norms(std::vector<Node>& nodes, std::map<std::string, Tensor>& constants,
                     const std::set<std::string>& graph_outputs) {
  std::map<std::string, int> readers;
  for (const Node& n : nodes)
    for (const std::string& in : n.inputs) ++readers[in];
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < nodes.size(); ++i)
    for (const std::string& out : nodes[i].outputs) producer[out] = i;
  int folded = 0;
  std::vector<bool> removed(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& bn = nodes[i];
    if (bn.op_type != "BatchNormalization" || bn.inputs.size() < 5) continue;
    auto p = producer.find(bn.inputs[0]);
    if (p == producer.end()) continue;
    Node& conv = nodes[p->second];
    if (conv.op_type != "Conv" || readers[bn.inputs[0]] != 1 || graph_outputs.count(bn.inputs[0]))
      continue;
    bool constant = constants.count(conv.inputs[1]) != 0;
    for (size_t k = 1; k < 5; ++k) constant = constant && constants.count(bn.inputs[k]);
    if (!constant ||
        (conv.inputs.size() > 2 && !conv.inputs[2].empty() && !constants.count(conv.inputs[2])))
      continue;
    const Tensor& w = constants.at(conv.inputs[1]);
    const std::vector<double> scale = constants.at(bn.inputs[1]).to_doubles(),
                              beta = constants.at(bn.inputs[2]).to_doubles(),
                              mean = constants.at(bn.inputs[3]).to_doubles(),
                              var = constants.at(bn.inputs[4]).to_doubles();
    const double eps = bn.attr_float("epsilon", 1e-5f);
    const int64_t m = w.dim(0), per = w.size() / m;
    std::vector<double> wv = w.to_doubles(), bv(static_cast<size_t>(m), 0.0);
    if (conv.inputs.size() > 2 && !conv.inputs[2].empty())
      bv = constants.at(conv.inputs[2]).to_doubles();
    for (int64_t c = 0; c < m; ++c) {
      const double s = scale[c] / std::sqrt(var[c] + eps);
      for (int64_t k = 0; k < per; ++k) wv[c * per + k] *= s;
      bv[c] = (bv[c] - mean[c]) * s + beta[c];
    }
    const std::string wname = bn.outputs[0] + ".folded_weight",
                      bname = bn.outputs[0] + ".folded_bias";
    constants[wname] = Tensor::from_doubles(DType::kFloat32, w.shape(), wv);
    constants[bname] = Tensor::from_doubles(DType::kFloat32, {m}, bv);
    conv.inputs.resize(3);
    conv.inputs[1] = wname;
    conv.inputs[2] = bname;
    conv.outputs = {bn.outputs[0]};
    removed[i] = true;
    ++folded;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(nodes[i]));
  nodes = std::move(kept);
  return folded;
}

}  // namespace

Plan make_plan(const Model& model, const backends::halide::CompileOptions& options) {
  Plan plan;
  plan.opset = model.opset();
  const Graph& graph = model.graph;
  for (const auto& [name, t] : graph.initializers) plan.constants[name] = t;
  std::set<std::string> graph_inputs;
  for (const ValueInfo& in : graph.inputs) {
    if (plan.constants.count(in.name)) continue;  // an initializer's default stands
    if (in.dtype && *in.dtype != DType::kFloat32)
      fail("{}: input '{}' is {}; halide compiles float32 models only", model.source_path, in.name,
           dtype_name(*in.dtype));
    plan.inputs.push_back(in.name);
    graph_inputs.insert(in.name);
  }
  std::set<std::string> graph_outputs;
  for (const ValueInfo& out : graph.outputs) {
    plan.outputs.push_back(out.name);
    graph_outputs.insert(out.name);
  }

  // Constants: Constant nodes always (they compute nothing); with constant_fold every node whose
  // inputs are all constants.
  std::vector<Node> nodes;
  int folded_constants = 0;
  for (const Node& node : graph.nodes) {
    if (!is_default_domain(node.domain))
      fail("{}: halide does not support ops of domain '{}'", node.label(), node.domain);
    const bool fold = node.op_type == "Constant" ||
                      (options.has("constant_fold") && all_inputs_constant(node, plan.constants) &&
                       node.op_type != "Identity");
    bool output_wanted = false;
    for (const std::string& out : node.outputs)
      output_wanted = output_wanted || graph_outputs.count(out);
    if (fold && !output_wanted) {
      for (auto& [name, t] : evaluate(model, node, plan.constants)) plan.constants[name] = t;
      if (node.op_type != "Constant") ++folded_constants;
      continue;
    }
    nodes.push_back(node);
  }
  if (folded_constants > 0)
    plan.steps_applied.push_back(
        fmt::format("constant_fold: {} nodes evaluated", folded_constants));
  if (options.has("fold_bn")) {
    const int folded = fold_batch_norms(nodes, plan.constants, graph_outputs);
    if (folded > 0)
      plan.steps_applied.push_back(
          fmt::format("fold_bn: {} BatchNormalization folded into Conv", folded));
  }

  // Every op must be known before anything is built.
  for (const Node& node : nodes)
    if (!find_op(node.op_type))
      fail("{}: unsupported op for the halide framework: {} (it lowers {})", node.label(),
           node.op_type, op_list());

  std::map<std::string, int> readers;
  for (const Node& n : nodes)
    for (const std::string& in : n.inputs) ++readers[in];

  plan.view_nodes.reserve(nodes.size());
  std::map<std::string, size_t> stage_of;     // value -> index into plan.stages of its producer
  std::map<std::string, std::string> viewed;  // a view's output -> the value it views
  std::vector<std::set<size_t>> reads;        // per stage: the stages it reads from
  std::vector<size_t> last_node;              // per stage: position of its last node
  // The stage that makes a value (through views), if a stage does.
  auto producer = [&](std::string value) -> std::optional<size_t> {
    for (auto v = viewed.find(value); v != viewed.end(); v = viewed.find(value)) value = v->second;
    auto s = stage_of.find(value);
    return s == stage_of.end() ? std::nullopt : std::optional(s->second);
  };
  // Whether stage `from` reads, directly or through others, what stage `to` makes (a search
  // that visits each stage once: DenseNet's stages read every earlier one of their block).
  auto depends = [&](size_t from, size_t to) {
    std::vector<size_t> pending = {from};
    std::set<size_t> seen = {from};
    while (!pending.empty()) {
      const size_t s = pending.back();
      pending.pop_back();
      for (size_t r : reads[s]) {
        if (r == to) return true;
        if (seen.insert(r).second) pending.push_back(r);
      }
    }
    return false;
  };
  for (size_t position = 0; position < nodes.size(); ++position) {
    const Node& node = nodes[position];
    const OpInfo* op = find_op(node.op_type);
    if (op->kind == OpKind::view) {
      plan.view_nodes.push_back(node);
      viewed[node.outputs[0]] = node.inputs[0];
      continue;
    }
    // fuse: an elementwise node joins the stage that produced its first stage-made input, when
    // that value is read by this node alone and is no graph output, and when none of its other
    // inputs comes from a stage that reads the joined one (GLU: Mul(Split's first output,
    // Sigmoid(its second)) joining the Split would make the two stages wait on each other).
    std::optional<size_t> join;
    if (op->kind == OpKind::elementwise && options.has("fuse")) {
      for (size_t i = 0; i < node.inputs.size() && !join; ++i) {
        const std::string& in = node.inputs[i];
        auto s = stage_of.find(in);
        if (s == stage_of.end() || readers[in] != 1 || graph_outputs.count(in)) continue;
        if (plan.stages[s->second].nodes.back().outputs[0] != in) continue;  // chains only
        join = s->second;
      }
      for (const std::string& in : node.inputs)
        if (std::optional<size_t> p = producer(in); join && p && *p != *join && depends(*p, *join))
          join.reset();
    }
    if (!join) {
      plan.stages.push_back({});
      reads.emplace_back();
      last_node.push_back(position);
      join = plan.stages.size() - 1;
    }
    plan.stages[*join].nodes.push_back(node);
    last_node[*join] = position;
    for (const std::string& in : node.inputs)
      if (std::optional<size_t> p = producer(in); p && *p != *join) reads[*join].insert(*p);
    for (const std::string& out : node.outputs)
      if (!out.empty()) stage_of[out] = *join;
  }
  // Stages run once every stage they read has run; among those ready, the one whose last node
  // comes first (the graph's own order where fusion left it possible).
  std::vector<PlannedStage> sorted;
  std::vector<bool> done(plan.stages.size(), false);
  while (sorted.size() < plan.stages.size()) {
    std::optional<size_t> next;
    for (size_t i = 0; i < plan.stages.size(); ++i)
      if (!done[i] && (!next || last_node[i] < last_node[*next]) &&
          std::all_of(reads[i].begin(), reads[i].end(), [&](size_t r) { return done[r]; }))
        next = i;
    NND_CHECK(next.has_value(), "the stages of {} read each other", model.source_path);
    done[*next] = true;
    sorted.push_back(std::move(plan.stages[*next]));
  }
  plan.stages = std::move(sorted);

  for (const Node& v : plan.view_nodes) plan.views[v.outputs[0]] = &v;

  // Each stage's buffer arguments and outputs.
  for (PlannedStage& stage : plan.stages) {
    std::set<std::string> made;
    for (const Node& n : stage.nodes)
      for (const std::string& out : n.outputs)
        if (!out.empty()) made.insert(out);
    for (const Node& n : stage.nodes) {
      const OpInfo* op = find_op(n.op_type);
      for (size_t i = 0; i < n.inputs.size(); ++i) {
        const std::string& in = n.inputs[i];
        if (in.empty() || made.count(in) || op->compile_time(i)) continue;
        if (std::find(stage.inputs.begin(), stage.inputs.end(), in) == stage.inputs.end())
          stage.inputs.push_back(in);
      }
    }
    for (const Node& n : stage.nodes)
      for (const std::string& out : n.outputs) {
        if (out.empty()) continue;
        int inside = 0;
        for (const Node& m : stage.nodes)
          inside += static_cast<int>(std::count(m.inputs.begin(), m.inputs.end(), out));
        if (graph_outputs.count(out) || readers[out] > inside) stage.outputs.push_back(out);
      }
  }
  return plan;
}

}  // namespace nnd::compiler
