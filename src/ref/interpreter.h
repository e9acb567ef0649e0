#pragma once
// The reference interpreter: the oracle every other environment is compared with. It runs the
// graph node by node in topological order, computing in double and rounding to each value's type,
// and can keep every intermediate tensor by value name.
#include <map>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nnd::ref {

using nnd::TensorMap;

bool supports(const Node& node);
// The op types of the model that the interpreter cannot run, sorted and unique.
std::vector<std::string> unsupported_ops(const Model& model);

class Interpreter {
 public:
  // Fails with a UserError naming the model and every unsupported op.
  explicit Interpreter(const Model& model);

  // Runs the graph. Inputs are checked against the graph's declared types and static shapes.
  // With keep_intermediates every value produced by a node is returned; otherwise only the
  // graph outputs.
  TensorMap run(const TensorMap& inputs, bool keep_intermediates = false) const;

  const Model& model() const { return model_; }

 private:
  const Model& model_;
};

}  // namespace nnd::ref
