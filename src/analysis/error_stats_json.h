#pragma once
// The one JSON spelling of error statistics, shared by `compare`, `localize` and the report, so
// that a reader parses them one way. JSON has no infinity or NaN: non-finite numbers are the
// strings "inf", "-inf" and "nan" (an infinite needed_atol says no atol passes; null would lose
// that).
#include <nlohmann/json.hpp>

#include "analysis/error_stats.h"

namespace nnd::analysis {

// A number, or "inf", "-inf", "nan".
nlohmann::json json_number(double value);

// {count, beyond, nonfinite, passes, max_abs, max_rel, mean_abs, p50_abs, p90_abs, p99_abs,
//  cosine, needed_atol, needed_rtol}.
nlohmann::json error_stats_json(const ErrorStats& stats);

}  // namespace nnd::analysis
