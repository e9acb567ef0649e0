#pragma once
// `--format json` of compare and localize: the results as plain data (docs/compare-localize.md
// lists every field). Non-finite numbers are "inf", "-inf" and "nan", as in the report
// (analysis/error_stats_json.h).
#include <nlohmann/json.hpp>

#include "analysis/compare.h"
#include "analysis/localize.h"

namespace nnd::analysis {

nlohmann::json to_json(const ErrorStats& stats);
nlohmann::json to_json(const ShapeMismatch& mismatch);
nlohmann::json to_json(const CompareResult& result);
nlohmann::json to_json(const LocalizeResult& result);

// "agree", "diverge", or "failed" (a side could not load or run).
std::string verdict(const CompareResult& result);

}  // namespace nnd::analysis
