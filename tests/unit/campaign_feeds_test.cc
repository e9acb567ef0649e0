// Campaigns on models without a card (prepared tensors: npz:, random:) and the first divergent
// node each diverging pair gets after the runs, read back from the store and in the report's
// findings (issues 14 and 15).
#include <gtest/gtest.h>

#include <filesystem>

#include "analysis/first_divergence.h"
#include "analysis/report_data.h"
#include "analysis/report_findings.h"
#include "campaign/config.h"
#include "campaign/scheduler.h"
#include "campaign/store.h"
#include "core/error.h"
#include "data/npz.h"
#include "detect_models.h"
#include "worker/launch.h"

namespace nnd::campaign {
namespace {

std::string campaign(const std::string& store, const std::string& model, const std::string& dataset,
                     const std::string& envs, const std::string& extra = {}) {
  return "store = \"" + store + "\"\nmodels = [\"" + model + "\"]\n[dataset]\nspec = \"" + dataset +
         "\"\n" + extra + "[environments]\nlist = [" + envs + "]\n[keep]\nlogits = true\n";
}

CampaignSummary run_quietly(const CampaignConfig& config) {
  RunOptions options;
  options.quiet = true;
  return run_campaign(config, options);
}

// Two inputs, two outputs, no card: s = a + b is the class output (labels are class indices).
TEST(CampaignFeeds, RunsACardlessModelOnNpzInputsAndStoresItsFirstOutput) {
  const std::string model = testing::saved(testing::two_in_two_out(2.0f), "two.onnx");
  const std::string npz = testing::temp_path("two.npz");
  data::write_npz({{"a", Tensor::of<float>({3, 1, 3}, {1, 0, 0, 0, 2, 0, 0, 0, 1})},
                   {"b", Tensor::of<float>({3, 1, 3}, {0, 0, 0, 0, 0, 1, 0, 0, 2})}},
                  npz);
  const std::string store_path = testing::temp_path("two.db");
  std::filesystem::remove(store_path);
  const CampaignConfig config = parse_campaign(
      campaign(store_path, model, "npz:" + npz, "\"ref@cpu:O2\""), testing::temp_path("c.toml"));
  run_quietly(config);

  auto store = Store::open_read_only(store_path);
  const std::vector<InputRecord> inputs = store->inputs();
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_EQ(inputs[2].dataset_key, "npz:" + npz + "#2");
  const std::vector<RunRow> runs = store->runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].model_name,
            "CampaignFeeds.RunsACardlessModelOnNpzInputsAndStoresItsFirstOutput.two");
  EXPECT_EQ(runs[0].status, RunStatus::kDone);
  const std::vector<PredictionRecord> p = store->predictions(runs[0].id);
  ASSERT_EQ(p.size(), 3u);
  // s = a + b: [1,0,0], [0,2,1], [0,0,3].
  EXPECT_EQ(p[0].top_ids.front(), 0);
  EXPECT_EQ(p[1].top_ids.front(), 1);
  EXPECT_EQ(p[2].top_ids.front(), 2);
  ASSERT_TRUE(p[1].logits);
  EXPECT_EQ(*p[1].logits, (std::vector<float>{0, 2, 1}));
  EXPECT_EQ(p[2].top_scores.front(), 3.0f);
}

TEST(CampaignFeeds, ShapeForASymbolicDimIsCheckedAndBadOnesNamed) {
  const std::string model = testing::saved(testing::two_in_two_out(1.0f), "two.onnx");
  try {
    parse_campaign(campaign("x.db", model, "random:2", "\"ref\"", "shape = [\"a:1x\"]\n"),
                   "c.toml");
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("c.toml:5: dataset.shape"), std::string::npos) << e.what();
  }
  // A --shape that disagrees with the model's static dim is refused when the campaign runs.
  const std::string store_path = testing::temp_path("bad.db");
  std::filesystem::remove(store_path);
  const CampaignConfig config = parse_campaign(
      campaign(store_path, model, "random:2", "\"ref\"", "shape = [\"a:2x3\"]\n"), "c.toml");
  try {
    run_quietly(config);
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("dimension 0 is 1"), std::string::npos) << e.what();
  }
}

// OpenCV 4.6 ignores MaxPool's dilations: the pooled map is 4x4 instead of 3x3. The campaign
// on random inputs finds the pair diverging and names the pooling as its first divergent node.
TEST(CampaignFeeds, NamesTheFirstDivergentNodeOfADivergingPair) {
  if (std::string why = worker::unavailable_reason(backends::EnvSpec::parse("opencv@cpu:O2"));
      !why.empty())
    GTEST_SKIP() << why;
  const std::string model = testing::saved(testing::dilated_pool_model(), "dil.onnx");
  const std::string store_path = testing::temp_path("dil.db");
  std::filesystem::remove(store_path);
  const CampaignConfig config =
      parse_campaign(campaign(store_path, model, "random:3,seed=1",
                              "\"ref@cpu:O2\", \"opencv@cpu:O2\", \"ref@cpu:O0\""),
                     testing::temp_path("c.toml"));
  run_quietly(config);
  {
    auto store = Store::open(store_path);
    EXPECT_EQ(store->inputs().front().dataset_key, "random:seed=1#0");
    analysis::FirstDivergenceOptions options;
    options.quiet = true;
    const analysis::FirstDivergenceSummary s =
        analysis::locate_first_divergences(*store, config, options);
    EXPECT_EQ(s.pairs, 1u);  // ref O0 agrees with ref O2: only the pair with opencv diverges
    EXPECT_EQ(s.found, 1u);
    EXPECT_EQ(s.recorded_before, 0u);
    // Resumed: nothing left to do.
    EXPECT_EQ(analysis::locate_first_divergences(*store, config, options).recorded_before, 1u);
  }
  auto store = Store::open_read_only(store_path);
  const std::vector<analysis::FirstDivergence> rows = analysis::read_first_divergences(*store);
  ASSERT_EQ(rows.size(), 1u);
  const analysis::FirstDivergence& d = rows[0];
  EXPECT_EQ(d.reference_env, "ref@cpu:O2");
  EXPECT_EQ(d.candidate_env, "opencv@cpu:O2");
  EXPECT_EQ(d.outcome, "found");
  EXPECT_EQ(d.input, "random:seed=1#0");
  EXPECT_EQ(d.compared, 3u);
  ASSERT_TRUE(d.first && d.first->shapes);
  EXPECT_EQ(d.first->position, 0u);
  EXPECT_EQ(d.first->node, "pool");
  EXPECT_EQ(d.first->op, "MaxPool");
  EXPECT_EQ(d.first->value, "p");
  EXPECT_EQ(d.first->shapes->reference, (Shape{1, 2, 3, 3}));
  EXPECT_EQ(d.first->shapes->candidate, (Shape{1, 2, 4, 4}));

  const analysis::ReportData data = analysis::build_report(*store, {});
  const std::vector<std::string> findings = analysis::report_findings(data);
  ASSERT_FALSE(findings.empty());
  EXPECT_NE(findings[0].find("ref@cpu:O2 vs opencv@cpu:O2 diverge"), std::string::npos)
      << findings[0];
  EXPECT_NE(findings[0].find("first divergent node #0 pool (MaxPool) → p: shape [1,2,3,3] in "
                             "ref@cpu:O2 but [1,2,4,4] in opencv@cpu:O2 on random:seed=1#0"),
            std::string::npos)
      << findings[0];
  // ref O0 agrees with the baseline, so its pair with opencv gets opencv's node against it.
  ASSERT_GE(findings.size(), 2u);
  EXPECT_NE(findings[1].find("opencv@cpu:O2 vs ref@cpu:O0 diverge"), std::string::npos)
      << findings[1];
  EXPECT_NE(findings[1].find("(ref@cpu:O0 agrees with ref@cpu:O2; against it, first divergent "
                             "node #0 pool (MaxPool)"),
            std::string::npos)
      << findings[1];
}

}  // namespace
}  // namespace nnd::campaign
