// Median, quantiles, the seeded bootstrap and the Mann-Whitney U test on hand-computed and
// published cases.
#include "analysis/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace nnd::analysis {
namespace {

TEST(SampleStatistics, Median) {
  EXPECT_DOUBLE_EQ(median({5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({7}), 7);
  EXPECT_DOUBLE_EQ(median({}), 0);
}

TEST(SampleStatistics, Quantiles) {
  const std::vector<double> sorted{1, 2, 3, 4};
  // Linear: h = 3 q.
  EXPECT_DOUBLE_EQ(quantile_linear(sorted, 0.5), 2.5);    // h = 1.5
  EXPECT_DOUBLE_EQ(quantile_linear(sorted, 0.95), 3.85);  // h = 2.85
  EXPECT_DOUBLE_EQ(quantile_linear(sorted, 0), 1);
  EXPECT_DOUBLE_EQ(quantile_linear(sorted, 1), 4);
  // Nearest rank: order statistic ceil(4 q).
  EXPECT_DOUBLE_EQ(quantile_nearest_rank(sorted, 0.5), 2);
  EXPECT_DOUBLE_EQ(quantile_nearest_rank(sorted, 0.51), 3);
  EXPECT_DOUBLE_EQ(quantile_nearest_rank(sorted, 0.95), 4);
  EXPECT_DOUBLE_EQ(quantile_nearest_rank(sorted, 0), 1);
  EXPECT_DOUBLE_EQ(quantile_linear(std::vector<double>{}, 0.5), 0);
}

TEST(SampleStatistics, UniformIndicesArePinnedToTheStandardGenerator) {
  // std::mt19937_64's output is fixed by the standard (its 10000th from the default seed 5489 is
  // 9981545732273789042). The first output, 14514284786278117030, splits into the words
  // 4143361702 (low) and 3379370268 (high): floor(w * 10 / 2^32) = 9, then 7. The rest were
  // computed with an independent Python MT19937-64 and the same word split and multiply-shift.
  UniformIndices indices(5489);
  std::vector<uint64_t> drawn;
  for (int i = 0; i < 6; ++i) drawn.push_back(indices.next(10));
  EXPECT_EQ(drawn, (std::vector<uint64_t>{9, 7, 5, 2, 6, 7}));
  UniformIndices one(1);
  EXPECT_EQ(one.next(1), 0u);
  // Beyond 32 bits an index takes a whole output: floor(14514284786278117030 * 2^40 / 2^64).
  UniformIndices wide(5489);
  EXPECT_EQ(wide.next(uint64_t{1} << 40), 14514284786278117030u >> 24);
}

TEST(SampleStatistics, BootstrapIsReproducibleUnderASeed) {
  std::vector<double> values;
  for (int i = 0; i < 51; ++i) values.push_back(((i * 37) % 101) / 7.0);
  const Interval a = bootstrap_median_ci(values, 50, 7);
  const Interval again = bootstrap_median_ci(values, 50, 7);
  const Interval other = bootstrap_median_ci(values, 50, 8);
  EXPECT_EQ(a.low, again.low);
  EXPECT_EQ(a.high, again.high);
  EXPECT_NE(a.low, other.low);
  // Pinned: the same algorithm in Python (MT19937-64, the word split and multiply-shift, sorted
  // resample medians, type 7 quantiles) gives these, so any platform must.
  EXPECT_DOUBLE_EQ(a.low, 4.714285714285714);
  EXPECT_DOUBLE_EQ(a.high, 8.364285714285714);
  EXPECT_DOUBLE_EQ(other.low, 4.907142857142858);
  EXPECT_DOUBLE_EQ(other.high, 8.539285714285715);
  const Interval small =
      bootstrap_median_ci(std::vector<double>{14, 10, 11, 12, 13, 10, 11, 12, 13, 14}, 2000, 1);
  EXPECT_DOUBLE_EQ(small.low, 10.5);
  EXPECT_DOUBLE_EQ(small.high, 13);
  const Interval none = bootstrap_median_ci(std::vector<double>{}, 10, 1);
  EXPECT_EQ(none.low, 0);
  EXPECT_EQ(none.high, 0);
}

TEST(SampleStatistics, MannWhitneyPublishedExample) {
  // Shier, "Statistics: 2.3 The Mann-Whitney U Test", Mathematics Learning Support Centre, 2004
  // (also the example of scipy.stats.mannwhitneyu's documentation): ages at diagnosis of type II
  // diabetes. U_M = 17, U_F = 3; the normal approximation without continuity correction gives
  // p = 0.0864 (Shier reports 0.09), with it 0.11134688653314041 (SciPy, method="asymptotic").
  const std::vector<double> males{19, 22, 16, 29, 24}, females{20, 11, 17, 12};
  const MannWhitney m = mann_whitney_u(males, females);
  EXPECT_DOUBLE_EQ(m.u, 17);
  EXPECT_NEAR(m.p_value, 0.11134688653314041, 1e-14);
  EXPECT_GT(m.z, 0);
  const MannWhitney f = mann_whitney_u(females, males);
  EXPECT_DOUBLE_EQ(f.u, 3);
  EXPECT_NEAR(f.p_value, m.p_value, 1e-15);
  EXPECT_LT(f.z, 0);
  EXPECT_NEAR(mann_whitney_u(males, females, false).p_value, 0.0864107329737, 1e-12);
}

TEST(SampleStatistics, MannWhitneyWithTies) {
  // x = {1, 2, 2}, y = {2, 3, 3}. Mid-ranks: 1 -> 1, the three 2s -> 3, the two 3s -> 5.5;
  // R_x = 7, U_x = 7 - 3*4/2 = 1 (x's 2s tie y's 2: two halves). Mean 4.5; tie groups of 3 and 2
  // give sum(t^3 - t) = 24 + 6, so var = 9/12 (7 - 30/30) = 4.5. With the continuity correction
  // |z| = (3.5 - 0.5) / sqrt(4.5) = sqrt(2) and p = erfc(1); without, erfc(3.5 / 3).
  const std::vector<double> x{1, 2, 2}, y{2, 3, 3};
  const MannWhitney r = mann_whitney_u(x, y);
  EXPECT_DOUBLE_EQ(r.u, 1);
  EXPECT_NEAR(r.z, -std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(r.p_value, std::erfc(1.0), 1e-15);
  EXPECT_NEAR(r.p_value, 0.15729920705028513, 1e-15);
  EXPECT_NEAR(mann_whitney_u(x, y, false).p_value, 0.0989601540194058, 1e-15);
}

TEST(SampleStatistics, MannWhitneyDegenerateSamples) {
  const std::vector<double> same{3, 3, 3}, empty{};
  const MannWhitney tied = mann_whitney_u(same, same);
  EXPECT_DOUBLE_EQ(tied.u, 4.5);
  EXPECT_EQ(tied.p_value, 1);
  EXPECT_EQ(mann_whitney_u(same, empty).p_value, 1);
  // U close to its mean: the continuity correction stops at zero distance.
  EXPECT_EQ(mann_whitney_u(std::vector<double>{1, 4}, std::vector<double>{2, 3}).p_value, 1);
}

}  // namespace
}  // namespace nnd::analysis
