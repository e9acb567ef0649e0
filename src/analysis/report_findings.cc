#include "analysis/report_findings.h"

#include <fmt/format.h>

namespace nnd::analysis {

std::vector<std::string> report_findings(const ReportData& data) {
  std::vector<std::string> out;
  size_t pairs = 0;
  for (const ModelReport& m : data.models) {
    for (const PairAgreement& p : m.pairs) {
      pairs += p.compared > 0;
      const bool logits_beyond = p.logits && !p.logits->passes();
      if (p.top1_differs == 0 && !logits_beyond) continue;
      std::string what;
      if (p.top1_differs > 0)
        what = fmt::format("{} of {} top-1 labels differ ({:.2f}%)", p.top1_differs, p.compared,
                           p.top1_differs_pct);
      if (logits_beyond)
        what += fmt::format("{}logits beyond tolerance (max abs {:.3g}, {} of {} elements)",
                            what.empty() ? "" : "; ", p.logits->max_abs, p.logits->beyond,
                            p.logits->count);
      out.push_back(
          fmt::format("{}: {} vs {} diverge: {} (nndelta localize --store finds the "
                      "first divergent node)",
                      m.name, p.a, p.b, what));
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
