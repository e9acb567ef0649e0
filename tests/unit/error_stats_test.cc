#include "analysis/error_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"

namespace nnd::analysis {
namespace {

TEST(ErrorStats, HandComputedPair) {
  // errors 0, 0.5, 1, 2 against references 1, 2, 4, 0 (the last has no relative error bound).
  const std::vector<float> a{1, 2.5f, 5, 2};
  const std::vector<float> b{1, 2, 4, 0};
  const ErrorStats s = compare_values(a, b, {.atol = 0.75, .rtol = 0.3});
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.max_abs, 2);
  EXPECT_TRUE(std::isinf(s.max_rel));
  EXPECT_DOUBLE_EQ(s.mean_abs, 3.5 / 4);
  EXPECT_DOUBLE_EQ(s.p50_abs, 0.5);  // nearest rank 2 of 4
  EXPECT_DOUBLE_EQ(s.p99_abs, 2);
  // 0 passes both; 0.5 passes atol; 1 fails atol but passes rtol (0.25 <= 0.3); 2 fails both.
  EXPECT_EQ(s.beyond, 1u);
  EXPECT_FALSE(s.passes());
  const double dot = 1 + 5 + 20 + 0, na = 1 + 6.25 + 25 + 4, nb = 1 + 4 + 16;
  EXPECT_NEAR(s.cosine, dot / std::sqrt(na * nb), 1e-12);
  EXPECT_DOUBLE_EQ(s.needed_atol, 2);
}

TEST(ErrorStats, NeededToleranceIsTheSmallestThatPasses) {
  const std::vector<float> a{1.5f, 4.5f}, b{1, 4};
  const ErrorStats s = compare_values(a, b, {.atol = 0, .rtol = 0});
  EXPECT_EQ(s.beyond, 2u);
  EXPECT_DOUBLE_EQ(s.needed_rtol, 0.5);
  EXPECT_TRUE(compare_values(a, b, {.atol = s.needed_atol, .rtol = 0}).passes());
  EXPECT_TRUE(compare_values(a, b, {.atol = 0, .rtol = s.needed_rtol}).passes());
  EXPECT_FALSE(compare_values(a, b, {.atol = 0.49, .rtol = 0.49}).passes());
}

TEST(ErrorStats, NonFiniteMismatchesAlwaysFail) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> a{nan, inf, -inf, nan, 3};
  const std::vector<float> b{nan, inf, inf, 1, 3};
  const ErrorStats s = compare_values(a, b, {.atol = 1e9, .rtol = 1e9});
  EXPECT_EQ(s.nonfinite, 2u);
  EXPECT_EQ(s.beyond, 2u);
  EXPECT_TRUE(std::isinf(s.needed_atol));
  EXPECT_DOUBLE_EQ(s.max_abs, 0);  // the only finite pair is equal
}

TEST(ErrorStats, AccumulatesAcrossTensorsAndRefusesSizeMismatch) {
  ErrorAccumulator accumulator;
  const std::vector<float> a{1, 2}, b{1, 3}, c{0};
  accumulator.add(a, a);
  accumulator.add(a, b);
  const ErrorStats s = accumulator.stats();
  EXPECT_EQ(s.count, 4u);
  EXPECT_DOUBLE_EQ(s.mean_abs, 0.25);
  EXPECT_EQ(s.beyond, 1u);
  EXPECT_THROW(accumulator.add(a, c), UserError);
  EXPECT_DOUBLE_EQ(compare_values({}, {}).cosine, 1);
}

}  // namespace
}  // namespace nnd::analysis
