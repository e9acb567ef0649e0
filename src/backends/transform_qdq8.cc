// +qdq8: static int8 quantization in ONNX's QDQ format (see transform_steps.h).
//
// For every Conv, Gemm and MatMul with constant float32 weights:
//   activation in and out  v -> QuantizeLinear(uint8) -> DequantizeLinear -> every consumer of v
//                          (one pair per value; graph outputs stay float)
//   weights W              int8 per-channel initializer -> DequantizeLinear(axis) named W
//   bias B (Conv, Gemm)    int32, scale input_scale * weight_scale[c] -> DequantizeLinear named B
// Original value names stay where they were, so localize can compare the float model with its
// quantized copy value by value; new values are named `v/quantized`, `v/scale`, ...
#include <algorithm>
#include <set>

#include "backends/calibration.h"
#include "backends/quant_math.h"
#include "backends/transform_steps.h"
#include "core/error.h"

namespace nnd::backends {

namespace {

Node make_node(const std::string& op, std::vector<std::string> inputs, std::string output,
               std::optional<int64_t> axis = std::nullopt) {
  Node node;
  node.op_type = op;
  node.name = output + "/" + op;
  node.inputs = std::move(inputs);
  node.outputs = {std::move(output)};
  if (axis) node.attributes["axis"] = Attribute{*axis};
  return node;
}

class QdqBuilder {
 public:
  explicit QdqBuilder(Model& model) : graph_(model.graph) {}

  // QuantizeLinear/DequantizeLinear for activation v; every consumer is rewired afterwards.
  void quantize_activation(const std::string& v, const quant::AffineQuant& q) {
    activation_scales_[v] = q.scale;
    graph_.initializers[v + "/scale"] = Tensor::of<float>({}, {q.scale});
    graph_.initializers[v + "/zero_point"] = Tensor::of<uint8_t>({}, {q.zero_point});
    added_.push_back(
        make_node("QuantizeLinear", {v, v + "/scale", v + "/zero_point"}, v + "/quantized"));
    added_.push_back(make_node("DequantizeLinear",
                               {v + "/quantized", v + "/scale", v + "/zero_point"},
                               v + "/dequantized"));
  }

  // Per-channel int8 weights behind a DequantizeLinear that still produces the name `w`.
  std::vector<float> quantize_weights(const std::string& w, int64_t axis) {
    if (auto it = weight_scales_.find(w); it != weight_scales_.end()) return it->second;
    const quant::ChannelQuant q = quant::quantize_per_channel(graph_.initializers.at(w), axis);
    const auto channels = static_cast<int64_t>(q.scales.size());
    graph_.initializers.erase(w);
    graph_.initializers[w + "/quantized"] = q.q;
    graph_.initializers[w + "/scale"] = Tensor::of<float>({channels}, q.scales);
    graph_.initializers[w + "/zero_point"] = Tensor(DType::kInt8, {channels});
    added_.push_back(make_node("DequantizeLinear",
                               {w + "/quantized", w + "/scale", w + "/zero_point"}, w, axis));
    weight_scales_[w] = q.scales;
    return q.scales;
  }

  // An int32 bias behind a DequantizeLinear named `b`, when b is a constant float32 vector with
  // one value per output channel and the node's input is quantized.
  void quantize_bias(const std::string& b, const std::string& input,
                     const std::vector<float>& weight_scales) {
    auto init = graph_.initializers.find(b);
    auto in_scale = activation_scales_.find(input);
    if (init == graph_.initializers.end() || in_scale == activation_scales_.end() ||
        init->second.dtype() != DType::kFloat32 || init->second.rank() != 1 ||
        init->second.size() != static_cast<int64_t>(weight_scales.size()) ||
        !biases_.insert(b).second)
      return;
    const quant::BiasQuant q = quant::quantize_bias(init->second, in_scale->second, weight_scales);
    const auto channels = static_cast<int64_t>(q.scales.size());
    graph_.initializers.erase(init);
    graph_.initializers[b + "/quantized"] = q.q;
    graph_.initializers[b + "/scale"] = Tensor::of<float>({channels}, q.scales);
    graph_.initializers[b + "/zero_point"] = Tensor(DType::kInt32, {channels});
    added_.push_back(
        make_node("DequantizeLinear", {b + "/quantized", b + "/scale", b + "/zero_point"}, b, 0));
  }

  // Rewires every consumer of a quantized activation to its dequantized copy, adds the new nodes
  // and restores a topological order.
  void finish() {
    for (Node& node : graph_.nodes)
      for (std::string& in : node.inputs)
        if (activation_scales_.count(in)) in += "/dequantized";
    for (Node& node : added_) graph_.nodes.push_back(std::move(node));
    sort_topologically(graph_);
  }

 private:
  Graph& graph_;
  std::vector<Node> added_;
  std::map<std::string, float> activation_scales_;
  std::map<std::string, std::vector<float>> weight_scales_;
  std::set<std::string> biases_;
};

}  // namespace

Model quantize_static_qdq8(const Model& model, const CalibrationOptions& options) {
  const Graph& graph = model.graph;
  std::set<std::string> graph_outputs;
  for (const ValueInfo& v : graph.outputs) graph_outputs.insert(v.name);
  std::vector<const Node*> targets;
  std::vector<std::string> activations;
  auto add_activation = [&](const std::string& v) {
    if (v.empty() || graph.initializers.count(v) || graph_outputs.count(v)) return;
    if (std::find(activations.begin(), activations.end(), v) == activations.end())
      activations.push_back(v);
  };
  for (const Node& node : graph.nodes)
    if (weight_slot(node, graph)) {
      targets.push_back(&node);
      add_activation(node.inputs[0]);
      add_activation(node.outputs[0]);
    }
  if (targets.empty())
    fail("{}: +qdq8 finds no Conv, Gemm or MatMul with constant float32 weights to quantize",
         model.source_path);
  if (model.opset() < 13)
    fail(
        "{}: +qdq8 needs opset 13 or later for per-channel DequantizeLinear (the model has "
        "opset {}; put +opset13 before it)",
        model.source_path, model.opset());

  const ValueRanges ranges = calibrate(model, activations, options);
  Model out = model;
  QdqBuilder builder(out);
  for (const std::string& v : activations) {
    const auto& [lo, hi] = ranges.at(v);
    builder.quantize_activation(v, quant::affine_uint8(lo, hi));
  }
  for (const Node* node : targets) {
    const WeightSlot slot = *weight_slot(*node, graph);
    const std::vector<float> scales = builder.quantize_weights(node->inputs[slot.input], slot.axis);
    if (node->op_type != "MatMul" && node->inputs.size() > 2)
      builder.quantize_bias(node->inputs[2], node->inputs[0], scales);
  }
  builder.finish();
  return out;
}

}  // namespace nnd::backends
