#include "analysis/report_findings.h"

#include <fmt/format.h>

namespace nnd::analysis {

namespace {

bool diverges(const PairAgreement& p) {
  return p.top1_differs > 0 || (p.logits && !p.logits->passes());
}

const PairAgreement* find_pair(const ModelReport& m, const std::string& x, const std::string& y) {
  for (const PairAgreement& p : m.pairs)
    if ((p.a == x && p.b == y) || (p.a == y && p.b == x)) return &p;
  return nullptr;
}

// Where a diverging pair first diverges inside the model: its own first divergent node when the
// campaign found one; else, when one side agrees with the baseline, the other side's against the
// baseline (the campaign looks inside the pairs among the baseline and the environments that
// diverge from it); else where to look.
std::string where(const ModelReport& m, const PairAgreement& p) {
  if (p.first_divergent) return first_divergence_text(*p.first_divergent);
  for (const auto& [side, other] : {std::pair(p.a, p.b), std::pair(p.b, p.a)}) {
    const PairAgreement* with_other = find_pair(m, m.baseline, other);
    const PairAgreement* with_side = find_pair(m, m.baseline, side);
    if (other == m.baseline || !with_other || diverges(*with_other) || !with_side ||
        !with_side->first_divergent || !with_side->first_divergent->first)
      continue;
    return fmt::format("{} agrees with {}; against it, {}", other, m.baseline,
                       first_divergence_text(*with_side->first_divergent));
  }
  return "nndelta localize --store finds the first divergent node";
}

}  // namespace

std::vector<std::string> report_findings(const ReportData& data) {
  std::vector<std::string> out;
  size_t pairs = 0;
  for (const ModelReport& m : data.models) {
    for (const PairAgreement& p : m.pairs) {
      pairs += p.compared > 0;
      if (!diverges(p)) continue;
      std::string what;
      if (p.top1_differs > 0)
        what = fmt::format("{} of {} top-1 labels differ ({:.2f}%)", p.top1_differs, p.compared,
                           p.top1_differs_pct);
      if (p.logits && !p.logits->passes())
        what += fmt::format("{}logits beyond tolerance (max abs {:.3g}, {} of {} elements)",
                            what.empty() ? "" : "; ", p.logits->max_abs, p.logits->beyond,
                            p.logits->count);
      out.push_back(
          fmt::format("{}: {} vs {} diverge: {} ({})", m.name, p.a, p.b, what, where(m, p)));
    }
    for (const RunFailure& f : m.failures) {
      out.push_back(fmt::format("{}: {}{} {}: {}", m.name, f.environment,
                                f.mutant.empty() ? "" : " mutant " + f.mutant, f.status,
                                f.message));
    }
    for (const LatencyChange& c : m.latency_changes)
      if (c.significant && c.relative_change > 0)
        out.push_back(fmt::format("{}: {} is {:.1f}% slower than {} (Mann-Whitney p = {:.2g}){}",
                                  m.name, c.b, 100 * c.relative_change, c.a, c.p_value,
                                  c.higher_level_slower ? ", at a higher optimization level" : ""));
  }
  if (data.models.empty()) return {"the store holds no model"};
  if (out.empty())
    out.push_back(fmt::format(
        "everything agrees: {} pair{} of environments over {} model{}, no top-1 flip, no logits "
        "beyond tolerance, no failed run, no significant slow-down",
        pairs, pairs == 1 ? "" : "s", data.models.size(), data.models.size() == 1 ? "" : "s"));
  return out;
}

}  // namespace nnd::analysis
