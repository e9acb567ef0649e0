#include "compiler/stage_build.h"

#include <fmt/format.h>

#include <map>

#include "compiler/lower/op_table.h"
#include "core/error.h"

namespace nnd::compiler {

BuiltStage build_stage(const PlannedStage& stage, const Plan& plan, const ShapeOf& shape_of,
                       const CompileOptions& options) {
  BuiltStage built;
  std::map<std::string, Value> values;
  for (size_t i = 0; i < stage.inputs.size(); ++i) {
    const Shape shape = shape_of(stage.inputs[i]);
    Halide::ImageParam param(Halide::Float(32), static_cast<int>(shape.size()),
                             fmt::format("in{}", i));
    constrain(param, shape);
    built.params.push_back(param);
    values[stage.inputs[i]] = {Func(param), shape};
  }
  for (size_t j = 0; j < stage.nodes.size(); ++j) {
    const Node& node = stage.nodes[j];
    const OpInfo* op = find_op(node.op_type);
    LowerContext ctx{node, {}, {}, options, plan.opset, fmt::format("n{}", j)};
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const std::string& in = node.inputs[i];
      auto c = plan.constants.find(in);
      ctx.constant_inputs.push_back(in.empty() || c == plan.constants.end() ? nullptr : &c->second);
      auto v = values.find(in);
      if (in.empty() || op->compile_time(i) || v == values.end())
        ctx.inputs.push_back(std::nullopt);
      else
        ctx.inputs.push_back(v->second);
    }
    Lowered lowered = op->lower(ctx);
    NND_CHECK(lowered.outputs.size() <= node.outputs.size(), "{} lowered to {} outputs",
              node.label(), lowered.outputs.size());
    for (size_t k = 0; k < lowered.outputs.size(); ++k) {
      if (node.outputs[k].empty()) continue;
      values[node.outputs[k]] = lowered.outputs[k];
      built.node_output_names.push_back(node.outputs[k]);
      built.node_output_shapes.push_back(lowered.outputs[k].shape);
    }
    for (Internal& in : lowered.internals) built.internals.push_back(in);
    built.families.push_back(lowered.family);
  }
  for (const std::string& out : stage.outputs) {
    Value v = values.at(out);
    constrain(v.func.output_buffer(), v.shape);
    built.outputs.push_back(v);
  }
  for (const std::string& name : built.node_output_names)
    if (std::find(stage.outputs.begin(), stage.outputs.end(), name) == stage.outputs.end())
      built.fused.push_back(values.at(name));
  return built;
}

}  // namespace nnd::compiler
