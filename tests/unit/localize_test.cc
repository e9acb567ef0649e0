// `nndelta localize` with real workers and frameworks: a weight changed in one node of a zoo model
// is found at exactly that node, by exposure and by bisection; ref and ONNX Runtime agree on
// every node; a side OpenCV refuses is reported as that side's failure; the store mode reads
// back the inputs a store says differ. Plus the graph cuts bisection relies on and the SVG curve.
#include "analysis/localize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "analysis/bisect.h"
#include "analysis/localize_store.h"
#include "build_paths.h"
#include "campaign/store.h"
#include "cli_runner.h"
#include "core/sha256.h"
#include "data/session.h"
#include "data_test_util.h"
#include "onnx/model_io.h"
#include "report/error_curve_svg.h"
#include "worker/launch.h"

namespace nnd::analysis {
namespace {

using nnd::testing::run_cli;

const std::string kZoo = nnd::test::zoo_dir();
const std::string kResnet = kZoo + "resnet.onnx";
// A conv inside a residual block, beside the block's 1x1 shortcut: not a cut point, so bisection
// must search inside the block to find it.
const std::string kChanged = "/layers/layers.2/conv2/Conv";

size_t position_of(const Graph& g, const std::string& node) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].name == node) return i;
  ADD_FAILURE() << "no node " << node;
  return 0;
}

// The model with the weight of `node` scaled by 1.5.
Model with_scaled_weight(Model model, const std::string& node) {
  const Node& conv = model.graph.nodes[position_of(model.graph, node)];
  Tensor& weight = model.graph.initializers.at(conv.inputs.at(1));
  for (int64_t i = 0; i < weight.size(); ++i) weight.data<float>()[i] *= 1.5f;
  model.source_path = "resnet with " + node + " scaled";
  return model;
}

struct Sides {
  data::CardedModel model = data::load_carded_model(kResnet);
  Model changed = with_scaled_weight(model.model, kChanged);
  std::vector<InputCase> cases =
      read_cases(data::DatasetSpec::parse("fashion-mnist:test,limit=3"), model.card);
  CompareSide reference{model.model, backends::EnvSpec::parse("ref@cpu:O2")};
  CompareSide candidate{changed, backends::EnvSpec::parse("ref@cpu:O2")};
};

void expect_found_changed_node(const LocalizeResult& r, const std::string& method) {
  EXPECT_TRUE(r.diverges());
  EXPECT_EQ(r.method, method);
  EXPECT_TRUE(r.inputs_diverge);
  EXPECT_EQ(r.inputs.size(), 2u);
  ASSERT_TRUE(r.first.has_value());
  EXPECT_EQ(r.first->node, kChanged);
  EXPECT_EQ(r.first->op, "Conv");
  EXPECT_EQ(r.first->position, 14u);
  EXPECT_EQ(r.first->method, method);
  EXPECT_GT(r.first->stats.max_abs, 0.01);
  // Same bits before the change (ref against ref), different from it on.
  for (const ValueError& v : r.curve)
    if (v.position < r.first->position) {
      EXPECT_EQ(v.stats.max_abs, 0.0) << v.node;
    }
  // Its neighbours: the ReLU it reads (equal) and the residual Add it feeds (apart).
  auto neighbour = [&](const std::string& relation, const std::string& node) {
    return std::find_if(r.neighbours.begin(), r.neighbours.end(), [&](const Neighbour& n) {
      return n.relation == relation && n.error.node == node;
    });
  };
  auto input = neighbour("input", "/layers/layers.2/Relu");
  auto output = neighbour("output", "/layers/layers.2/Add");
  ASSERT_NE(input, r.neighbours.end());
  ASSERT_NE(output, r.neighbours.end());
  EXPECT_EQ(input->error.stats.max_abs, 0.0);
  EXPECT_GT(output->error.stats.max_abs, 0.01);
}

TEST(Localize, ChangedWeightIsFoundByExposureAndByBisection) {
  Sides s;
  LocalizeOptions options;
  options.max_inputs = 2;
  LocalizeResult exposed = localize(s.reference, s.candidate, s.cases, s.model.card, options);
  expect_found_changed_node(exposed, "exposure");
  EXPECT_EQ(exposed.curve.size(), 37u);  // every node of resnet, in order
  EXPECT_TRUE(exposed.skipped.empty());
  for (size_t i = 0; i < exposed.curve.size(); ++i) EXPECT_EQ(exposed.curve[i].position, i);

  options.method = LocalizeMethod::kBisection;
  LocalizeResult bisected = localize(s.reference, s.candidate, s.cases, s.model.card, options);
  expect_found_changed_node(bisected, "bisection");
  // Halving over the cut points, then the block: far fewer prefix models than nodes.
  EXPECT_GT(bisected.probes, 2u);
  EXPECT_LT(bisected.probes, 12u);
  EXPECT_EQ(bisected.probes, bisected.curve.size());
  // The values both methods measured have the same errors (same inputs, same frameworks).
  for (const ValueError& b : bisected.curve) {
    const ValueError& e = exposed.curve.at(b.position);
    EXPECT_EQ(b.value, e.value);
    EXPECT_DOUBLE_EQ(b.stats.max_abs, e.stats.max_abs) << b.value;
  }
}

TEST(Localize, CliReportsTheChangedNodeAsJsonAndHtml) {
  data::CardedModel model = data::load_carded_model(kResnet);
  const std::string changed = nnd::testing::temp_path("changed.onnx");
  onnx_io::save_model(with_scaled_weight(model.model, kChanged), changed);
  const std::string args = "localize --model " + kResnet + " --model-b " + changed +
                           " --env ref --dataset fashion-mnist:test,limit=2 --inputs 1";
  auto r = run_cli(args + " --format json");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "diverge");
  EXPECT_EQ(j["method"], "exposure");
  EXPECT_EQ(j["first_divergent"]["node"], kChanged);
  EXPECT_EQ(j["first_divergent"]["op"], "Conv");
  EXPECT_EQ(j["first_divergent"]["error"]["passes"], false);
  EXPECT_EQ(j["compare"]["candidate"]["model"], changed);
  EXPECT_EQ(j["curve"].size(), 37u);

  const std::string html = nnd::testing::temp_path("localize.html");
  auto h = run_cli(args + " --format html --out " + html);
  EXPECT_EQ(h.exit_code, 1) << h.out;
  EXPECT_NE(h.out.find("DIVERGE from node #14 " + kChanged), std::string::npos) << h.out;
  std::string page = nnd::testing::read_bytes(html);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("first divergent: node 14"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);  // self-contained, no scripts
}

TEST(Localize, RefAndOnnxRuntimeAgreeOnEveryNode) {
  backends::EnvSpec ort = backends::EnvSpec::parse("ort@cpu:O3");
  if (std::string why = worker::unavailable_reason(ort); !why.empty()) GTEST_SKIP() << why;
  data::CardedModel model = data::load_carded_model(kResnet);
  std::vector<InputCase> cases =
      read_cases(data::DatasetSpec::parse("fashion-mnist:test,limit=3"), model.card);
  CompareSide reference(model.model, backends::EnvSpec::parse("ref@cpu:O2"));
  CompareSide candidate(model.model, ort);
  LocalizeOptions options;
  options.tolerance = {1e-4, 1e-4};
  LocalizeResult r = localize(reference, candidate, cases, model.card, options);
  EXPECT_FALSE(r.diverges());
  EXPECT_FALSE(r.inputs_diverge);
  EXPECT_FALSE(r.first.has_value());
  EXPECT_EQ(r.method, "exposure");
  // ORT returns every value when each is a graph output, so all 37 nodes are compared.
  EXPECT_EQ(r.curve.size(), 37u);
  EXPECT_TRUE(r.skipped.empty());
  for (const ValueError& v : r.curve) {
    EXPECT_FALSE(v.diverges()) << v.node;
    EXPECT_LT(v.stats.max_abs, 1e-4) << v.node;  // measured: at most ~4e-6
  }
}

TEST(Localize, SideThatCannotLoadIsReportedWithItsMessage) {
  auto r = run_cli("localize --model " + kZoo +
                   "mobilenetv2.onnx --env ref --env opencv@cpu:O2 --dataset "
                   "fashion-mnist:test,limit=1 --format json");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["verdict"], "failed");
  EXPECT_EQ(j["diverges"], true);
  EXPECT_EQ(j["method"], nullptr);
  EXPECT_EQ(j["first_divergent"], nullptr);
  EXPECT_EQ(j["compare"]["reference"]["status"], "ok");
  const nlohmann::json& failure = j["compare"]["candidate"]["failure"];
  EXPECT_EQ(j["compare"]["candidate"]["status"], "failed");
  EXPECT_EQ(failure["stage"], "load");
  EXPECT_EQ(failure["outcome"], "refused");
  // OpenCV 4.6 cannot import Clip with min/max inputs (MobileNetV2's ReLU6).
  const std::string message = failure["message"];
  EXPECT_NE(message.find("parseClip"), std::string::npos) << message;
  EXPECT_NE(message.find("OpenCV(4.6.0)"), std::string::npos) << message;

  auto text = run_cli("localize --model " + kZoo +
                      "mobilenetv2.onnx --env ref --env opencv@cpu:O2 --dataset "
                      "fashion-mnist:test,limit=1");
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_TRUE(
      text.out.starts_with("verdict    FAILED: opencv@cpu:O2 could not load the model "
                           "(refused)"))
      << text.out;
}

TEST(Localize, StorePairsAreLocalizedOnTheInputsThatDiffer) {
  const std::string path = nnd::testing::temp_path("store.sqlite");
  std::filesystem::remove(path);
  {
    auto store = campaign::Store::open(path);
    int64_t model = store->model_id({"resnet", kResnet, sha256_file(kResnet)});
    int64_t o2 = store->run_id(model, store->environment_id("ref@cpu:O2"), 0);
    int64_t o0 = store->run_id(model, store->environment_id("ref@cpu:O0"), 0);
    std::vector<campaign::PredictionRecord> predictions;
    for (int i = 0; i < 3; ++i) {
      int64_t input = store->input_id("fashion-mnist:test#" + std::to_string(i), 0, "t10k");
      for (int64_t run : {o2, o0}) {
        campaign::PredictionRecord p;
        p.run_id = run;
        p.input_id = input;
        // The store says the two differ on input #1 (a campaign's record; re-run, they agree).
        p.top_ids = {run == o0 && i == 1 ? 3 : 1};
        p.top_scores = {1.0f};
        predictions.push_back(p);
      }
    }
    store->insert_predictions(predictions);
  }
  auto store = campaign::Store::open_read_only(path);
  std::vector<StorePair> pairs = divergent_pairs(*store, "", 4);
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].model_name, "resnet");
  EXPECT_EQ(pairs[0].reference_env, "ref@cpu:O0");
  EXPECT_EQ(pairs[0].candidate_env, "ref@cpu:O2");
  EXPECT_EQ(pairs[0].flips, 1u);
  EXPECT_EQ(pairs[0].keys, std::vector<std::string>{"fashion-mnist:test#1"});
  nnd::testing::expect_one_line_error(run_cli("localize --store " + path + " --model vgg"),
                                      "no model named 'vgg' (the store has: resnet)");

  auto r = run_cli("localize --store " + path + " --format json");
  EXPECT_EQ(r.exit_code, 0) << r.out;  // ref agrees with itself when re-run
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["pairs"].size(), 1u);
  EXPECT_EQ(j["pairs"][0]["inputs"], nlohmann::json::array({"fashion-mnist:test#1"}));
  EXPECT_EQ(j["pairs"][0]["verdict"], "agree");
  EXPECT_EQ(j["pairs"][0]["compare"]["error"]["max_abs"], 0.0);
}

TEST(Bisect, CutsAreWhereOneValueCarriesEverything) {
  Model model = onnx_io::load_model(kResnet);
  const Graph& g = model.graph;
  std::vector<size_t> cuts = cut_positions(g);
  auto is_cut = [&](const std::string& node) {
    return std::count(cuts.begin(), cuts.end(), position_of(g, node)) == 1;
  };
  EXPECT_TRUE(is_cut("/stem/stem.0/Conv"));
  EXPECT_TRUE(is_cut("/layers/layers.1/Relu_1"));  // a block's output
  EXPECT_TRUE(is_cut("/layers/layers.2/Add"));     // its residual sum
  EXPECT_TRUE(is_cut("/fc/Gemm"));
  EXPECT_FALSE(is_cut(kChanged));  // the shortcut still reads the block's input after it
  EXPECT_FALSE(is_cut("/layers/layers.2/shortcut/shortcut.0/Conv"));

  const std::string value = g.nodes[position_of(g, kChanged)].outputs[0];
  Model prefix = prefix_model(model, value);
  ASSERT_EQ(prefix.graph.outputs.size(), 1u);
  EXPECT_EQ(prefix.graph.outputs[0].name, value);
  EXPECT_EQ(prefix.graph.nodes.size(), 15u);  // nodes 0..14: the shortcut (15) is not needed
  EXPECT_EQ(prefix.graph.nodes.back().name, kChanged);
  EXPECT_EQ(prefix.graph.inputs, g.inputs);
  EXPECT_NE(nnd::testing::user_error([&] {
              prefix_model(model, "nowhere");
            }).find("no node produces a value named 'nowhere'"),
            std::string::npos);
}

TEST(ErrorCurveSvg, DrawsEveryPointAndMarksTheFirstDivergent) {
  std::vector<report::ErrorCurvePoint> points = {
      {0, "a (Conv) → x", 0.0, 0.0, false},
      {1, "b <Relu> → y", 2e-6, 1e-7, false},
      {2, "c (Add) → z", 0.5, 0.01, true},
  };
  report::ErrorCurveOptions options;
  options.nodes = 3;
  options.atol = 1e-5;
  options.first_divergent = 2;
  std::string svg = report::error_curve_svg(points, options);
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(count("<circle cx="), 3u + 1u);  // the points, and the legend's marker
  EXPECT_EQ(count("fill=\"#c0392b\"><title>"), 1u);
  EXPECT_NE(svg.find("b &lt;Relu&gt; → y: max 2e-06"), std::string::npos);
  EXPECT_NE(svg.find("first divergent: node 2"), std::string::npos);
  EXPECT_NE(svg.find("atol 1e-05"), std::string::npos);
}

}  // namespace
}  // namespace nnd::analysis
