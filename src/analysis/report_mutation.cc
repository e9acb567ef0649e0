// The report's mutation sections: each mutant in each environment against the original there,
// discrepancies of one mutant between environments, scores per environment and per category.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/report_sections.h"
#include "mutate/catalogue.h"

namespace nnd::analysis::report {

namespace {

constexpr double kStuckShare = 0.9;  // more than this share of inputs with one label is stuck

double percent(int64_t part, int64_t whole) {
  return whole == 0 ? 0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

bool non_finite(const campaign::PredictionRecord& p) {
  auto bad = [](float x) { return !std::isfinite(x); };
  if (p.logits) return std::any_of(p.logits->begin(), p.logits->end(), bad);
  return std::any_of(p.top_scores.begin(), p.top_scores.end(), bad);
}

// Share of a run's ok answers (repetition 0) that give its most common top-1 label.
double top_label_share(const RunPredictions& run) {
  std::map<int32_t, int64_t> counts;
  int64_t most = 0;
  for (const campaign::PredictionRecord* p : run.first_ok)
    most = std::max(most, ++counts[top1_of(*p)]);
  return run.first_ok.empty()
             ? 0
             : static_cast<double>(most) / static_cast<double>(run.first_ok.size());
}

std::optional<double> median_latency(const RunPredictions& run) {
  std::vector<double> ns;
  for (const campaign::PredictionRecord& p : run.predictions)
    if (p.outcome == "ok") ns.push_back(static_cast<double>(p.latency_ns));
  if (ns.empty()) return std::nullopt;
  return median(std::move(ns));
}

// The first input outcome among `outcomes` with its message.
const campaign::PredictionRecord* first_failure(const RunPredictions& run,
                                                std::initializer_list<const char*> outcomes) {
  for (const campaign::PredictionRecord& p : run.predictions)
    for (const char* o : outcomes)
      if (p.outcome == o) return &p;
  return nullptr;
}

MutantOutcome outcome_of(const RunPredictions& run, const RunPredictions* original,
                         const campaign::MutantRecord& mutant) {
  using campaign::RunStatus;
  MutantOutcome m;
  m.mutant = mutant.op + "@" + mutant.position;
  m.op = mutant.op;
  m.category = mutant.category;
  m.level = mutant.level;
  m.sites = mutant.sites;
  m.environment = run.run.environment;
  m.status = std::string(campaign::run_status_name(run.run.status));
  m.message = run.run.message;
  if (original)
    for_common_inputs(
        *original, run,
        [&](const campaign::PredictionRecord& o, const campaign::PredictionRecord& p) {
          ++m.compared;
          m.label_changes += top1_of(o) != top1_of(p);
        });
  m.label_change_pct = percent(m.label_changes, m.compared);
  for (const campaign::PredictionRecord* p : run.first_ok) m.non_finite += non_finite(*p);
  m.top_label_pct = 100 * top_label_share(run);
  if (original) {
    auto a = median_latency(*original), b = median_latency(run);
    if (a && b && *a > 0) m.latency_change = *b / *a - 1;
  }
  const campaign::PredictionRecord* crash =
      first_failure(run, {"crashed", "garbage", "exited", "failed"});
  const campaign::PredictionRecord* hang = first_failure(run, {"hung"});
  if (run.run.status == RunStatus::kRefused) {
    m.outcome = "failed to build";
  } else if (run.run.status == RunStatus::kCrashed || run.run.status == RunStatus::kFailed ||
             (run.run.status == RunStatus::kStuck && !hang) || crash) {
    m.outcome = "crashed";
    if (m.message.empty() && crash) m.message = crash->message;
  } else if (run.run.status == RunStatus::kHung || run.run.status == RunStatus::kStuck || hang) {
    m.outcome = "hung";
    if (m.message.empty() && hang) m.message = hang->message;
  } else if (m.compared == 0) {
    m.outcome = "not compared";
    m.note = !original ? fmt::format("the original model has no run in {}", m.environment)
                       : fmt::format(
                             "no input answered ok by both the original ({}) and the "
                             "mutant ({})",
                             original->first_ok.size(), run.first_ok.size());
  } else if (m.non_finite > 0) {
    m.outcome = "non-finite";
  } else if (top_label_share(run) > kStuckShare && top_label_share(*original) <= kStuckShare) {
    m.outcome = "stuck";
  } else {
    m.outcome = m.label_changes > 0 ? "killed" : "survived";
  }
  m.killed = m.outcome != "survived" && m.outcome != "not compared";
  return m;
}

}  // namespace

void add_mutant(const std::vector<RunPredictions>& runs,
                const std::vector<const RunPredictions*>& originals,
                const campaign::MutantRecord& mutant, ModelReport& model) {
  for (size_t i = 0; i < runs.size(); ++i)
    model.mutants.push_back(outcome_of(runs[i], originals[i], mutant));
  const std::string name = mutant.op + "@" + mutant.position;
  for (size_t i = 0; i < runs.size(); ++i)
    for (size_t j = i + 1; j < runs.size(); ++j) {
      if (!originals[i] || !originals[j]) continue;
      MutantDiscrepancy d;
      d.mutant = name;
      d.a = runs[i].run.environment;
      d.b = runs[j].run.environment;
      // Inputs all four runs answered: the mutant in a and b, the original in a and b.
      std::map<int64_t, int32_t> mutant_a, original_a, original_b;
      for (const auto* p : runs[i].first_ok) mutant_a[p->input_id] = top1_of(*p);
      for (const auto* p : originals[i]->first_ok) original_a[p->input_id] = top1_of(*p);
      for (const auto* p : originals[j]->first_ok) original_b[p->input_id] = top1_of(*p);
      for (const auto* p : runs[j].first_ok) {
        auto ma = mutant_a.find(p->input_id);
        auto oa = original_a.find(p->input_id);
        auto ob = original_b.find(p->input_id);
        if (ma == mutant_a.end() || oa == original_a.end() || ob == original_b.end()) continue;
        ++d.compared;
        d.discrepancies += ma->second != top1_of(*p) && oa->second == ob->second;
      }
      d.discrepancy_pct = percent(d.discrepancies, d.compared);
      model.mutant_discrepancies.push_back(std::move(d));
    }
}

void finish_mutation(const std::vector<campaign::MutantRecord>& would_be, ModelReport& model) {
  for (const campaign::MutantRecord& m : would_be)
    model.would_be_mutants.push_back({m.op + "@" + m.position, m.op, m.category, m.level, m.note});
  if (model.mutants.empty()) return;
  std::vector<std::string> envs = model.environments;
  for (const MutantOutcome& o : model.mutants)
    if (std::find(envs.begin(), envs.end(), o.environment) == envs.end())
      envs.push_back(o.environment);
  for (const std::string& env : envs) {
    MutationScore s;
    s.environment = env;
    for (const MutantOutcome& o : model.mutants) {
      if (o.environment != env || o.outcome == "not compared") continue;
      ++s.decided;
      s.detected += o.killed;
      s.killed += o.outcome == "killed";
      s.survived += o.outcome == "survived";
    }
    if (s.decided == 0) continue;
    s.score_pct = percent(s.detected, s.decided);
    model.mutation_scores.push_back(s);
  }
  for (mutate::Category category : mutate::categories())
    for (const std::string& env : envs) {
      CategoryScore c;
      c.category = std::string(mutate::category_id(category));
      c.environment = env;
      double sum = 0;
      for (const MutantOutcome& o : model.mutants) {
        if (o.environment != env || o.category != c.category || o.outcome == "not compared")
          continue;
        ++c.mutants;
        c.detected += o.killed;
        sum += o.label_change_pct;
      }
      if (c.mutants == 0) continue;
      c.mean_label_change_pct = sum / static_cast<double>(c.mutants);
      model.category_scores.push_back(c);
    }
}

}  // namespace nnd::analysis::report
