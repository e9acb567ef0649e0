#pragma once
// What a report opens with: what was found, before the tables. The pairs of environments whose
// answers diverge (top-1 flips, or logits beyond tolerance), the runs that failed, and the
// significant slow-downs; one line saying so when everything agrees.
#include <string>
#include <vector>

#include "analysis/report_data.h"

namespace nnd::analysis {

// One sentence per finding, models in store order; a single "everything agrees" sentence when
// there is nothing to report (or a note that the store has no model).
std::vector<std::string> report_findings(const ReportData& data);

}  // namespace nnd::analysis
