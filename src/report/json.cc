#include "report/json.h"

#include "analysis/error_stats_json.h"
#include "analysis/report_findings.h"

namespace nnd::report {

namespace {

using nlohmann::json;

// One spelling of non-finite numbers and of error statistics across compare, localize and the
// report (analysis/error_stats_json.h).
json number(double value) { return analysis::json_number(value); }

json interval(const analysis::Interval& i) {
  return {{"low", number(i.low)}, {"high", number(i.high)}};
}

json options(const analysis::ReportOptions& o) {
  return {{"rbo_p", number(o.rbo_p)},
          {"top_k", o.top_k},
          {"seed", o.seed},
          {"bootstrap_resamples", o.bootstrap_resamples},
          {"alpha", number(o.alpha)},
          {"tolerance", {{"atol", number(o.tolerance.atol)}, {"rtol", number(o.tolerance.rtol)}}},
          {"max_images", o.max_images},
          {"baseline", o.baseline}};
}

json accuracy(const analysis::EnvironmentAccuracy& a) {
  return {{"environment", a.environment},
          {"labelled", a.labelled},
          {"correct", a.correct},
          {"accuracy", number(a.accuracy)},
          {"ci95", interval(a.ci95)}};
}

// The pair's first divergent node as the campaign found it (null when it did not look).
json first_divergent(const std::optional<analysis::FirstDivergence>& d) {
  if (!d) return nullptr;
  json node = nullptr;
  if (d->first) {
    const analysis::ValueError& v = *d->first;
    json shapes = nullptr;
    if (v.shapes) shapes = {{"reference", v.shapes->reference}, {"candidate", v.shapes->candidate}};
    node = {{"position", v.position},
            {"node", v.node},
            {"op", v.op},
            {"value", v.value},
            {"max_abs", number(v.stats.max_abs)},
            {"mean_abs", number(v.stats.mean_abs)},
            {"beyond", v.stats.beyond},
            {"count", v.stats.count},
            {"shapes_differ", shapes}};
  }
  return {{"reference", d->reference_env},
          {"candidate", d->candidate_env},
          {"input", d->input},
          {"outcome", d->outcome},
          {"message", d->message},
          {"compared", d->compared},
          {"skipped", d->skipped},
          {"tolerance", {{"atol", number(d->tolerance.atol)}, {"rtol", number(d->tolerance.rtol)}}},
          {"node", node}};
}

json pair(const analysis::PairAgreement& p) {
  return {{"a", p.a},
          {"b", p.b},
          {"compared", p.compared},
          {"top1_differs", p.top1_differs},
          {"top1_differs_pct", number(p.top1_differs_pct)},
          {"mean_kendall_tau", number(p.mean_kendall_tau)},
          {"mean_rbo", number(p.mean_rbo)},
          {"mean_jaccard", number(p.mean_jaccard)},
          {"logits", p.logits ? analysis::error_stats_json(*p.logits) : json(nullptr)},
          {"first_divergent", first_divergent(p.first_divergent)},
          {"note", p.note}};
}

json latency(const analysis::LatencyDistribution& l) {
  json histogram = json::array();
  for (double ms : l.histogram_ms) histogram.push_back(number(ms));
  return {{"environment", l.environment},     {"samples", l.samples},
          {"median_ms", number(l.median_ms)}, {"p95_ms", number(l.p95_ms)},
          {"mean_ms", number(l.mean_ms)},     {"median_ci95", interval(l.median_ci95)},
          {"histogram_ms", histogram}};
}

json latency_change(const analysis::LatencyChange& c) {
  return {{"a", c.a},
          {"b", c.b},
          {"relative_change", number(c.relative_change)},
          {"mann_whitney_u", number(c.mann_whitney_u)},
          {"p_value", number(c.p_value)},
          {"significant", c.significant},
          {"higher_level_slower", c.higher_level_slower}};
}

json nondeterminism(const analysis::Nondeterminism& n) {
  return {{"environment", n.environment},
          {"repetitions", n.repetitions},
          {"inputs_repeated", n.inputs_repeated},
          {"top1_changed", n.top1_changed},
          {"max_abs_logit_change",
           n.max_abs_logit_change ? number(*n.max_abs_logit_change) : json(nullptr)}};
}

json failure(const analysis::RunFailure& f) {
  return {{"environment", f.environment},
          {"mutant", f.mutant},
          {"status", f.status},
          {"message", f.message},
          {"failed_inputs", f.failed_inputs}};
}

json image(const analysis::DisagreeingImage& i) {
  return {{"input_id", i.input_id},
          {"dataset_key", i.dataset_key},
          {"source", i.source},
          {"label", i.label ? json(*i.label) : json(nullptr)},
          {"top1", i.top1}};
}

json mutant(const analysis::MutantOutcome& m) {
  return {{"mutant", m.mutant},
          {"op", m.op},
          {"category", m.category},
          {"level", m.level},
          {"sites", m.sites},
          {"environment", m.environment},
          {"status", m.status},
          {"outcome", m.outcome},
          {"message", m.message},
          {"compared", m.compared},
          {"label_changes", m.label_changes},
          {"label_change_pct", number(m.label_change_pct)},
          {"non_finite", m.non_finite},
          {"top_label_pct", number(m.top_label_pct)},
          {"latency_change", m.latency_change ? number(*m.latency_change) : json(nullptr)},
          {"killed", m.killed},
          {"note", m.note}};
}

json mutation_score(const analysis::MutationScore& s) {
  return {{"environment", s.environment}, {"decided", s.decided},
          {"detected", s.detected},       {"killed", s.killed},
          {"survived", s.survived},       {"score_pct", number(s.score_pct)}};
}

json category_score(const analysis::CategoryScore& c) {
  return {{"category", c.category},
          {"environment", c.environment},
          {"mutants", c.mutants},
          {"detected", c.detected},
          {"mean_label_change_pct", number(c.mean_label_change_pct)}};
}

json discrepancy(const analysis::MutantDiscrepancy& d) {
  return {{"mutant", d.mutant},
          {"a", d.a},
          {"b", d.b},
          {"compared", d.compared},
          {"discrepancies", d.discrepancies},
          {"discrepancy_pct", number(d.discrepancy_pct)}};
}

json would_be(const analysis::WouldBeMutant& w) {
  return {{"mutant", w.mutant},
          {"op", w.op},
          {"category", w.category},
          {"level", w.level},
          {"reason", w.reason}};
}

template <typename T, typename F>
json list(const std::vector<T>& items, F convert) {
  json out = json::array();
  for (const T& item : items) out.push_back(convert(item));
  return out;
}

json model(const analysis::ModelReport& m) {
  return {{"name", m.name},
          {"sha256", m.sha256},
          {"baseline", m.baseline},
          {"environments", m.environments},
          {"accuracy", list(m.accuracy, accuracy)},
          {"pairs", list(m.pairs, pair)},
          {"latency", list(m.latency, latency)},
          {"latency_changes", list(m.latency_changes, latency_change)},
          {"nondeterminism", list(m.nondeterminism, nondeterminism)},
          {"failures", list(m.failures, failure)},
          {"disagreeing_images", list(m.disagreeing_images, image)},
          {"disagreeing_images_total", m.disagreeing_images_total},
          {"mutants", list(m.mutants, mutant)},
          {"mutation_scores", list(m.mutation_scores, mutation_score)},
          {"category_scores", list(m.category_scores, category_score)},
          {"mutant_discrepancies", list(m.mutant_discrepancies, discrepancy)},
          {"would_be_mutants", list(m.would_be_mutants, would_be)}};
}

}  // namespace

json report_json(const analysis::ReportData& data) {
  return {{"store_path", data.store_path},
          {"schema_version", data.schema_version},
          {"created_by", data.created_by},
          {"created_at", data.created_at},
          {"options", options(data.options)},
          {"notes", data.notes},
          {"findings", analysis::report_findings(data)},
          {"models", list(data.models, model)}};
}

}  // namespace nnd::report
