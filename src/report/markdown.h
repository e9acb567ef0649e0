#pragma once
// The report as Markdown (GitHub-flavoured tables): the notes first, then per model its accuracy,
// pairwise agreement, latency, latency changes, nondeterminism, failures, disagreeing images and
// mutation kill matrix. Text from the store is escaped so that it cannot break a table or inject
// HTML.
#include <string>
#include <string_view>

#include "analysis/report_data.h"

namespace nnd::report {

// Text safe inside a table cell: '\', '|', '<', '>', '`' and '*' escaped, line breaks as <br>.
std::string markdown_cell(std::string_view text);

std::string report_markdown(const analysis::ReportData& data);

}  // namespace nnd::report
