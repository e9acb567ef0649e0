#pragma once
// Small models built in code for tests, and helpers to write them to temporary files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/graph.h"
#include "onnx/model_io.h"

namespace nnd::testing {

inline std::string temp_path(const std::string& name) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "nndelta-tests";
  std::filesystem::create_directories(dir);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string prefix = info ? std::string(info->test_suite_name()) + "." + info->name() + "." : "";
  return (dir / (prefix + name)).string();
}

inline std::string write_file(const std::string& name, const std::string& bytes) {
  std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

inline ValueInfo float_value(const std::string& name, const Shape& shape) {
  std::vector<Dim> dims;
  for (int64_t d : shape) dims.push_back({d, ""});
  return {name, DType::kFloat32, dims};
}

// x[1,2,4,4] -> Conv(3x3, pad 1, 3 out channels, bias) -> Relu -> y[1,3,4,4]
inline Model conv_relu_model(int64_t opset = 13) {
  Model m;
  m.opsets = {{"", opset}};
  m.producer_name = "nndelta-tests";
  m.source_path = "conv_relu";
  Graph& g = m.graph;
  g.name = "conv_relu";
  g.inputs = {float_value("x", {1, 2, 4, 4})};
  g.outputs = {float_value("y", {1, 3, 4, 4})};
  std::vector<float> w(3 * 2 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 7) % 11) / 10.0f - 0.5f;
  g.initializers["w"] = Tensor::of<float>({3, 2, 3, 3}, w);
  g.initializers["b"] = Tensor::of<float>({3}, {0.1f, -0.2f, 0.3f});
  Node conv;
  conv.name = "conv";
  conv.op_type = "Conv";
  conv.inputs = {"x", "w", "b"};
  conv.outputs = {"c"};
  conv.attributes["pads"] = Attribute{std::vector<int64_t>{1, 1, 1, 1}};
  conv.attributes["kernel_shape"] = Attribute{std::vector<int64_t>{3, 3}};
  Node relu;
  relu.name = "relu";
  relu.op_type = "Relu";
  relu.inputs = {"c"};
  relu.outputs = {"y"};
  g.nodes = {conv, relu};
  return m;
}

inline Tensor ramp(const Shape& shape, float step = 0.25f, float start = -1.0f) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.size(); ++i)
    t.data<float>()[i] = start + step * static_cast<float>(i % 9);
  return t;
}

}  // namespace nnd::testing
