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

// An index uniform in [0, n), n > 0, from the generator's next outputs: Lemire's multiply-shift
// with rejection ("Fast random integer generation in an interval", ACM TOMACS 2019), so unbiased.
// std::uniform_int_distribution is not used because its algorithm is left to the standard
// library; std::mt19937_64's output sequence is fixed by the standard, and so is this.
uint64_t uniform_index(std::mt19937_64& rng, uint64_t n);

// Percentile bootstrap interval of the median at `confidence` (e.g. 0.95): `resamples` times,
// draw n values with replacement (indices from uniform_index on std::mt19937_64(seed), n draws per
// resample, resample after resample) and take the median; the interval is the linear quantiles
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
