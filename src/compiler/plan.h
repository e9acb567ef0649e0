#pragma once
// From an ONNX model to the stages the compiler builds: the graph steps of the level (constant
// folding, BatchNormalization folded into Conv), views for the reshaping ops, and the grouping of
// nodes into stages (one per node, or with `fuse` a producer and its elementwise epilogues).
#include <map>
#include <string>
#include <vector>

#include "backends/halide/halide_options.h"
#include "core/graph.h"

namespace nnd::compiler {

struct PlannedStage {
  std::vector<Node> nodes;           // the first computes, the rest are fused epilogues
  std::vector<std::string> inputs;   // buffer arguments: graph inputs, weights, other stages'
  std::vector<std::string> outputs;  // values read outside the stage, or graph outputs
};

struct Plan {
  std::map<std::string, Tensor> constants;   // initializers, Constant nodes, folded values
  std::map<std::string, const Node*> views;  // value -> the view node making it
  std::vector<Node> view_nodes;
  std::vector<PlannedStage> stages;          // in an order that runs
  std::vector<std::string> inputs, outputs;  // the graph's
  int64_t opset = 0;
  std::vector<std::string> steps_applied;  // e.g. "fold_bn: 3 BatchNormalization folded"
};

// A node whose op halide lacks, or that it cannot lower as given, is a UserError naming it.
Plan make_plan(const Model& model, const backends::halide::CompileOptions& options);

}  // namespace nnd::compiler
