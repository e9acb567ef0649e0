#include "analysis/error_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"

namespace nnd::analysis {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool same_nonfinite(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b;  // both infinite here: equal only with the same sign
}

// Nearest-rank quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

void ErrorAccumulator::add(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size())
    fail("cannot compare {} values with {} values: the tensors differ in size", a.size(), b.size());
  const std::vector<double> x(a.begin(), a.end()), y(b.begin(), b.end());
  add(std::span<const double>(x), std::span<const double>(y));
}

void ErrorAccumulator::add(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size())
    fail("cannot compare {} values with {} values: the tensors differ in size", a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ++running_.count;
    const double x = a[i], y = b[i];
    if (!std::isfinite(x) || !std::isfinite(y)) {
      if (!same_nonfinite(a[i], b[i])) {
        ++running_.nonfinite;
        ++running_.beyond;
      }
      continue;
    }
    const double error = std::fabs(x - y);
    const double rel = y != 0 ? error / std::fabs(y) : (error > 0 ? kInf : 0);
    running_.max_abs = std::max(running_.max_abs, error);
    running_.max_rel = std::max(running_.max_rel, rel);
    if (error > tolerance_.atol && rel > tolerance_.rtol) ++running_.beyond;
    abs_errors_.push_back(error);
    sum_abs_ += error;
    dot_ += x * y;
    norm_a_ += x * x;
    norm_b_ += y * y;
  }
}

ErrorStats ErrorAccumulator::stats() const {
  ErrorStats s = running_;
  const size_t finite = abs_errors_.size();
  s.mean_abs = finite ? sum_abs_ / static_cast<double>(finite) : 0;
  std::vector<double> sorted = abs_errors_;
  std::sort(sorted.begin(), sorted.end());
  s.p50_abs = quantile(sorted, 0.50);
  s.p90_abs = quantile(sorted, 0.90);
  s.p99_abs = quantile(sorted, 0.99);
  if (norm_a_ == 0 && norm_b_ == 0)
    s.cosine = 1;
  else if (norm_a_ == 0 || norm_b_ == 0)
    s.cosine = 0;
  else
    s.cosine = dot_ / (std::sqrt(norm_a_) * std::sqrt(norm_b_));
  s.needed_atol = s.nonfinite ? kInf : s.max_abs;
  s.needed_rtol = s.nonfinite ? kInf : s.max_rel;
  return s;
}

ErrorStats compare_values(std::span<const float> a, std::span<const float> b,
                          const Tolerance& tolerance) {
  ErrorAccumulator accumulator(tolerance);
  accumulator.add(a, b);
  return accumulator.stats();
}

ErrorStats compare_doubles(std::span<const double> a, std::span<const double> b,
                           const Tolerance& tolerance) {
  ErrorAccumulator accumulator(tolerance);
  accumulator.add(a, b);
  return accumulator.stats();
}

Tolerance Tolerances::of(const std::string& output) const {
  Tolerance t = base;
  if (auto it = atol.find(output); it != atol.end()) t.atol = it->second;
  if (auto it = rtol.find(output); it != rtol.end()) t.rtol = it->second;
  return t;
}

Tolerances Tolerances::parse(const std::vector<std::string>& atols,
                             const std::vector<std::string>& rtols) {
  Tolerances t;
  auto read = [](const std::string& option, const std::string& text, double* base,
                 std::map<std::string, double>* per_output) {
    const size_t colon = text.rfind(':');
    const std::string number = colon == std::string::npos ? text : text.substr(colon + 1);
    double value = -1;
    size_t used = 0;
    try {
      value = std::stod(number, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != number.size() || number.empty() || !(value >= 0))
      fail(
          "{} '{}': --atol and --rtol must be >= 0, and {} is not (give X, or OUTPUT:X for one "
          "output)",
          option, text, number.empty() ? "nothing" : "'" + number + "'");
    if (colon == std::string::npos)
      *base = value;
    else
      (*per_output)[text.substr(0, colon)] = value;
  };
  for (const std::string& a : atols) read("--atol", a, &t.base.atol, &t.atol);
  for (const std::string& r : rtols) read("--rtol", r, &t.base.rtol, &t.rtol);
  return t;
}

}  // namespace nnd::analysis
