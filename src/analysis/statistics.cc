#include "analysis/statistics.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace nnd::analysis {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t n = values.size();
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), middle, values.end());
  if (n % 2 == 1) return *middle;
  // The lower middle value is the largest of the lower half.
  return (*std::max_element(values.begin(), middle) + *middle) / 2;
}

double quantile_linear(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const size_t below = static_cast<size_t>(std::floor(h));
  if (below + 1 >= sorted.size()) return sorted.back();
  const double fraction = h - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

double quantile_nearest_rank(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  const size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

uint64_t UniformIndices::next_wide(uint64_t n) {
  NND_CHECK(n > 0, "an index into nothing");
  have_pending_ = false;
  unsigned __int128 product = static_cast<unsigned __int128>(rng_()) * n;
  if (static_cast<uint64_t>(product) < n) {
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (static_cast<uint64_t>(product) < threshold)
      product = static_cast<unsigned __int128>(rng_()) * n;
  }
  return static_cast<uint64_t>(product >> 64);
}

Interval bootstrap_median_ci(std::span<const double> values, int resamples, uint64_t seed,
                             double confidence) {
  NND_CHECK(resamples >= 1, "{} bootstrap resamples", resamples);
  if (values.empty()) return {};
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  // A resample is summarized by how often it drew each order statistic, so its median is found by
  // one walk over the counts (no sort per resample).
  const size_t lower_middle = (n - 1) / 2, upper_middle = n / 2;
  UniformIndices indices(seed);
  std::vector<uint32_t> draws(n);
  std::vector<double> medians;
  medians.reserve(static_cast<size_t>(resamples));
  for (int r = 0; r < resamples; ++r) {
    std::fill(draws.begin(), draws.end(), 0);
    for (size_t i = 0; i < n; ++i) ++draws[indices.next(n)];
    size_t seen = 0;
    double low = 0;
    bool have_low = false;
    for (size_t j = 0; j < n; ++j) {
      seen += draws[j];
      if (!have_low && seen > lower_middle) {
        low = sorted[j];
        have_low = true;
      }
      if (seen > upper_middle) {
        medians.push_back((low + sorted[j]) / 2);
        break;
      }
    }
  }
  std::sort(medians.begin(), medians.end());
  const double tail = (1 - confidence) / 2;
  return {quantile_linear(medians, tail), quantile_linear(medians, 1 - tail)};
}

MannWhitney mann_whitney_u(std::span<const double> x, std::span<const double> y,
                           bool continuity_correction) {
  MannWhitney result;
  if (x.empty() || y.empty()) return result;
  struct Value {
    double value;
    bool from_x;
  };
  std::vector<Value> all;
  all.reserve(x.size() + y.size());
  for (double v : x) all.push_back({v, true});
  for (double v : y) all.push_back({v, false});
  std::sort(all.begin(), all.end(),
            [](const Value& a, const Value& b) { return a.value < b.value; });

  const double n = static_cast<double>(all.size());
  double rank_sum_x = 0, tie_term = 0;
  for (size_t first = 0; first < all.size();) {
    size_t last = first;  // one past the run of values equal to all[first]
    while (last < all.size() && all[last].value == all[first].value) ++last;
    const double tied = static_cast<double>(last - first);
    const double mid_rank = (static_cast<double>(first + 1) + static_cast<double>(last)) / 2;
    for (size_t i = first; i < last; ++i)
      if (all[i].from_x) rank_sum_x += mid_rank;
    tie_term += tied * tied * tied - tied;
    first = last;
  }
  const double nx = static_cast<double>(x.size()), ny = static_cast<double>(y.size());
  result.u = rank_sum_x - nx * (nx + 1) / 2;
  const double variance = nx * ny / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (!(variance > 0)) return result;
  const double distance = result.u - nx * ny / 2;
  double corrected = std::abs(distance);
  if (continuity_correction) corrected = std::max(0.0, corrected - 0.5);
  result.z = std::copysign(corrected / std::sqrt(variance), distance);
  result.p_value = std::min(1.0, std::erfc(corrected / std::sqrt(variance) / std::sqrt(2.0)));
  return result;
}

}  // namespace nnd::analysis
