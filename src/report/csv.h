#pragma once
// The report as CSV tables, one file per table (RFC 4180: comma separated, CRLF line ends, a field
// quoted when it holds a comma, quote or line break, quotes doubled). Every table starts with the
// model's name, so that tables of several models stack; numbers are written in full precision.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/report_data.h"

namespace nnd::report {

// One field as RFC 4180 writes it.
std::string csv_field(std::string_view text);

struct CsvTable {
  std::string file_name;  // e.g. "pairs.csv"
  std::string text;       // header line and rows
};

// accuracy, pairs, latency, latency_changes, nondeterminism, failures, disagreeing_images,
// mutants and notes, in that order (a table with no rows still has its header).
std::vector<CsvTable> report_csv(const analysis::ReportData& data);

}  // namespace nnd::report
