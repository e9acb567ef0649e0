// Runs the nndelta binary as a user would and checks what it prints and its exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli_runner.h"
#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"
#include "test_models.h"

namespace nnd {
namespace {

using Result = nnd::testing::CliResult;
using nnd::testing::expect_one_line_error;

Result run(const std::string& args) { return nnd::testing::run_cli(args); }

TEST(CliInfer, RandomInputPrintsShapesTop5AndLatencyAndDumpsIntermediates) {
  std::string model = testing::temp_path("conv_relu.onnx");
  onnx_io::save_model(testing::conv_relu_model(), model);
  std::string dump = testing::temp_path("dump");
  std::filesystem::remove_all(dump);
  Result r = run("infer " + model + " --random --seed 7 --repeat 3 --dump-intermediates " + dump);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("input   x float32 [1,2,4,4]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("output  y float32 [1,3,4,4]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("#5 class"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("median of 3 runs"), std::string::npos) << r.out;
  // Both the intermediate Conv output and the graph output are dumped and readable.
  Tensor c = onnx_io::load_tensor_file(dump + "/c.pb");
  Tensor y = onnx_io::load_tensor_file(dump + "/y.pb");
  ASSERT_EQ(c.shape(), (Shape{1, 3, 4, 4}));
  for (int64_t i = 0; i < c.size(); ++i)
    EXPECT_EQ(y.data<float>()[i], std::max(0.0f, c.data<float>()[i]));
  std::ifstream index(dump + "/index.tsv");
  std::string header;
  std::getline(index, header);
  EXPECT_EQ(header, "value\tfile\tdtype\tshape");

  // The same seed gives the same numbers; the input file path gives the same as the dump.
  Result again = run("infer " + model + " --random --seed 7");
  EXPECT_EQ(r.out.substr(0, r.out.find("latency")), again.out.substr(0, again.out.find("latency")));
}

TEST(CliInfer, InputFromTensorFile) {
  std::string model = testing::temp_path("conv_relu.onnx");
  onnx_io::save_model(testing::conv_relu_model(), model);
  std::string input = testing::temp_path("x.pb");
  onnx_io::save_tensor_file(testing::ramp({1, 2, 4, 4}), "x", input);
  Result r = run("infer " + model + " --input " + input);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("#1 class"), std::string::npos) << r.out;
  std::string wrong = testing::temp_path("wrong.pb");
  onnx_io::save_tensor_file(testing::ramp({1, 2, 4, 5}), "x", wrong);
  expect_one_line_error(run("infer " + model + " --input " + wrong), "[1,2,4,5]");
}

TEST(CliErrors, BadModelsAndArgumentsGiveOneLineAndExitCode2) {
  expect_one_line_error(run("infer /nonexistent.onnx --random"), "/nonexistent.onnx");
  std::string empty = testing::write_file("empty.onnx", "");
  expect_one_line_error(run("infer " + empty + " --random"), "empty");
  std::string truncated = testing::write_file(
      "truncated.onnx", onnx_io::model_to_bytes(testing::conv_relu_model()).substr(0, 100));
  Result r = run("infer " + truncated + " --random");
  expect_one_line_error(r, truncated);
  std::string model = testing::temp_path("conv_relu.onnx");
  onnx_io::save_model(testing::conv_relu_model(), model);
  expect_one_line_error(run("infer " + model), "exactly one of --input FILE or --random");
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("infer --help").exit_code, 0);
}

}  // namespace
}  // namespace nnd
