#pragma once
// The report as JSON: every field of ReportData, under the names of its C++ members (shape in
// docs/report.md). Non-finite numbers, which JSON cannot spell, are the strings "inf", "-inf" and
// "nan"; absent optionals are null.
#include <nlohmann/json.hpp>

#include "analysis/report_data.h"

namespace nnd::report {

nlohmann::json report_json(const analysis::ReportData& data);

}  // namespace nnd::report
