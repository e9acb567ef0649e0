#pragma once
// `nndelta report`'s output: one ReportData (computed by analysis/report_data.h) rendered as a
// self-contained HTML page, Markdown, JSON or CSV tables. The renderers only format; they compute
// nothing that the store does not already say (the HTML page's thumbnails are read back from the
// dataset keys the store records).
#include <string>
#include <vector>

#include "analysis/report_data.h"

namespace nnd::report {

enum class Format { kHtml, kMarkdown, kJson, kCsv };

// "html", "md", "json" or "csv"; anything else is a UserError naming `option` (e.g. "--format").
Format parse_format(const std::string& text, const std::string& option = "--format");

// Writes the report into out_dir (created when missing) and returns the paths written, in order:
// report.html, report.md, report.json, or one CSV file per table. A file that cannot be written is
// a UserError naming it.
std::vector<std::string> write_report(const analysis::ReportData& data, Format format,
                                      const std::string& out_dir);

// Where a store's report goes by default: the store's folder / "<store's stem>-report".
std::string default_out_dir(const std::string& store);

}  // namespace nnd::report
