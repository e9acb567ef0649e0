// The report's timing sections: latency distributions, their changes between related
// environments, and run-to-run nondeterminism.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "analysis/parallel.h"
#include "analysis/report_sections.h"
#include "analysis/statistics.h"
#include "backends/env_spec.h"
#include "core/error.h"

namespace nnd::analysis::report {

namespace {

constexpr size_t kHistogramSamples = 200;

// Evenly spaced ranks of the sorted samples, the first and last included.
std::vector<double> thin(const std::vector<double>& sorted) {
  if (sorted.size() <= kHistogramSamples) return sorted;
  std::vector<double> out;
  const double step = static_cast<double>(sorted.size() - 1) / (kHistogramSamples - 1);
  for (size_t i = 0; i < kHistogramSamples; ++i)
    out.push_back(sorted[static_cast<size_t>(std::lround(static_cast<double>(i) * step))]);
  return out;
}

std::optional<backends::EnvSpec> parse_or_nothing(const std::string& environment) {
  try {
    return backends::EnvSpec::parse(environment);
  } catch (const UserError&) {
    return std::nullopt;  // a spelling this build does not know: compared with nothing
  }
}

struct Timed {
  std::string environment;
  std::optional<backends::EnvSpec> spec;
  std::vector<double> sorted_ms;
  double median_ms = 0;
};

LatencyChange compare_latency(const Timed& a, const Timed& b, const ReportOptions& options) {
  LatencyChange change;
  change.a = a.environment;
  change.b = b.environment;
  if (a.median_ms > 0) change.relative_change = b.median_ms / a.median_ms - 1;
  const MannWhitney test = mann_whitney_u(b.sorted_ms, a.sorted_ms);
  change.mann_whitney_u = test.u;
  change.p_value = test.p_value;
  change.significant = test.p_value < options.alpha;
  backends::EnvSpec a_at_b_level = *a.spec;
  a_at_b_level.opt = b.spec->opt;
  change.higher_level_slower = a_at_b_level == *b.spec && b.spec->opt > a.spec->opt &&
                               change.significant && b.median_ms > a.median_ms;
  return change;
}

// |x - y|, with inf for a non-finite pair that is not the same bits.
double abs_change(float x, float y) {
  if (std::isfinite(x) && std::isfinite(y)) return std::abs(static_cast<double>(x) - y);
  return std::bit_cast<uint32_t>(x) == std::bit_cast<uint32_t>(y)
             ? 0
             : std::numeric_limits<double>::infinity();
}

}  // namespace

void add_latency(const std::vector<RunPredictions>& originals, const ReportOptions& options,
                 ModelReport& model) {
  std::vector<Timed> timed;
  for (const RunPredictions& run : originals) {
    Timed t{run.run.environment, parse_or_nothing(run.run.environment), {}, 0};
    for (const campaign::PredictionRecord& p : run.predictions)
      if (p.outcome == "ok") t.sorted_ms.push_back(static_cast<double>(p.latency_ns) / 1e6);
    if (t.sorted_ms.empty()) continue;
    std::sort(t.sorted_ms.begin(), t.sorted_ms.end());
    t.median_ms = quantile_linear(t.sorted_ms, 0.5);

    LatencyDistribution& d = model.latency.emplace_back();
    d.environment = t.environment;
    d.samples = static_cast<int64_t>(t.sorted_ms.size());
    d.median_ms = t.median_ms;
    d.p95_ms = quantile_linear(t.sorted_ms, 0.95);
    d.mean_ms = std::accumulate(t.sorted_ms.begin(), t.sorted_ms.end(), 0.0) /
                static_cast<double>(t.sorted_ms.size());
    d.histogram_ms = thin(t.sorted_ms);
    timed.push_back(std::move(t));
  }
  // The bootstraps are most of the report's time: one thread per core, an environment at a time.
  // Each has its own generator, so the thread count does not change the intervals.
  std::vector<Interval> intervals = in_parallel(timed.size(), [&](size_t i) {
    return bootstrap_median_ci(timed[i].sorted_ms, options.bootstrap_resamples, options.seed);
  });
  for (size_t i = 0; i < timed.size(); ++i)
    model.latency[model.latency.size() - timed.size() + i].median_ci95 = intervals[i];
  for (size_t i = 0; i < timed.size(); ++i)
    for (size_t j = i + 1; j < timed.size(); ++j) {
      const Timed &x = timed[i], &y = timed[j];
      if (!x.spec || !y.spec || x.spec->framework != y.spec->framework ||
          x.spec->device != y.spec->device || x.spec->transforms != y.spec->transforms)
        continue;
      const bool swap = y.spec->opt < x.spec->opt;  // a is the lower level
      model.latency_changes.push_back(swap ? compare_latency(y, x, options)
                                           : compare_latency(x, y, options));
    }
}

void add_nondeterminism(const std::vector<RunPredictions>& originals, ModelReport& model) {
  for (const RunPredictions& run : originals) {
    Nondeterminism n;
    n.environment = run.run.environment;
    const auto& ps = run.predictions;  // by input, then repetition
    for (size_t first = 0; first < ps.size();) {
      size_t last = first;
      while (last < ps.size() && ps[last].input_id == ps[first].input_id) ++last;
      const campaign::PredictionRecord* reference = nullptr;  // the first ok repetition
      int ok = 0;
      bool changed = false;
      for (size_t i = first; i < last; ++i) {
        const campaign::PredictionRecord& p = ps[i];
        if (p.outcome != "ok") continue;
        ++ok;
        if (!reference) {
          reference = &p;
          continue;
        }
        changed |= top1_of(p) != top1_of(*reference);
        if (p.logits && reference->logits && p.logits->size() == reference->logits->size()) {
          double most = n.max_abs_logit_change.value_or(0);
          for (size_t k = 0; k < p.logits->size(); ++k)
            most = std::max(most, abs_change((*p.logits)[k], (*reference->logits)[k]));
          n.max_abs_logit_change = most;
        }
      }
      n.repetitions = std::max(n.repetitions, ok);
      if (ok >= 2) {
        ++n.inputs_repeated;
        n.top1_changed += changed;
      }
      first = last;
    }
    if (n.repetitions > 0) model.nondeterminism.push_back(std::move(n));
  }
}

}  // namespace nnd::analysis::report
