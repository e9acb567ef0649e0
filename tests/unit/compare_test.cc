// `nndelta compare` with real workers and frameworks: identical environments agree with zero
// error; ref against torch is numerically apart (a few 1e-6 on the logits) without any top-1
// flip, which a zero tolerance reports as a divergence; bad input is a one-line error.
#include "analysis/compare.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "build_paths.h"
#include "cli_runner.h"
#include "data/session.h"

namespace nnd::analysis {
namespace {

using nnd::testing::expect_one_line_error;
using nnd::testing::run_cli;

const std::string kModel = nnd::test::zoo_dir() + "resnet.onnx";
const std::string kThree = " --dataset fashion-mnist:test,limit=3";

nlohmann::json json_of(const nnd::testing::CliResult& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out;
    return {};
  }
}

TEST(Compare, IdenticalEnvironmentsAgreeWithZeroError) {
  auto r = run_cli("compare --model " + kModel + " --env ref@cpu:O2 --env ref@cpu:O2" + kThree +
                   " --format json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  nlohmann::json j = json_of(r);
  EXPECT_EQ(j["verdict"], "agree");
  EXPECT_EQ(j["diverges"], false);
  EXPECT_EQ(j["inputs"], 3);
  EXPECT_EQ(j["top1_flips"], 0);
  EXPECT_EQ(j["passes"], true);
  EXPECT_EQ(j["error"]["count"], 30);  // 3 images x 10 logits
  EXPECT_EQ(j["error"]["max_abs"], 0.0);
  EXPECT_EQ(j["error"]["beyond"], 0);
  EXPECT_EQ(j["reference"]["status"], "ok");
  EXPECT_EQ(j["candidate"]["status"], "ok");
  EXPECT_EQ(j["reference"]["failure"], nullptr);
}

TEST(Compare, LogitsBeyondAZeroToleranceDivergeWithoutAFlip) {
  auto r = run_cli("compare --model " + kModel + " --env ref@cpu:O2 --env torch@cpu:O3" + kThree +
                   " --atol 0 --rtol 0 --format json");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  nlohmann::json j = json_of(r);
  EXPECT_EQ(j["verdict"], "diverge");
  EXPECT_EQ(j["top1_flips"], 0);
  EXPECT_EQ(j["passes"], false);
  EXPECT_GT(j["error"]["beyond"].get<int>(), 0);
  // oneDNN and ref sum in different orders: apart by a few ulps of the logits, not more.
  EXPECT_GT(j["error"]["max_abs"].get<double>(), 0.0);
  EXPECT_LT(j["error"]["max_abs"].get<double>(), 1e-4);
  EXPECT_EQ(j["flipped_inputs"].size(), 0u);

  // The same pair under the default (Polygraphy) tolerance agrees, and the text says so first.
  auto text =
      run_cli("compare --model " + kModel + " --env ref@cpu:O2 --env torch@cpu:O3" + kThree);
  EXPECT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(text.out.starts_with("verdict    agree: no top-1 flips in 3 inputs")) << text.out;
}

TEST(Compare, LibraryCountsFlipsAgainstTheReference) {
  data::CardedModel model = data::load_carded_model(kModel);
  std::vector<InputCase> cases =
      read_cases(data::DatasetSpec::parse("fashion-mnist:test,limit=2"), model.card);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[1].key, "fashion-mnist:test#1");
  // A model whose logits are all shifted: no flip, every element beyond the tolerance by 0.5.
  Model shifted = model.model;
  for (Node& node : shifted.graph.nodes)
    if (node.op_type == "Gemm") {
      Tensor& bias = shifted.graph.initializers.at(node.inputs[2]);
      for (int64_t i = 0; i < bias.size(); ++i) bias.data<float>()[i] += 0.5f;
    }
  CompareSide reference(model.model, backends::EnvSpec::parse("ref"));
  CompareSide candidate(shifted, backends::EnvSpec::parse("ref"));
  CompareResult r = compare_sides(reference, candidate, cases, model.card, {});
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.top1_flips, 0u);
  EXPECT_TRUE(r.diverges());
  EXPECT_EQ(r.scores.count, 20u);
  EXPECT_EQ(r.scores.beyond, 20u);
  EXPECT_NEAR(r.scores.max_abs, 0.5, 1e-5);
  EXPECT_NEAR(r.scores.mean_abs, 0.5, 1e-5);
}

TEST(Compare, BadInputIsOneLineAndExitTwo) {
  expect_one_line_error(run_cli("compare --model " + kModel + " --env nope --env ref" + kThree),
                        "unknown framework 'nope'");
  expect_one_line_error(run_cli("compare --model zoo/absent.onnx --env ref --env ref" + kThree),
                        "zoo/absent.onnx");
  expect_one_line_error(
      run_cli("compare --model " + kModel + " --env ref --env ref --dataset bogus:x"),
      "unknown kind 'bogus'");
  expect_one_line_error(run_cli("compare --model " + kModel + " --env ref" + kThree),
                        "give two environments");
  expect_one_line_error(
      run_cli("compare --model " + kModel + " --env ref --env ref --atol -1" + kThree),
      "--atol and --rtol must be >= 0");
  expect_one_line_error(
      run_cli("compare --model " + kModel + " --env ref --env 'ref+opset' " + kThree),
      "unknown transform 'opset'");
}

}  // namespace
}  // namespace nnd::analysis
