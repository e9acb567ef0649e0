// The report's label sections: accuracy, pairwise agreement, and the images that disagree.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <span>

#include "analysis/parallel.h"
#include "analysis/rank_metrics.h"
#include "analysis/report_sections.h"
#include "data/evaluate.h"

namespace nnd::analysis::report {

RunPredictions::RunPredictions(campaign::RunRow row, std::vector<campaign::PredictionRecord> all)
    : run(std::move(row)), predictions(std::move(all)) {
  for (const campaign::PredictionRecord& p : predictions)
    if (p.repetition == 0 && p.outcome == "ok") first_ok.push_back(&p);
}

int32_t top1_of(const campaign::PredictionRecord& p) {
  return p.top_ids.empty() ? -1 : p.top_ids.front();
}

namespace {

double percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

std::span<const int32_t> top_k(const campaign::PredictionRecord& p, int k) {
  return std::span<const int32_t>(p.top_ids).first(
      std::min(p.top_ids.size(), static_cast<size_t>(k)));
}

PairAgreement compare_pair(const RunPredictions& a, const RunPredictions& b,
                           const ReportOptions& options) {
  PairAgreement pair;
  pair.a = a.run.environment;
  pair.b = b.run.environment;
  double tau = 0, rbo = 0, jac = 0;
  ErrorAccumulator logits(options.tolerance);
  bool have_logits = false;
  for_common_inputs(
      a, b, [&](const campaign::PredictionRecord& pa, const campaign::PredictionRecord& pb) {
        ++pair.compared;
        pair.top1_differs += top1_of(pa) != top1_of(pb);
        const auto ka = top_k(pa, options.top_k), kb = top_k(pb, options.top_k);
        tau += kendall_tau_b(ka, kb);
        rbo += rank_biased_overlap(ka, kb, options.rbo_p);
        jac += jaccard(ka, kb);
        if (pa.logits && pb.logits) {
          logits.add(*pa.logits, *pb.logits);
          have_logits = true;
        }
      });
  if (pair.compared == 0) {
    pair.note = fmt::format("no input answered ok by both ({}: {}, {}: {})", pair.a,
                            a.first_ok.size(), pair.b, b.first_ok.size());
    return pair;
  }
  const double n = static_cast<double>(pair.compared);
  pair.top1_differs_pct = percent(pair.top1_differs, pair.compared);
  pair.mean_kendall_tau = tau / n;
  pair.mean_rbo = rbo / n;
  pair.mean_jaccard = jac / n;
  if (have_logits) pair.logits = logits.stats();
  return pair;
}

}  // namespace

void add_accuracy(const std::vector<RunPredictions>& originals, const InputIndex& inputs,
                  ModelReport& model) {
  for (const RunPredictions& run : originals) {
    EnvironmentAccuracy& acc = model.accuracy.emplace_back();
    acc.environment = run.run.environment;
    for (const campaign::PredictionRecord* p : run.first_ok) {
      auto input = inputs.find(p->input_id);
      if (input == inputs.end() || !input->second->label) continue;
      ++acc.labelled;
      acc.correct += top1_of(*p) == *input->second->label;
    }
    if (acc.labelled > 0)
      acc.accuracy = static_cast<double>(acc.correct) / static_cast<double>(acc.labelled);
    const data::Interval ci = data::wilson_interval(acc.correct, acc.labelled);
    acc.ci95 = {ci.low, ci.high};
  }
}

void add_pairs(const std::vector<RunPredictions>& originals, const ReportOptions& options,
               ModelReport& model) {
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t i = 0; i < originals.size(); ++i)
    for (size_t j = i + 1; j < originals.size(); ++j) pairs.emplace_back(i, j);
  model.pairs = in_parallel(pairs.size(), [&](size_t p) {
    return compare_pair(originals[pairs[p].first], originals[pairs[p].second], options);
  });
}

void add_disagreeing_images(const std::vector<RunPredictions>& originals, const InputIndex& inputs,
                            const ReportOptions& options, ModelReport& model) {
  // input id -> (environment index, top-1) of each environment that answered it.
  std::map<int64_t, std::vector<std::pair<size_t, int32_t>>> answers;
  for (size_t e = 0; e < originals.size(); ++e)
    for (const campaign::PredictionRecord* p : originals[e].first_ok)
      answers[p->input_id].emplace_back(e, top1_of(*p));

  struct Candidate {
    int64_t input_id;
    size_t answered, most_common;  // environments answering, and giving the most common top-1
  };
  std::vector<Candidate> candidates;
  for (const auto& [input_id, by_env] : answers) {
    if (by_env.size() < 2) continue;
    std::map<int32_t, size_t> votes;
    for (const auto& [env, top1] : by_env) ++votes[top1];
    if (votes.size() < 2) continue;
    size_t most = 0;
    for (const auto& [top1, count] : votes) most = std::max(most, count);
    candidates.push_back({input_id, by_env.size(), most});
  }
  model.disagreeing_images_total = static_cast<int64_t>(candidates.size());
  // Least agreement first: most_common / answered ascending (compared as cross products).
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& x, const Candidate& y) {
    const size_t lhs = x.most_common * y.answered, rhs = y.most_common * x.answered;
    if (lhs != rhs) return lhs < rhs;
    if (x.answered != y.answered) return x.answered > y.answered;
    return x.input_id < y.input_id;
  });
  if (candidates.size() > options.max_images) candidates.resize(options.max_images);
  for (const Candidate& c : candidates) {
    DisagreeingImage& image = model.disagreeing_images.emplace_back();
    image.input_id = c.input_id;
    if (auto input = inputs.find(c.input_id); input != inputs.end()) {
      image.dataset_key = input->second->dataset_key;
      image.source = input->second->source;
      image.label = input->second->label;
    }
    for (const auto& [env, top1] : answers[c.input_id])
      image.top1[originals[env].run.environment] = top1;
  }
}

}  // namespace nnd::analysis::report
