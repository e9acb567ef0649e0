#include "analysis/error_stats_json.h"

#include <cmath>

namespace nnd::analysis {

nlohmann::json json_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

nlohmann::json error_stats_json(const ErrorStats& s) {
  return {{"count", s.count},
          {"beyond", s.beyond},
          {"nonfinite", s.nonfinite},
          {"passes", s.passes()},
          {"max_abs", json_number(s.max_abs)},
          {"max_rel", json_number(s.max_rel)},
          {"mean_abs", json_number(s.mean_abs)},
          {"p50_abs", json_number(s.p50_abs)},
          {"p90_abs", json_number(s.p90_abs)},
          {"p99_abs", json_number(s.p99_abs)},
          {"cosine", json_number(s.cosine)},
          {"needed_atol", json_number(s.needed_atol)},
          {"needed_rtol", json_number(s.needed_rtol)}};
}

}  // namespace nnd::analysis
