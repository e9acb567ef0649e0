#pragma once
// The statistics behind the report's timing section: median and quantiles, a bootstrap
// confidence interval of the median that is the same for the same seed on every platform, and
// the Mann-Whitney U test of two independent samples.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace nnd::analysis {

struct Interval {
  double low = 0, high = 0;
};

// The middle value, or the mean of the two middle values for an even count; 0 for no values.
double median(std::vector<double> values);

// Quantiles of values sorted ascending, q in [0, 1] (clamped); 0 for no values.
// Linear: interpolates between order statistics at h = (n - 1) q (Hyndman and Fan's type 7, the
// default of R, NumPy and Excel's PERCENTILE.INC).
double quantile_linear(std::span<const double> sorted, double q);
// Nearest rank: the smallest value with at least q n values at or below it, i.e. order statistic
// max(1, ceil(q n)) counting from 1 (type 1).
double quantile_nearest_rank(std::span<const double> sorted, double q);

// Indices uniform in [0, n), drawn from std::mt19937_64(seed), whose output sequence the standard
// fixes; std::uniform_int_distribution is not used because its algorithm is left to the library.
// Each 64-bit output is split into two 32-bit words, low half first; an index below n < 2^32
// takes one word by Lemire's multiply-shift with rejection ("Fast random integer generation in an
// interval", ACM TOMACS 2019), so it is unbiased; n >= 2^32 takes a whole output (the same
// method at 64 bits, a pending half word discarded). So the same seed gives the same indices on
// any platform.
class UniformIndices {
 public:
  explicit UniformIndices(uint64_t seed) : rng_(seed) {}

  uint64_t next(uint64_t n) {  // n > 0; inline because the bootstrap draws millions
    if (n - 1 >= UINT32_MAX) return next_wide(n);
    const uint32_t n32 = static_cast<uint32_t>(n);
    // The high bits of x * n are uniform in [0, n) once the low bits' biased range is rejected.
    uint64_t product = uint64_t{next_word()} * n32;
    if (static_cast<uint32_t>(product) < n32) {
      const uint32_t threshold = (0 - n32) % n32;  // 2^32 mod n
      while (static_cast<uint32_t>(product) < threshold) product = uint64_t{next_word()} * n32;
    }
    return product >> 32;
  }

 private:
  uint32_t next_word() {
    if (have_pending_) {
      have_pending_ = false;
      return static_cast<uint32_t>(pending_);
    }
    const uint64_t output = rng_();
    pending_ = output >> 32;
    have_pending_ = true;
    return static_cast<uint32_t>(output);
  }
  uint64_t next_wide(uint64_t n);  // n > 2^32, or 0 (an internal error)

  std::mt19937_64 rng_;
  uint64_t pending_ = 0;  // the high half of the last output, when have_pending_
  bool have_pending_ = false;
};

// Percentile bootstrap interval of the median at `confidence` (e.g. 0.95): `resamples` times,
// draw n values with replacement (n indices from UniformIndices(seed) into the values sorted
// ascending, resample after resample) and take the median; the interval is the linear quantiles
// (1 - confidence) / 2 and (1 + confidence) / 2 of those medians. The same values, seed and
// resamples give the same interval on any platform. {0, 0} for no values; resamples >= 1.
Interval bootstrap_median_ci(std::span<const double> values, int resamples, uint64_t seed,
                             double confidence = 0.95);

struct MannWhitney {
  double u = 0;        // pairs (x_i, y_j) with x_i > y_j, plus half of the tied pairs
  double z = 0;        // signed: positive when x tends to be larger (continuity-corrected)
  double p_value = 1;  // two-sided, normal approximation
};

// Mann-Whitney U of x against y. Ties get mid-ranks, and the variance its tie correction:
//   var = nx ny / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1))), n = nx + ny
// z = (U - nx ny / 2 -+ 1/2) / sqrt(var), the 1/2 (continuity correction, on by default, as in
// SciPy) moving U towards the mean but not past it; p = 2 (1 - Phi(|z|)). An empty sample, or
// all values tied (var = 0), gives z = 0 and p = 1. The approximation is good for samples of
// about 10 or more each; timing samples have hundreds.
MannWhitney mann_whitney_u(std::span<const double> x, std::span<const double> y,
                           bool continuity_correction = true);

}  // namespace nnd::analysis
