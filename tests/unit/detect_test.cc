// Sharper detection and localization on models without a card (issue 14): a value whose shape
// differs is the first divergence, in compare and in localize (exposure and bisection); every
// output of a multi-output model is compared with its own tolerance; a run-time failure of one
// side is localized to its node by prefix models; error statistics have one JSON spelling.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "analysis/compare_json.h"
#include "analysis/error_stats_json.h"
#include "analysis/report_findings.h"
#include "cli_runner.h"
#include "data/npz.h"
#include "data_test_util.h"
#include "detect_models.h"
#include "onnx/tensor_proto.h"
#include "report/markdown.h"
#include "worker/launch.h"

namespace nnd::analysis {
namespace {

using nnd::testing::expect_one_line_error;
using nnd::testing::run_cli;
using nnd::testing::saved;

nlohmann::json json_of(const nnd::testing::CliResult& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out;
    return {};
  }
}

TEST(Detect, OutputOfAnotherShapeIsADivergenceInCompare) {
  const std::string a = saved(nnd::testing::pool_model(0, true), "pool-a.onnx");
  const std::string b = saved(nnd::testing::pool_model(1, true), "pool-b.onnx");
  auto r = run_cli("compare --model " + a + " --model-b " + b +
                   " --env ref --dataset random:2 --format json");
  EXPECT_EQ(r.exit_code, 1) << r.out;  // a finding, not bad input
  nlohmann::json j = json_of(r);
  EXPECT_EQ(j["verdict"], "diverge");
  EXPECT_EQ(j["passes"], false);
  ASSERT_EQ(j["outputs"].size(), 1u);
  EXPECT_EQ(j["outputs"][0]["name"], "p");
  EXPECT_EQ(j["outputs"][0]["shapes_differ"]["reference"], nlohmann::json({1, 2, 2, 2}));
  EXPECT_EQ(j["outputs"][0]["shapes_differ"]["candidate"], nlohmann::json({1, 2, 3, 3}));
  EXPECT_EQ(j["outputs"][0]["shapes_differ"]["input"], "random:seed=0#0");

  auto text = run_cli("compare --model " + a + " --model-b " + b + " --env ref --dataset random:2");
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_TRUE(
      text.out.starts_with("verdict    DIVERGE: output p has shape [1,2,2,2] in "
                           "ref@cpu:O2 but [1,2,3,3] in ref@cpu:O2"))
      << text.out;
}

TEST(Detect, PoolingOfAnotherShapeIsTheFirstDivergentNode) {
  const std::string a = saved(nnd::testing::pool_model(0), "pool-a.onnx");
  const std::string b = saved(nnd::testing::pool_model(1), "pool-b.onnx");
  for (const std::string method : {"exposure", "bisection"}) {
    auto r = run_cli("localize --model " + a + " --model-b " + b +
                     " --env ref --dataset random:2 --inputs 2 --format json --method " + method);
    EXPECT_EQ(r.exit_code, 1) << r.out;
    nlohmann::json j = json_of(r);
    EXPECT_EQ(j["method"], method);
    // Before issue 14 the pooling was skipped and the global pooling after it, whose shapes
    // agree again, was reported.
    EXPECT_EQ(j["first_divergent"]["node"], "pool") << r.out;
    EXPECT_EQ(j["first_divergent"]["op"], "MaxPool");
    EXPECT_EQ(j["first_divergent"]["diverges"], true);
    EXPECT_EQ(j["first_divergent"]["shapes_differ"]["reference"], nlohmann::json({1, 2, 2, 2}));
    EXPECT_EQ(j["first_divergent"]["shapes_differ"]["candidate"], nlohmann::json({1, 2, 3, 3}));
    EXPECT_EQ(j["skipped_count"], 0);
  }
  auto text =
      run_cli("localize --model " + a + " --model-b " + b + " --env ref --dataset random:2");
  EXPECT_TRUE(
      text.out.starts_with("verdict    DIVERGE from node #0 pool (MaxPool) → p: shape "
                           "[1,2,2,2] in ref@cpu:O2 but [1,2,3,3] in ref@cpu:O2"))
      << text.out;
}

TEST(Detect, OpenCvIgnoringPoolingDilationsIsFoundAtThePooling) {
  backends::EnvSpec opencv = backends::EnvSpec::parse("opencv@cpu:O2");
  if (std::string why = worker::unavailable_reason(opencv); !why.empty()) GTEST_SKIP() << why;
  const std::string m = saved(nnd::testing::dilated_pool_model(), "dilated.onnx");
  auto r = run_cli("localize --model " + m +
                   " --env ref --env opencv@cpu:O2 --dataset random:2 --format json");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  nlohmann::json j = json_of(r);
  EXPECT_EQ(j["first_divergent"]["node"], "pool") << r.out;
  EXPECT_EQ(j["first_divergent"]["shapes_differ"]["reference"], nlohmann::json({1, 2, 3, 3}));
  EXPECT_EQ(j["first_divergent"]["shapes_differ"]["candidate"], nlohmann::json({1, 2, 4, 4}));
}

TEST(Detect, EveryOutputIsComparedWithItsOwnTolerance) {
  const std::string a = saved(nnd::testing::two_in_two_out(1.0f), "two-a.onnx");
  const std::string b = saved(nnd::testing::two_in_two_out(1.001f), "two-b.onnx");
  const std::string args = "compare --model " + a + " --model-b " + b + " --env ref";
  // No card beside the models: inputs from an npz archive, by input name.
  const std::string npz = nnd::testing::temp_path("two.npz");
  data::write_npz({{"a", Tensor::of<float>({2, 1, 3}, {1, 2, 3, 4, 5, 6})},
                   {"b", Tensor::of<float>({2, 1, 3}, {1, 1, 1, 2, 2, 2})}},
                  npz);
  auto r = run_cli(args + " --dataset npz:" + npz + " --format json");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  nlohmann::json j = json_of(r);
  EXPECT_EQ(j["inputs"], 2);
  ASSERT_EQ(j["outputs"].size(), 2u);
  EXPECT_EQ(j["outputs"][0]["name"], "s");
  EXPECT_EQ(j["outputs"][0]["passes"], true);
  EXPECT_EQ(j["outputs"][0]["error"]["max_abs"], 0.0);
  EXPECT_EQ(j["outputs"][1]["name"], "m");
  EXPECT_EQ(j["outputs"][1]["passes"], false);
  // m = a*b*1.001: largest at 6*2 = 12, off by 0.012.
  EXPECT_NEAR(j["outputs"][1]["error"]["max_abs"].get<double>(), 0.012, 1e-5);
  EXPECT_EQ(j["output"], "s");  // the first output stands for the class scores
  EXPECT_EQ(j["top1_flips"], 0);

  // A tolerance for m alone makes the pair agree; one for a value the model lacks is bad input.
  auto loose = run_cli(args + " --dataset npz:" + npz + " --atol 1e-5 m:0.02 --format json");
  EXPECT_EQ(loose.exit_code, 0) << loose.out;
  EXPECT_EQ(json_of(loose)["outputs"][1]["tolerance"]["atol"], 0.02);
  expect_one_line_error(run_cli(args + " --dataset random:1 --atol nope:1"),
                        "has no output or value named 'nope'");
  // Random inputs and the first divergent node of the multi-output model.
  auto loc = run_cli("localize --model " + a + " --model-b " + b +
                     " --env ref --dataset random:3,seed=4 --format json");
  EXPECT_EQ(loc.exit_code, 1) << loc.out;
  EXPECT_EQ(json_of(loc)["first_divergent"]["node"], "scale");
}

TEST(Detect, BadFeedsAreOneLine) {
  const std::string a = saved(nnd::testing::two_in_two_out(1.0f), "two-a.onnx");
  const std::string args = "compare --model " + a + " --env ref --env ref ";
  expect_one_line_error(run_cli(args), "no model card, so no default dataset: give --dataset");
  expect_one_line_error(run_cli(args + "--dataset random:1 --shape c:1x3"),
                        "--shape c: " + a + " has no input named 'c'");
  expect_one_line_error(run_cli(args + "--dataset random:1 --shape a:2x3"),
                        "--shape a:2x3: dimension 0 is 1");
  const std::string npz = nnd::testing::temp_path("only-a.npz");
  data::write_npz({{"a", Tensor::of<float>({1, 3}, {1, 2, 3})}}, npz);
  expect_one_line_error(run_cli(args + "--dataset npz:" + npz), "no array named 'b'");
  expect_one_line_error(run_cli(args + "--dataset fashion-mnist:test,limit=1"),
                        "its images need a model card");
  const std::string dir = nnd::testing::fresh_dir("pb-wrong");
  onnx_io::save_tensor_file(Tensor::of<float>({1, 3}, {1, 2, 3}), "a", dir + "/input_0.pb");
  onnx_io::save_tensor_file(Tensor::of<int64_t>({1, 3}, {1, 2, 3}), "b", dir + "/input_1.pb");
  expect_one_line_error(run_cli(args + "--dataset pb:" + dir),
                        "input_1.pb: tensor for input 'b' is int64, but the model's input is "
                        "float32");
}

TEST(Detect, RunTimeFailureIsLocalizedToItsNode) {
  const std::string a = saved(nnd::testing::gather_model(3), "gather-a.onnx");
  const std::string b = saved(nnd::testing::gather_model(7), "gather-b.onnx");
  auto r = run_cli("localize --model " + a + " --model-b " + b +
                   " --env ref --dataset random:2 --format json");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  nlohmann::json j = json_of(r);
  EXPECT_EQ(j["verdict"], "failed");
  EXPECT_EQ(j["compare"]["candidate"]["failure"]["stage"], "run");
  const nlohmann::json& f = j["failing_node"];
  EXPECT_EQ(f["found"], true) << r.out;
  EXPECT_EQ(f["node"], "gather");
  EXPECT_EQ(f["op"], "Gather");
  EXPECT_EQ(f["position"], 1);
  EXPECT_EQ(f["last_ok_node"], "relu");
  EXPECT_EQ(f["input"], "random:seed=0#0");
  const std::string message = f["message"];
  EXPECT_NE(message.find("index 7 is out of range"), std::string::npos) << message;

  auto text =
      run_cli("localize --model " + a + " --model-b " + b + " --env ref --dataset random:1");
  EXPECT_TRUE(
      text.out.starts_with("verdict    FAILED: ref@cpu:O2 fails at node #1 gather "
                           "(Gather) → g: "))
      << text.out;
  EXPECT_NE(text.out.find("the prefix up to relu → r runs"), std::string::npos) << text.out;
}

TEST(Detect, Float64OracleChangesTheVerdictOnCancellation) {
  const std::string m = saved(nnd::testing::cancellation_model(), "cancel.onnx");
  const std::string args = "compare --model " + m + " --dataset random:2,seed=1 --format json";
  // Against float32 ref, float32 ref agrees with itself; against the float64 oracle it is off by
  // the rounding of x + 1e8 (a multiple of 8): the verdict changes.
  auto f32 = run_cli(args + " --env ref --env ref@cpu:O0");
  EXPECT_EQ(f32.exit_code, 0) << f32.out;
  auto f64 = run_cli(args + " --env ref@cpu:O2,precision=f64 --env ref@cpu:O2");
  EXPECT_EQ(f64.exit_code, 1) << f64.out;
  nlohmann::json j = json_of(f64);
  EXPECT_GT(j["error"]["max_abs"].get<double>(), 0.1);
  EXPECT_LE(j["error"]["max_abs"].get<double>(), 4.0);
  // The oracle against itself is exact: x comes back unchanged.
  auto same = run_cli(args + " --env ref@cpu:O2,precision=f64 --env ref@cpu:O0,precision=f64");
  EXPECT_EQ(same.exit_code, 0) << same.out;
  expect_one_line_error(run_cli(args + " --env ref@cpu:O2,precision=f16 --env ref"),
                        "precision 'f16' is not f32 or f64");
}

TEST(Detect, ReproducerIsTheSmallestSubgraphThatStillDiverges) {
  const std::string a = saved(nnd::testing::two_in_two_out(1.0f), "two-a.onnx");
  const std::string b = saved(nnd::testing::two_in_two_out(1.001f), "two-b.onnx");
  const std::string dir = nnd::testing::fresh_dir("reproducer");
  auto r = run_cli("localize --model " + a + " --model-b " + b +
                   " --env ref --dataset random:2 --format json --reproducer " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  nlohmann::json j = json_of(r);
  EXPECT_EQ(j["first_divergent"]["node"], "scale");
  // The Mul alone diverges (its constant differs), fed with the reference's captured a*b.
  EXPECT_EQ(j["reproducer"]["nodes"], nlohmann::json({"scale"}));
  EXPECT_EQ(j["reproducer"]["diverges"], true);
  Model sub = onnx_io::load_model(dir + "/model.onnx");
  ASSERT_EQ(sub.graph.nodes.size(), 1u);
  ASSERT_EQ(sub.graph.inputs.size(), 1u);
  EXPECT_EQ(sub.graph.inputs[0].name, "ab");
  EXPECT_TRUE(std::filesystem::exists(dir + "/inputs/input_ab.pb"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/reference/output_m.pb"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/candidate/output_m.pb"));
  // The command it prints shows the divergence on its own.
  std::string command = j["reproducer"]["command"];
  ASSERT_TRUE(command.starts_with("nndelta compare ")) << command;
  auto shown = run_cli(command.substr(std::string("nndelta ").size()));
  EXPECT_EQ(shown.exit_code, 1) << shown.out;
  EXPECT_NE(shown.out.find("DIVERGE"), std::string::npos) << shown.out;
}

// The node alone agrees, so the reproducer grows by its neighbours: against the float64 oracle,
// float32 ref's "down" (u - 1e8) diverges only because "up" (x + 1e8) rounded x away. Fed the
// oracle's u (cast to the float32 the subgraph reads), both sides subtract exactly and agree;
// with "up" added, fed x, they diverge again.
TEST(Detect, ReproducerGrowsByNeighboursWhenTheNodeAloneAgrees) {
  const std::string m = saved(nnd::testing::cancellation_model(), "cancel.onnx");
  const std::string dir = nnd::testing::fresh_dir("reproducer");
  auto r = run_cli("localize --model " + m +
                   " --env ref@cpu:O2,precision=f64 --env ref@cpu:O2 --dataset random:1,seed=1 "
                   "--format json --reproducer " +
                   dir);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  nlohmann::json j = json_of(r);
  EXPECT_EQ(j["first_divergent"]["node"], "down");
  EXPECT_EQ(j["reproducer"]["nodes"], nlohmann::json({"up", "down"}));
  EXPECT_EQ(j["reproducer"]["diverges"], true);
  Model sub = onnx_io::load_model(dir + "/model.onnx");
  ASSERT_EQ(sub.graph.nodes.size(), 2u);
  ASSERT_EQ(sub.graph.inputs.size(), 1u);
  EXPECT_EQ(sub.graph.inputs[0].name, "x");
  const Tensor x = onnx_io::load_tensor_file(dir + "/inputs/input_x.pb");
  EXPECT_EQ(x.dtype(), DType::kFloat32);
  // float32 ref rounds x + 1e8 to 1e8 for |x| < 4: y is all zeros; the oracle returns x (in
  // float64, up to the rounding of x + 1e8 in double).
  const Tensor y_candidate = onnx_io::load_tensor_file(dir + "/candidate/output_y.pb");
  const Tensor y_reference = onnx_io::load_tensor_file(dir + "/reference/output_y.pb");
  EXPECT_EQ(y_candidate.to_doubles(), std::vector<double>(4, 0.0));
  ASSERT_EQ(y_reference.size(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y_reference.to_doubles()[i], x.to_doubles()[i], 1e-7);
}

TEST(Detect, ReportOpensWithItsFindings) {
  ReportData data;
  ModelReport m;
  m.name = "resnet";
  PairAgreement agree;
  agree.a = "ref@cpu:O2";
  agree.b = "ort@cpu:O3";
  agree.compared = 100;
  m.pairs = {agree};
  data.models = {m};
  EXPECT_EQ(report_findings(data),
            std::vector<std::string>{"everything agrees: 1 pair of environments over 1 model, no "
                                     "top-1 flip, no logits beyond tolerance, no failed run, no "
                                     "significant slow-down"});

  PairAgreement flips = agree;
  flips.b = "opencv@cpu:O2";
  flips.top1_differs = 3;
  flips.top1_differs_pct = 3;
  RunFailure failure{"torch@cpu:O3", "", "crashed", "signal 11", {}};
  LatencyChange slower{"ort@cpu:O0", "ort@cpu:O3", 0.25, 10, 0.001, true, true};
  data.models[0].pairs.push_back(flips);
  data.models[0].failures = {failure};
  data.models[0].latency_changes = {slower};
  std::vector<std::string> f = report_findings(data);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_TRUE(
      f[0].starts_with("resnet: ref@cpu:O2 vs opencv@cpu:O2 diverge: 3 of 100 top-1 "
                       "labels differ (3.00%)"))
      << f[0];
  EXPECT_EQ(f[1], "resnet: torch@cpu:O3 crashed: signal 11");
  EXPECT_EQ(f[2],
            "resnet: ort@cpu:O3 is 25.0% slower than ort@cpu:O0 (Mann-Whitney p = 0.001), at a "
            "higher optimization level");
  // Before the tables.
  const std::string md = report::report_markdown(data);
  ASSERT_NE(md.find("## Findings\n\n- resnet: ref@cpu:O2 vs opencv@cpu:O2 diverge"),
            std::string::npos)
      << md;
  EXPECT_LT(md.find("## Findings"), md.find("## Model resnet"));
}

TEST(Detect, InferAndEvalTakeAnyModelWithoutACard) {
  const std::string m = saved(nnd::testing::two_in_two_out(1.0f), "two.onnx");
  const std::string npz = nnd::testing::temp_path("two.npz");
  data::write_npz(
      {{"a", Tensor::of<float>({1, 3}, {1, 2, 3})}, {"b", Tensor::of<float>({1, 3}, {4, 5, 6})}},
      npz);
  auto infer = run_cli("infer " + m + " --dataset npz:" + npz);
  EXPECT_EQ(infer.exit_code, 0) << infer.out;
  EXPECT_NE(infer.out.find("output  s float32 [1,3]\n    #1 class    2  score     9.000000"),
            std::string::npos)
      << infer.out;
  EXPECT_NE(infer.out.find("output  m float32 [1,3]\n    #1 class    2  score    18.000000"),
            std::string::npos)
      << infer.out;
  auto eval = run_cli("eval " + m + " --dataset npz:" + npz);
  EXPECT_EQ(eval.exit_code, 0) << eval.out;
  EXPECT_NE(eval.out.find("(no card: classes are the indices of output 's')"), std::string::npos)
      << eval.out;
  EXPECT_NE(eval.out.find("predicted classes\n  2  1\n"), std::string::npos) << eval.out;
}

TEST(Detect, ErrorStatisticsHaveOneJsonSpelling) {
  // A NaN mismatch: no atol passes, spelled "inf" in compare and localize as in the report.
  std::vector<float> a = {1, std::numeric_limits<float>::quiet_NaN()}, b = {1, 2};
  ErrorStats s = compare_values(a, b);
  nlohmann::json j = error_stats_json(s);
  EXPECT_EQ(j["needed_atol"], "inf");
  EXPECT_EQ(j["nonfinite"], 1);
  EXPECT_EQ(j["passes"], false);
  EXPECT_EQ(to_json(s), j);
  EXPECT_EQ(json_number(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(json_number(std::nan("")), "nan");
  EXPECT_EQ(json_number(0.5), 0.5);
}

}  // namespace
}  // namespace nnd::analysis
