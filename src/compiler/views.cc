#include "compiler/views.h"

#include <algorithm>

#include "core/error.h"

namespace nnd::compiler {

namespace {

std::vector<int64_t> constant_ints(const Node& node, size_t i,
                                   const std::map<std::string, Tensor>& constants) {
  auto it = constants.find(node.inputs[i]);
  if (it == constants.end())
    fail("{}: halide needs input {} ('{}') to be a constant", node.label(), i, node.inputs[i]);
  return it->second.to_int64s();
}

std::vector<int64_t> axes_of(const Node& node, const std::map<std::string, Tensor>& constants,
                             int64_t opset) {
  if (opset >= 13 && node.inputs.size() > 1 && !node.inputs[1].empty())
    return constant_ints(node, 1, constants);
  return node.attr_ints("axes", std::vector<int64_t>{});
}

int64_t wrap(const Node& node, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    fail("{}: axis {} is out of range for rank {}", node.label(), axis, rank);
  return axis < 0 ? axis + rank : axis;
}

}  // namespace

Shape view_shape(const Node& node, const Shape& in, const std::map<std::string, Tensor>& constants,
                 int64_t opset) {
  const std::string& op = node.op_type;
  const int64_t count = element_count(in);
  if (op == "Identity") return in;
  if (op == "Dropout") {
    if (node.outputs.size() > 1 && !node.outputs[1].empty())
      fail("{}: halide does not support Dropout's mask output", node.label());
    return in;
  }
  if (op == "Flatten") {
    // Flatten's axis lies in [-rank, rank]: a negative one counts from rank, not rank + 1.
    const int64_t rank = static_cast<int64_t>(in.size());
    int64_t axis = node.attr_int("axis", 1);
    if (axis < -rank || axis > rank)
      fail("{}: axis {} is out of range for rank {}", node.label(), axis, rank);
    if (axis < 0) axis += rank;
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= in[i];
    return {outer, outer == 0 ? 0 : count / outer};
  }
  if (op == "Reshape") {
    std::vector<int64_t> target = constant_ints(node, 1, constants);
    const bool allow_zero = node.attr_int("allowzero", 0) != 0;
    Shape out;
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < target.size(); ++i) {
      int64_t d = target[i];
      if (d == 0 && !allow_zero) {
        if (i >= in.size()) fail("{}: shape copies axis {} the input lacks", node.label(), i);
        d = in[i];
      }
      if (d == -1) {
        if (infer >= 0) fail("{}: the shape has two -1 dims", node.label());
        infer = static_cast<int64_t>(i);
        out.push_back(1);
        continue;
      }
      if (d < 0) fail("{}: the shape has dim {}", node.label(), d);
      known *= d;
      out.push_back(d);
    }
    if (infer >= 0) out[infer] = known == 0 ? 0 : count / known;
    if (element_count(out) != count)
      fail("{}: cannot reshape {} into {}", node.label(), shape_string(in), shape_string(out));
    return out;
  }
  if (op == "Squeeze") {
    std::vector<int64_t> axes = axes_of(node, constants, opset);
    const int64_t rank = static_cast<int64_t>(in.size());
    for (int64_t& a : axes) a = wrap(node, a, rank);
    Shape out;
    for (int64_t i = 0; i < rank; ++i) {
      const bool listed = std::find(axes.begin(), axes.end(), i) != axes.end();
      if (listed && in[i] != 1) fail("{}: axis {} has size {}, not 1", node.label(), i, in[i]);
      if (!(listed || (axes.empty() && in[i] == 1))) out.push_back(in[i]);
    }
    return out;
  }
  if (op == "Unsqueeze") {
    std::vector<int64_t> axes = axes_of(node, constants, opset);
    const int64_t rank = static_cast<int64_t>(in.size() + axes.size());
    for (int64_t& a : axes) a = wrap(node, a, rank);
    Shape out;
    size_t next = 0;
    for (int64_t i = 0; i < rank; ++i)
      out.push_back(std::find(axes.begin(), axes.end(), i) != axes.end() ? 1 : in.at(next++));
    return out;
  }
  NND_CHECK(false, "{} is not a view", node.label());
}

}  // namespace nnd::compiler
