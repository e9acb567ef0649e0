// build_report on a small store filled by hand: every number below is worked out in the comments.
#include "analysis/report_data.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "analysis/statistics.h"
#include "core/error.h"
#include "data/evaluate.h"
#include "test_models.h"

namespace nnd::analysis {
namespace {

using campaign::PredictionRecord;
using campaign::RunStatus;
using campaign::Store;
using List = std::vector<int32_t>;

std::string fresh_path(const std::string& name) {
  std::string path = testing::temp_path(name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

PredictionRecord answer(int64_t run, int64_t input, int repetition, List top, double ms) {
  PredictionRecord p;
  p.run_id = run;
  p.input_id = input;
  p.repetition = repetition;
  p.top_scores.assign(top.size(), 0.1f);
  p.top_ids = std::move(top);
  p.latency_ns = static_cast<int64_t>(ms * 1e6);
  return p;
}

PredictionRecord failed(int64_t run, int64_t input, int repetition, const std::string& outcome) {
  PredictionRecord p = answer(run, input, repetition, {}, 1);
  p.outcome = outcome;
  p.message = outcome + " here";
  return p;
}

// Model m, inputs 1..5 labelled 0, 1, 2, (none), 4, in four environments:
//   R ref@cpu:O2   [0,1,2] [1,0,2] [2,1,0] [3,4,5] [4,5,6]   logits, 10-14 ms
//   A ort@cpu:O0   [0,1,2] [0,1,2] [2,0,1] [3,4,7] [5,4,6]   logits, 20-24 ms
//   B ort@cpu:O3   [0,2,1] [1,0,2] [2,1,0] garbage [6,4,5]   30-34 ms
//   C opencv@cpu:O2  crashed after input 1 crashed
// each done run twice (repetitions 0 and 1; A's input 2 answers [1,0,2] the second time, R's
// input 1 changes its last logit by 0.5), and one mutant of m in R. Model dead: one failed run.
struct Fixture {
  std::string path;
  std::unique_ptr<Store> store;
};

Fixture fill_store(const std::string& name) {
  Fixture f{fresh_path(name), nullptr};
  f.store = Store::open(f.path);
  Store& s = *f.store;
  const int64_t m = s.model_id({"m", "zoo/m.onnx", "sha-m"});
  const int64_t dead = s.model_id({"dead", "zoo/dead.onnx", "sha-dead"});
  std::vector<int64_t> in;
  for (std::optional<int64_t> label : {std::optional<int64_t>(0), {1}, {2}, {}, {4}})
    in.push_back(s.input_id("t/" + std::to_string(in.size() + 1), label, "t.idx"));
  const int64_t r = s.run_id(m, s.environment_id("ref@cpu:O2"), 0);
  const int64_t a = s.run_id(m, s.environment_id("ort@cpu:O0"), 0);
  const int64_t b = s.run_id(m, s.environment_id("ort@cpu:O3"), 0);
  const int64_t c = s.run_id(m, s.environment_id("opencv@cpu:O2"), 0);
  const int64_t mutant = s.mutant_id(m, {"swap_operands", "arith", "node3", "- a\n+ b"});
  const int64_t mr = s.run_id(m, s.environment_id("ref@cpu:O2"), mutant);
  const int64_t dr = s.run_id(dead, s.environment_id("ref@cpu:O2"), 0);

  const std::vector<List> r_top{{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {3, 4, 5}, {4, 5, 6}};
  const std::vector<List> a_top{{0, 1, 2}, {0, 1, 2}, {2, 0, 1}, {3, 4, 7}, {5, 4, 6}};
  const std::vector<List> b_top{{0, 2, 1}, {1, 0, 2}, {2, 1, 0}, {}, {6, 4, 5}};
  std::vector<PredictionRecord> ps;
  for (int rep : {0, 1})
    for (size_t i = 0; i < 5; ++i) {
      const double ms = static_cast<double>(i);
      const std::vector<float> logits{0.5f * static_cast<float>(i + 1), 1, -1};
      PredictionRecord& pr = ps.emplace_back(answer(r, in[i], rep, r_top[i], 10 + ms));
      pr.logits = logits;
      if (rep == 1 && i == 0) (*pr.logits)[2] = -0.5f;
      PredictionRecord& pa = ps.emplace_back(
          answer(a, in[i], rep, rep == 1 && i == 1 ? List{1, 0, 2} : a_top[i], 20 + ms));
      pa.logits = logits;
      if (i == 1) (*pa.logits)[0] += 0.25f;
      if (i == 2) (*pa.logits)[1] += 0.125f;
      ps.push_back(i == 3 ? failed(b, in[i], rep, "garbage")
                          : answer(b, in[i], rep, b_top[i], 30 + ms));
    }
  ps.push_back(failed(c, in[0], 0, "crashed"));
  for (size_t i = 0; i < 4; ++i)
    ps.push_back(answer(mr, in[i], 0, i == 0 ? List{1, 0, 2} : r_top[i], 5));
  s.insert_predictions(ps);
  for (int64_t run : {r, a, b, mr}) s.set_run_status(run, RunStatus::kDone, "", "test");
  s.set_run_status(c, RunStatus::kCrashed, "worker died", "test");
  s.set_run_status(dr, RunStatus::kFailed, "unsupported op", "test");
  return f;
}

ReportOptions options() {
  ReportOptions o;
  o.top_k = 3;
  return o;
}

TEST(ReportData, AccuracyAndPairs) {
  Fixture f = fill_store("report.db");
  const ReportData report = build_report(*f.store, options());
  ASSERT_EQ(report.models.size(), 2u);
  const ModelReport& m = report.models[0];
  EXPECT_EQ(m.name, "m");
  EXPECT_EQ(m.sha256, "sha-m");
  EXPECT_EQ(m.baseline, "ref@cpu:O2");
  EXPECT_EQ(m.environments,
            (std::vector<std::string>{"ref@cpu:O2", "ort@cpu:O0", "ort@cpu:O3", "opencv@cpu:O2"}));

  // Labelled inputs 1, 2, 3, 5 answered at repetition 0: R all right, A misses 2 and 5, B
  // misses 5 (its input 4 failed but is unlabelled), C answered nothing.
  ASSERT_EQ(m.accuracy.size(), 4u);
  const std::vector<std::pair<int64_t, int64_t>> counts{{4, 4}, {2, 4}, {3, 4}, {0, 0}};
  for (size_t e = 0; e < 4; ++e) {
    EXPECT_EQ(m.accuracy[e].environment, m.environments[e]);
    EXPECT_EQ(m.accuracy[e].correct, counts[e].first) << e;
    EXPECT_EQ(m.accuracy[e].labelled, counts[e].second) << e;
    const data::Interval ci = data::wilson_interval(counts[e].first, counts[e].second);
    EXPECT_DOUBLE_EQ(m.accuracy[e].ci95.low, ci.low);
    EXPECT_DOUBLE_EQ(m.accuracy[e].ci95.high, ci.high);
  }
  EXPECT_DOUBLE_EQ(m.accuracy[1].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(m.accuracy[3].accuracy, 0);
  EXPECT_DOUBLE_EQ(m.accuracy[3].ci95.high, 1);

  // Per input (tau, RBO at p = 0.9, Jaccard), from the rank metric tests' cases:
  //   identical lists (1, 1, 1); first two swapped (1/3, p = 0.9, 1); last two swapped
  //   (1/3, 1 - p/2 + p^2/2 = 0.955, 1); [4,5,6] vs [6,4,5] (-1/3, p/2 + p^2/2 = 0.855, 1);
  //   [5,4,6] vs [6,4,5] (-1, 0.855, 1); [3,4,5] vs [3,4,7]: union ranks give 5 concordant and
  //   1 discordant pair (2/3), X = 1, 2, 2 gives 1 - p^2/3 = 0.73, Jaccard 2/4.
  ASSERT_EQ(m.pairs.size(), 6u);
  const PairAgreement& ra =
      m.pairs[0];  // inputs 1-5: same, first two, last two, [3,4,x], first two
  EXPECT_EQ(ra.a, "ref@cpu:O2");
  EXPECT_EQ(ra.b, "ort@cpu:O0");
  EXPECT_EQ(ra.compared, 5);
  EXPECT_EQ(ra.top1_differs, 2);
  EXPECT_DOUBLE_EQ(ra.top1_differs_pct, 40);
  EXPECT_NEAR(ra.mean_kendall_tau, (1 + 1.0 / 3 + 1.0 / 3 + 2.0 / 3 + 1.0 / 3) / 5, 1e-12);
  EXPECT_NEAR(ra.mean_rbo, (1 + 0.9 + 0.955 + 0.73 + 0.9) / 5, 1e-12);
  EXPECT_NEAR(ra.mean_jaccard, 0.9, 1e-12);
  EXPECT_TRUE(ra.note.empty());
  ASSERT_TRUE(ra.logits.has_value());  // 5 inputs x 3 logits; A moved two of them
  EXPECT_EQ(ra.logits->count, 15u);
  EXPECT_EQ(ra.logits->beyond, 2u);
  EXPECT_DOUBLE_EQ(ra.logits->max_abs, 0.25);

  const PairAgreement& rb = m.pairs[1];  // inputs 1, 2, 3, 5: last two, same, same, [4,5,6]/[6,4,5]
  EXPECT_EQ(rb.b, "ort@cpu:O3");
  EXPECT_EQ(rb.compared, 4);
  EXPECT_EQ(rb.top1_differs, 1);
  EXPECT_NEAR(rb.mean_kendall_tau, 0.5, 1e-12);
  EXPECT_NEAR(rb.mean_rbo, (0.955 + 1 + 1 + 0.855) / 4, 1e-12);
  EXPECT_DOUBLE_EQ(rb.mean_jaccard, 1);
  EXPECT_FALSE(rb.logits.has_value());  // B kept none

  const PairAgreement& ab = m.pairs[3];  // inputs 1, 2, 3, 5: last two, first two, last two, -1
  EXPECT_EQ(ab.a, "ort@cpu:O0");
  EXPECT_EQ(ab.b, "ort@cpu:O3");
  EXPECT_EQ(ab.compared, 4);
  EXPECT_EQ(ab.top1_differs, 2);
  EXPECT_DOUBLE_EQ(ab.top1_differs_pct, 50);
  EXPECT_NEAR(ab.mean_kendall_tau, 0, 1e-12);
  EXPECT_NEAR(ab.mean_rbo, (0.955 + 0.9 + 0.955 + 0.855) / 4, 1e-12);

  for (size_t i : {2, 4, 5}) {  // every pair with C
    EXPECT_EQ(m.pairs[i].b, "opencv@cpu:O2");
    EXPECT_EQ(m.pairs[i].compared, 0);
    EXPECT_NE(m.pairs[i].note.find("no input answered ok by both"), std::string::npos);
    EXPECT_NE(m.pairs[i].note.find("opencv@cpu:O2: 0"), std::string::npos) << m.pairs[i].note;
  }
}

TEST(ReportData, DisagreeingImagesLeastAgreementFirst) {
  Fixture f = fill_store("report.db");
  ReportOptions o = options();
  const ModelReport m = build_report(*f.store, o).models[0];
  // Input 5: R 4, A 5, B 6 (1 of 3 agree); input 2: R 1, A 0, B 1 (2 of 3). Input 4 was answered
  // by R and A only, alike.
  EXPECT_EQ(m.disagreeing_images_total, 2);
  ASSERT_EQ(m.disagreeing_images.size(), 2u);
  const DisagreeingImage& first = m.disagreeing_images[0];
  EXPECT_EQ(first.dataset_key, "t/5");
  EXPECT_EQ(first.source, "t.idx");
  EXPECT_EQ(first.label, 4);
  EXPECT_EQ(first.top1, (std::map<std::string, int32_t>{
                            {"ref@cpu:O2", 4}, {"ort@cpu:O0", 5}, {"ort@cpu:O3", 6}}));
  EXPECT_EQ(m.disagreeing_images[1].dataset_key, "t/2");
  EXPECT_EQ(m.disagreeing_images[1].top1.at("ort@cpu:O0"), 0);

  o.max_images = 1;
  const ModelReport capped = build_report(*f.store, o).models[0];
  EXPECT_EQ(capped.disagreeing_images_total, 2);
  ASSERT_EQ(capped.disagreeing_images.size(), 1u);
  EXPECT_EQ(capped.disagreeing_images[0].dataset_key, "t/5");
}

TEST(ReportData, LatencyAndNondeterminism) {
  Fixture f = fill_store("report.db");
  const ModelReport m = build_report(*f.store, options()).models[0];
  // Every ok repetition: R 10..14 ms twice, A 20..24 twice, B 30, 31, 32, 34 twice; C none.
  ASSERT_EQ(m.latency.size(), 3u);
  const LatencyDistribution& r = m.latency[0];
  EXPECT_EQ(r.environment, "ref@cpu:O2");
  EXPECT_EQ(r.samples, 10);
  EXPECT_NEAR(r.median_ms, 12, 1e-9);
  EXPECT_NEAR(r.mean_ms, 12, 1e-9);
  EXPECT_NEAR(r.p95_ms, 14, 1e-9);  // h = 9 * 0.95 = 8.55, between the two 14s
  // The same samples, seed 1 and 2000 resamples as SampleStatistics.BootstrapIsReproducible.
  EXPECT_NEAR(r.median_ci95.low, 10.5, 1e-9);
  EXPECT_NEAR(r.median_ci95.high, 13, 1e-9);
  EXPECT_EQ(r.histogram_ms.size(), 10u);
  EXPECT_NEAR(r.histogram_ms.front(), 10, 1e-9);
  const LatencyDistribution& b = m.latency[2];
  EXPECT_EQ(b.samples, 8);
  EXPECT_NEAR(b.median_ms, 31.5, 1e-9);
  EXPECT_NEAR(b.mean_ms, 31.75, 1e-9);
  EXPECT_NEAR(b.p95_ms, 34, 1e-9);

  // Only the two ort environments share framework, device and transforms; O0 is a.
  ASSERT_EQ(m.latency_changes.size(), 1u);
  const LatencyChange& c = m.latency_changes[0];
  EXPECT_EQ(c.a, "ort@cpu:O0");
  EXPECT_EQ(c.b, "ort@cpu:O3");
  EXPECT_NEAR(c.relative_change, 31.5 / 22 - 1, 1e-9);
  // Every one of B's 8 samples is above A's 10: U = 80, mean 40. Ties: A's 5 pairs and B's 4
  // give sum(t^3 - t) = 54 over n = 18, so var = 80/12 (19 - 54/306).
  EXPECT_DOUBLE_EQ(c.mann_whitney_u, 80);
  const double sd = std::sqrt(80.0 / 12 * (19 - 54.0 / 306));
  EXPECT_NEAR(c.p_value, std::erfc((40 - 0.5) / sd / std::sqrt(2.0)), 1e-12);
  EXPECT_LT(c.p_value, 0.001);
  EXPECT_TRUE(c.significant);
  EXPECT_TRUE(c.higher_level_slower);

  ASSERT_EQ(m.nondeterminism.size(), 3u);  // C answered nothing
  EXPECT_EQ(m.nondeterminism[0].environment, "ref@cpu:O2");
  EXPECT_EQ(m.nondeterminism[0].repetitions, 2);
  EXPECT_EQ(m.nondeterminism[0].inputs_repeated, 5);
  EXPECT_EQ(m.nondeterminism[0].top1_changed, 0);
  EXPECT_EQ(m.nondeterminism[0].max_abs_logit_change, 0.5);  // -1 became -0.5
  EXPECT_EQ(m.nondeterminism[1].top1_changed, 1);            // A's input 2
  EXPECT_EQ(m.nondeterminism[1].max_abs_logit_change, 0.0);
  EXPECT_EQ(m.nondeterminism[2].inputs_repeated, 4);  // B's input 4 failed both times
  EXPECT_FALSE(m.nondeterminism[2].max_abs_logit_change.has_value());
}

TEST(ReportData, FailuresMutantsAndNotes) {
  Fixture f = fill_store("report.db");
  const ReportData report = build_report(*f.store, options());
  const ModelReport& m = report.models[0];
  ASSERT_EQ(m.failures.size(), 2u);
  EXPECT_EQ(m.failures[0].environment, "ort@cpu:O3");  // done, with a failed input
  EXPECT_EQ(m.failures[0].status, "done");
  EXPECT_EQ(m.failures[0].failed_inputs, (std::map<std::string, int64_t>{{"garbage", 1}}));
  EXPECT_EQ(m.failures[1].environment, "opencv@cpu:O2");
  EXPECT_EQ(m.failures[1].status, "crashed");
  EXPECT_EQ(m.failures[1].message, "worker died");
  EXPECT_EQ(m.failures[1].mutant, "");
  EXPECT_EQ(m.failures[1].failed_inputs, (std::map<std::string, int64_t>{{"crashed", 1}}));

  // The mutant answered inputs 1-4 in R: input 1 moved from class 0 to 1.
  ASSERT_EQ(m.mutants.size(), 1u);
  const MutantOutcome& mu = m.mutants[0];
  EXPECT_EQ(mu.mutant, "swap_operands@node3");
  EXPECT_EQ(mu.op, "swap_operands");
  EXPECT_EQ(mu.category, "arith");
  EXPECT_EQ(mu.environment, "ref@cpu:O2");
  EXPECT_EQ(mu.status, "done");
  EXPECT_EQ(mu.compared, 4);
  EXPECT_EQ(mu.label_changes, 1);
  EXPECT_DOUBLE_EQ(mu.label_change_pct, 25);
  EXPECT_TRUE(mu.killed);

  const ModelReport& dead = report.models[1];
  EXPECT_EQ(dead.name, "dead");
  EXPECT_TRUE(dead.pairs.empty());
  EXPECT_TRUE(dead.latency.empty());
  ASSERT_EQ(dead.failures.size(), 1u);
  EXPECT_EQ(dead.failures[0].status, "failed");
  EXPECT_EQ(
      report.notes,
      (std::vector<std::string>{"model dead: none of its 1 runs answered any input (1 failed)"}));
  EXPECT_EQ(report.store_path, f.path);
  EXPECT_GE(report.schema_version, 1);
  EXPECT_EQ(report.created_by.rfind("nndelta ", 0), 0u) << report.created_by;
  EXPECT_FALSE(report.created_at.empty());
}

TEST(ReportData, BaselineFromTheOptions) {
  Fixture f = fill_store("report.db");
  ReportOptions o = options();
  o.baseline = "ort@cpu:O3";
  ReportData report = build_report(*f.store, o);
  EXPECT_EQ(report.models[0].baseline, "ort@cpu:O3");
  EXPECT_EQ(report.models[1].baseline, "ref@cpu:O2");
  o.baseline = "ort";  // ort@cpu:O2, which neither model has
  report = build_report(*f.store, o);
  EXPECT_EQ(report.models[0].baseline, "ref@cpu:O2");
  EXPECT_NE(std::find(report.notes.begin(), report.notes.end(),
                      "model m has no run in the baseline ort@cpu:O2; its baseline is ref@cpu:O2"),
            report.notes.end());
}

TEST(ReportData, EmptyStoreGivesANote) {
  const std::string path = fresh_path("empty.db");
  std::unique_ptr<Store> store = Store::open(path);
  const ReportData report = build_report(*store, {});
  EXPECT_TRUE(report.models.empty());
  EXPECT_EQ(report.notes, std::vector<std::string>{"the store has no runs"});
}

TEST(ReportData, OptionsOutOfRangeAreUserErrors) {
  const std::string path = fresh_path("empty.db");
  std::unique_ptr<Store> store = Store::open(path);
  ReportOptions o;
  o.top_k = 0;
  EXPECT_THROW(build_report(*store, o), UserError);
  o = {};
  o.rbo_p = 1;
  EXPECT_THROW(build_report(*store, o), UserError);
  o = {};
  o.alpha = 0;
  EXPECT_THROW(build_report(*store, o), UserError);
  o = {};
  o.bootstrap_resamples = 0;
  EXPECT_THROW(build_report(*store, o), UserError);
  o = {};
  o.baseline = "not an environment@";
  EXPECT_THROW(build_report(*store, o), UserError);
}

}  // namespace
}  // namespace nnd::analysis
