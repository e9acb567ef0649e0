#pragma once
// The report as one self-contained HTML page: inline CSS, inline SVG charts drawn by our own code,
// thumbnails as data: URIs; no script, no network. Every text from the store is escaped (model
// names and messages are user data). Section ids, for links and tests, are <kind>-<model id>
// where the model id is the name with characters other than letters, digits, '_', '.', '-'
// replaced by '-' (and "-2", "-3"... appended when two models would share one): accuracy,
// agreement, pairs, latency, latency-changes, nondeterminism, failures, images and (only when
// the model has mutants) mutants; the page also has id="notes" when there are notes.
#include <string>

#include "analysis/report_data.h"

namespace nnd::report {

std::string report_html(const analysis::ReportData& data);

}  // namespace nnd::report
