#include "compiler/stage_key.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <variant>

#include "compiler/lower/op_table.h"
#include "core/sha256.h"

namespace nnd::compiler {

namespace {

// Constants this small are written out in full: shapes, axes, pads, clip bounds.
constexpr size_t kInlineConstant = 64;

std::string tensor_text(const Tensor& t) {
  return fmt::format("{}[{}]={}", dtype_name(t.dtype()), fmt::join(t.shape(), "x"),
                     sha256_hex(std::string_view(reinterpret_cast<const char*>(t.bytes().data()),
                                                 t.bytes().size())));
}

std::string attribute_text(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, Tensor>)
          return tensor_text(v);
        else if constexpr (std::is_same_v<V, SerializedGraph>)
          return "graph:" + sha256_hex(v.bytes);
        else if constexpr (std::is_same_v<V, float>)
          return fmt::format("{:a}", v);
        else if constexpr (std::is_same_v<V, std::vector<float>>) {
          std::string out;
          for (float f : v) out += fmt::format("{:a},", f);
          return out;
        } else if constexpr (std::is_same_v<V, std::vector<int64_t>> ||
                             std::is_same_v<V, std::vector<std::string>>)
          return fmt::format("{}", fmt::join(v, ","));
        else
          return fmt::format("{}", v);
      },
      value);
}

}  // namespace

std::string stage_spec(const PlannedStage& stage, const Plan& plan, const ShapeOf& shape_of) {
  std::map<std::string, std::string> ref;  // value name -> its place in the stage
  std::string text = fmt::format("opset {}\n", plan.opset);
  for (size_t i = 0; i < stage.inputs.size(); ++i) {
    ref[stage.inputs[i]] = fmt::format("in{}", i);
    text += fmt::format("in{} [{}]\n", i, fmt::join(shape_of(stage.inputs[i]), "x"));
  }
  for (size_t j = 0; j < stage.nodes.size(); ++j) {
    const Node& node = stage.nodes[j];
    const OpInfo* op = find_op(node.op_type);
    text += fmt::format("node {} {}:{}\n", j, node.domain, node.op_type);
    for (const auto& [name, attr] : node.attributes)
      text += fmt::format(" attr {}={}\n", name, attribute_text(attr.value));
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const std::string& in = node.inputs[i];
      std::string where = in.empty() ? "-" : ref.count(in) ? ref.at(in) : "?";
      if (auto c = plan.constants.find(in); c != plan.constants.end())
        if ((op && op->compile_time(i)) ||
            c->second.size() <= static_cast<int64_t>(kInlineConstant))
          where += " const " + tensor_text(c->second);
      text += fmt::format(" input {} {}\n", i, where);
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const std::string& out = node.outputs[k];
      if (out.empty()) continue;
      ref[out] = fmt::format("n{}.{}", j, k);
      const auto at = std::find(stage.outputs.begin(), stage.outputs.end(), out);
      text += fmt::format(" output {} {}\n", k,
                          at == stage.outputs.end() ? -1 : at - stage.outputs.begin());
    }
  }
  return text;
}

const std::string& compiler_digest() {
  static const std::string digest = sha256_file("/proc/self/exe");
  return digest;
}

}  // namespace nnd::compiler
