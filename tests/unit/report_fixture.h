#pragma once
// A ReportData built by hand for the renderer tests: two models, one of them named like an HTML
// injection, with disagreements, a slow-down at a higher optimization level, nondeterminism, a
// failure whose message needs CSV quoting, images (Fashion-MNIST items and one unreadable file)
// and mutants.
#include <cmath>
#include <string>

#include "analysis/report_data.h"

namespace nnd::test {

inline const std::string kEvilModel = "<script>alert(\"x\")</script> & co";
inline const std::string kEvilMessage = "worker said: bad, \"very\" bad\nsecond line";

inline analysis::ReportData sample_report() {
  using namespace analysis;
  ReportData data;
  data.store_path = "campaign.db";
  data.schema_version = 1;
  data.created_by = "nndelta 0.1.0";
  data.created_at = "2026-11-25T12:00:00Z";
  data.notes = {"model dead: none of its 1 runs answered any input (failed)"};

  const std::vector<std::string> envs{"ref@cpu:O2", "ort@cpu:O0", "ort@cpu:O3", "opencv@cpu:O2"};
  ModelReport m;
  m.name = "fmnist-net";
  m.sha256 = "ab12";
  m.baseline = "ref@cpu:O2";
  m.environments = envs;
  const double accuracies[] = {0.9, 0.9, 0.875, 0.5};
  for (size_t i = 0; i < envs.size(); ++i) {
    EnvironmentAccuracy a;
    a.environment = envs[i];
    a.labelled = 200;
    a.correct = static_cast<int64_t>(200 * accuracies[i]);
    a.accuracy = accuracies[i];
    a.ci95 = {accuracies[i] - 0.045, std::min(1.0, accuracies[i] + 0.038)};
    m.accuracy.push_back(a);
  }
  for (size_t i = 0; i < envs.size(); ++i)
    for (size_t j = i + 1; j < envs.size(); ++j) {
      PairAgreement p;
      p.a = envs[i];
      p.b = envs[j];
      p.compared = 200;
      p.top1_differs = static_cast<int64_t>(i + 3 * j - 3);
      p.top1_differs_pct = 100.0 * p.top1_differs / 200;
      p.mean_kendall_tau = 0.95 - 0.01 * j;
      p.mean_rbo = 0.97;
      p.mean_jaccard = 0.9;
      if (j < 3) {
        ErrorStats s;
        s.count = 2000;
        s.beyond = i == 0 && j == 1 ? 0 : 17;
        s.max_abs = 1.25e-3 * j;
        s.max_rel = 3.5e-4;
        s.mean_abs = 2e-5;
        s.p50_abs = 1e-6;
        s.p90_abs = 5e-5;
        s.p99_abs = 4e-4;
        s.cosine = 0.9999987;
        s.needed_atol = s.max_abs;
        s.needed_rtol = i == 1 ? INFINITY : 3.5e-4;
        p.logits = s;
      }
      m.pairs.push_back(p);
    }
  PairAgreement& none = m.pairs.back();  // (ort@cpu:O3, opencv@cpu:O2)
  none.compared = none.top1_differs = 0;
  none.top1_differs_pct = 0;
  none.note = "no input answered ok by both (a: 200, b: 0)";
  const double medians[] = {12.5, 2.0, 2.6, 0.8};
  for (size_t i = 0; i < envs.size(); ++i) {
    LatencyDistribution l;
    l.environment = envs[i];
    l.samples = 600;
    l.median_ms = medians[i];
    l.median_ci95 = {medians[i] * 0.97, medians[i] * 1.04};
    l.p95_ms = medians[i] * 1.5;
    l.mean_ms = medians[i] * 1.1;
    for (int k = 0; k < 60; ++k)
      l.histogram_ms.push_back(medians[i] * (0.8 + 0.9 * k * k / 3600.0));
    m.latency.push_back(l);
  }
  LatencyChange slower;
  slower.a = "ort@cpu:O0";
  slower.b = "ort@cpu:O3";
  slower.relative_change = 0.3;
  slower.mann_whitney_u = 41234.5;
  slower.p_value = 1.5e-9;
  slower.significant = true;
  slower.higher_level_slower = true;
  m.latency_changes.push_back(slower);
  m.nondeterminism.push_back({"ref@cpu:O2", 3, 200, 0, 0.0});
  m.nondeterminism.push_back({"ort@cpu:O3", 3, 200, 2, 1.5e-4});
  RunFailure failure;
  failure.environment = "opencv@cpu:O2";
  failure.status = "crashed";
  failure.message = kEvilMessage;
  failure.failed_inputs = {{"crashed", 1}, {"hung", 2}};
  m.failures.push_back(failure);
  for (int64_t k = 0; k < 4; ++k) {
    DisagreeingImage image;
    image.input_id = k + 1;
    image.dataset_key = "fashion-mnist:test#" + std::to_string(k);
    image.source = "t10k-images-idx3-ubyte.gz";
    image.label = k;
    image.top1 = {{"ref@cpu:O2", static_cast<int32_t>(k)},
                  {"ort@cpu:O0", static_cast<int32_t>(k)},
                  {"ort@cpu:O3", static_cast<int32_t>(k + 1)},
                  {"opencv@cpu:O2", 9}};
    m.disagreeing_images.push_back(image);
  }
  m.disagreeing_images_total = 7;  // two more than listed
  DisagreeingImage gone;
  gone.input_id = 99;
  gone.dataset_key = "images:/nonexistent/pullover.png";
  gone.source = "/nonexistent/pullover.png";
  gone.top1 = {{"ref@cpu:O2", 2}, {"ort@cpu:O3", 4}};
  m.disagreeing_images.push_back(gone);
  for (const std::string& mutant :
       {std::string("swap_operands@node3"), std::string("relu_to_id@7")})
    for (const std::string& env : {envs[0], envs[2]}) {
      MutantOutcome o;
      o.mutant = mutant;
      o.op = mutant.substr(0, mutant.find('@'));
      o.category = "arith";
      o.environment = env;
      o.status = "done";
      o.compared = 200;
      o.label_changes = mutant.starts_with("swap") ? 37 : 0;
      o.label_change_pct = 100.0 * o.label_changes / 200;
      o.killed = o.label_changes > 0;
      if (!o.killed && env == envs[2]) {
        o.compared = 0;
        o.note = "the original model has no run in ort@cpu:O3";
      }
      o.outcome = o.killed ? "killed" : o.compared == 0 ? "not compared" : "survived";
      m.mutants.push_back(o);
    }
  // The scores of those outcomes: a mutant not compared is not decided.
  m.mutation_scores.push_back({envs[0], 2, 1, 1, 1, 50.0});
  m.mutation_scores.push_back({envs[2], 1, 1, 1, 0, 100.0});
  data.models.push_back(m);

  ModelReport evil;
  evil.name = kEvilModel;
  evil.sha256 = "cd34";
  evil.baseline = "ref@cpu:O2";
  evil.environments = {"ref@cpu:O2"};
  evil.accuracy.push_back({"ref@cpu:O2", 10, 7, 0.7, {0.397, 0.892}});
  data.models.push_back(evil);
  return data;
}

}  // namespace nnd::test
