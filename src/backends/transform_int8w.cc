// +int8w: weights quantized per output channel to int8 and dequantized (quant_math.h).
#include <set>

#include "backends/quant_math.h"
#include "backends/transform_steps.h"
#include "core/error.h"

namespace nnd::backends {

std::optional<WeightSlot> weight_slot(const Node& node, const Graph& graph) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return std::nullopt;
  if (node.inputs.size() < 2) return std::nullopt;
  auto init = graph.initializers.find(node.inputs[1]);
  if (init == graph.initializers.end() || init->second.dtype() != DType::kFloat32)
    return std::nullopt;
  const int64_t rank = init->second.rank();
  if (node.op_type == "Conv" && rank >= 3) return WeightSlot{1, 0};  // [M, C/group, k...]
  if (node.op_type == "Gemm" && rank == 2)  // B is [K, N], or [N, K] with transB
    return WeightSlot{1, node.attr_int("transB", 0) != 0 ? 0 : 1};
  if (node.op_type == "MatMul" && rank == 2) return WeightSlot{1, 1};  // [K, N]
  return std::nullopt;
}

Model quantize_weights_int8(const Model& model) {
  Model out = model;
  std::set<std::string> done;  // a weight shared by two nodes is quantized once
  for (const Node& node : model.graph.nodes) {
    const std::optional<WeightSlot> slot = weight_slot(node, model.graph);
    if (!slot) continue;
    const std::string& name = node.inputs[slot->input];
    if (!done.insert(name).second) continue;
    Tensor& w = out.graph.initializers.at(name);
    w = quant::dequantize_per_channel(quant::quantize_per_channel(w, slot->axis), slot->axis);
  }
  if (done.empty())
    fail("{}: +int8w finds no Conv, Gemm or MatMul with constant float32 weights to quantize",
         model.source_path);
  return out;
}

}  // namespace nnd::backends
