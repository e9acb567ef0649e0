#pragma once
// Small models for the detection and localization tests (issue 14), built in code and written
// to temporary files (loading them back runs libonnx's shape inference, which types every value
// as a model from elsewhere would be).
#include <string>

#include "test_models.h"

namespace nnd::testing {

inline Node node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                 std::vector<std::string> outputs) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  return n;
}

inline Model bare_model(const std::string& name) {
  Model m;
  m.opsets = {{"", 13}};
  m.producer_name = "nndelta-tests";
  m.graph.name = name;
  return m;
}

inline std::string saved(const Model& model, const std::string& file) {
  const std::string path = temp_path(file);
  onnx_io::save_model(model, path);
  return path;
}

// x[1,2,4,4] -> MaxPool 2x2 stride 2 ("pool", pads `pad`) -> GlobalAveragePool ("gap") ->
// Flatten ("flat") -> y[1,2]. With pad 1 the pooled map is 3x3 instead of 2x2, as when a
// framework ignores a pooling attribute; the global pooling makes the shapes agree again.
inline Model pool_model(int64_t pad, bool pooled_output = false) {
  Model m = bare_model("pool");
  Graph& g = m.graph;
  g.inputs = {float_value("x", {1, 2, 4, 4})};
  const int64_t side = pad ? 3 : 2;
  Node pool = node("pool", "MaxPool", {"x"}, {"p"});
  pool.attributes["kernel_shape"] = Attribute{std::vector<int64_t>{2, 2}};
  pool.attributes["strides"] = Attribute{std::vector<int64_t>{2, 2}};
  pool.attributes["pads"] = Attribute{std::vector<int64_t>{pad, pad, pad, pad}};
  if (pooled_output) {
    g.outputs = {float_value("p", {1, 2, side, side})};
    g.nodes = {pool};
    return m;
  }
  g.outputs = {float_value("y", {1, 2})};
  g.nodes = {pool, node("gap", "GlobalAveragePool", {"p"}, {"g"}),
             node("flat", "Flatten", {"g"}, {"y"})};
  return m;
}

// x[1,2,8,8] -> MaxPool 2x2, stride 2, dilations 2 ("pool") -> p[1,2,3,3] -> GlobalAveragePool
// -> Flatten -> y[1,2]. OpenCV 4.6 ignores the dilations and makes a 4x4 map.
inline Model dilated_pool_model() {
  Model m = bare_model("dilated");
  Graph& g = m.graph;
  g.inputs = {float_value("x", {1, 2, 8, 8})};
  g.outputs = {float_value("y", {1, 2})};
  Node pool = node("pool", "MaxPool", {"x"}, {"p"});
  pool.attributes["kernel_shape"] = Attribute{std::vector<int64_t>{2, 2}};
  pool.attributes["strides"] = Attribute{std::vector<int64_t>{2, 2}};
  pool.attributes["dilations"] = Attribute{std::vector<int64_t>{2, 2}};
  g.nodes = {pool, node("gap", "GlobalAveragePool", {"p"}, {"g"}),
             node("flat", "Flatten", {"g"}, {"y"})};
  return m;
}

// a[1,3], b[1,3] -> s = a + b, m = a * b * `scale` (a Mul by a constant, "scale").
inline Model two_in_two_out(float scale) {
  Model m = bare_model("two");
  Graph& g = m.graph;
  g.inputs = {float_value("a", {1, 3}), float_value("b", {1, 3})};
  g.outputs = {float_value("s", {1, 3}), float_value("m", {1, 3})};
  g.initializers["k"] = Tensor::of<float>({1}, {scale});
  g.nodes = {node("add", "Add", {"a", "b"}, {"s"}), node("mul", "Mul", {"a", "b"}, {"ab"}),
             node("scale", "Mul", {"ab", "k"}, {"m"})};
  return m;
}

// x[1,4] -> Relu ("relu") -> Gather columns `index` and 0 on axis 1 ("gather") -> Sigmoid
// ("sigmoid") -> y[1,2]. An index past 3 passes shape inference and fails at run time.
inline Model gather_model(int64_t index) {
  Model m = bare_model("gather");
  Graph& g = m.graph;
  g.inputs = {float_value("x", {1, 4})};
  g.outputs = {float_value("y", {1, 2})};
  g.initializers["idx"] = Tensor::of<int64_t>({2}, {index, 0});
  Node gather = node("gather", "Gather", {"r", "idx"}, {"g"});
  gather.attributes["axis"] = Attribute{int64_t{1}};
  g.nodes = {node("relu", "Relu", {"x"}, {"r"}), gather, node("sigmoid", "Sigmoid", {"g"}, {"y"})};
  return m;
}

// x[1,4] -> Add 1e8 ("up") -> Sub 1e8 ("down") -> y: exact in float64, but float32 rounds
// x + 1e8 to a multiple of 8, so a float32 implementation is off by up to 4.
inline Model cancellation_model() {
  Model m = bare_model("cancel");
  Graph& g = m.graph;
  g.inputs = {float_value("x", {1, 4})};
  g.outputs = {float_value("y", {1, 4})};
  g.initializers["big"] = Tensor::of<float>({1}, {1e8f});
  g.nodes = {node("up", "Add", {"x", "big"}, {"u"}), node("down", "Sub", {"u", "big"}, {"y"})};
  return m;
}

}  // namespace nnd::testing
