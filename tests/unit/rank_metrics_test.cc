// Kendall tau-b, rank-biased overlap and Jaccard on hand-computed top-k lists.
#include "analysis/rank_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"

namespace nnd::analysis {
namespace {

using List = std::vector<int32_t>;

TEST(RankMetrics, KendallTauOfEqualAndReversedLists) {
  EXPECT_DOUBLE_EQ(kendall_tau_b(List{1, 2, 3}, List{1, 2, 3}), 1);
  EXPECT_DOUBLE_EQ(kendall_tau_b(List{1, 2, 3}, List{3, 2, 1}), -1);
}

TEST(RankMetrics, KendallTauOnTheUnionWithMissingItemsTied) {
  // Union {1,2,3,4}; ranks in a: 1,2,3 and 4 -> 4 (missing: k + 1); in b: 1 -> 1, 3 -> 2,
  // 4 -> 3, 2 -> 4. Pairs (1,2) (1,3) (1,4) (3,4) concordant, (2,3) (2,4) discordant: 2/6.
  EXPECT_NEAR(kendall_tau_b(List{1, 2, 3}, List{1, 3, 4}), 1.0 / 3, 1e-15);
  // Union {1,2,3,4}; a ranks 1,2,3,3; b ranks 3,3,1,2. (1,2) tied in b, (3,4) tied in a, the
  // other four discordant: -4 / sqrt((6 - 1) (6 - 1)).
  EXPECT_NEAR(kendall_tau_b(List{1, 2}, List{3, 4}), -0.8, 1e-15);
  // Union {1,2,3}; a ranks 1,2,3; b ranks 1,2,2. (1,2) (1,3) concordant, (2,3) tied in b only:
  // 2 / sqrt(3 * 2).
  EXPECT_NEAR(kendall_tau_b(List{1, 2, 3}, List{1}), 2 / std::sqrt(6.0), 1e-15);
  // Two single different items: each ranks its own first.
  EXPECT_DOUBLE_EQ(kendall_tau_b(List{7}, List{8}), -1);
}

TEST(RankMetrics, KendallTauWhenUndefined) {
  EXPECT_DOUBLE_EQ(kendall_tau_b(List{}, List{}), 1);
  EXPECT_DOUBLE_EQ(kendall_tau_b(List{5}, List{5}), 1);
  EXPECT_DOUBLE_EQ(kendall_tau_b(List{1, 2, 3}, List{}), 0);
}

TEST(RankMetrics, RboOfEqualLengthLists) {
  // Eq. 32 for k = 5, p = 0.9: X_d = 0, 1, 2, 4, 5 for d = 1..5, so
  // (1-p)/p (0 + 1/2 p^2 + 2/3 p^3 + p^4 + p^5) + p^5
  //   = (0.405 + 0.486 + 0.6561 + 0.59049) / 9 + 0.59049 = 0.23751 + 0.59049 = 0.828.
  EXPECT_NEAR(rank_biased_overlap(List{1, 2, 3, 4, 5}, List{2, 3, 4, 1, 5}, 0.9), 0.828, 1e-12);
  // The first two swapped, k = 3: X = 0, 2, 3: (1-p)/p (p^2 + p^3) + p^3 = p.
  EXPECT_NEAR(rank_biased_overlap(List{1, 0, 2}, List{0, 1, 2}, 0.9), 0.9, 1e-12);
  // The last two swapped, k = 3: X = 1, 1, 3: (1-p)/p (p + p^2/2 + p^3) + p^3 = 1 - p/2 + p^2/2.
  EXPECT_NEAR(rank_biased_overlap(List{2, 1, 0}, List{2, 0, 1}, 0.9), 0.955, 1e-12);
  EXPECT_NEAR(rank_biased_overlap(List{2, 1, 0}, List{2, 0, 1}, 0.5), 0.875, 1e-12);
  EXPECT_DOUBLE_EQ(rank_biased_overlap(List{1, 2, 3}, List{1, 2, 3}, 0.9), 1);
  EXPECT_DOUBLE_EQ(rank_biased_overlap(List{1, 2, 3}, List{4, 5, 6}, 0.9), 0);
}

TEST(RankMetrics, RboOfUnevenLists) {
  // S = [1], L = [1, 2]: S is a prefix of L, so it is assumed to go on agreeing: 1.
  EXPECT_NEAR(rank_biased_overlap(List{1}, List{1, 2}, 0.9), 1, 1e-12);
  // S = [3], L = [1, 2, 3]: X_1 = X_2 = 0, X_3 = 1 (all of S against L's first 3), X_s = 0:
  // (1-p)/p (1/3 p^3) + (1/3 + 0) p^3 = p^2 / 3.
  EXPECT_NEAR(rank_biased_overlap(List{3}, List{1, 2, 3}, 0.9), 0.27, 1e-12);
  // S = [1, 2], L = [2, 1, 3, 4]: X = 0, 2, 2, 2, X_s = 2; the second sum adds
  // 2 (3-2)/(2 3) p^3 + 2 (4-2)/(2 4) p^4, so (1-p)/p (p^2 + p^3 + p^4) + (0/4 + 2/2) p^4 = p.
  EXPECT_NEAR(rank_biased_overlap(List{1, 2}, List{2, 1, 3, 4}, 0.9), 0.9, 1e-12);
  EXPECT_NEAR(rank_biased_overlap(List{2, 1, 3, 4}, List{1, 2}, 0.9), 0.9, 1e-12);  // symmetric
  EXPECT_DOUBLE_EQ(rank_biased_overlap(List{}, List{}, 0.9), 1);
  EXPECT_DOUBLE_EQ(rank_biased_overlap(List{1}, List{}, 0.9), 0);
}

TEST(RankMetrics, RepeatedIdsKeepTheirFirstPosition) {
  EXPECT_DOUBLE_EQ(rank_biased_overlap(List{1, 1, 2}, List{1, 2}, 0.9), 1);
  EXPECT_DOUBLE_EQ(kendall_tau_b(List{1, 2, 1, 2}, List{1, 2}), 1);
  EXPECT_DOUBLE_EQ(jaccard(List{3, 3, 3}, List{3}), 1);
  // [2, 1, 2, 0] is [2, 1, 0]: the last two of [2, 0, 1] swapped, as above.
  EXPECT_NEAR(rank_biased_overlap(List{2, 1, 2, 0}, List{2, 0, 1}, 0.9), 0.955, 1e-12);
}

TEST(RankMetrics, RboNeedsAPersistenceInsideZeroOne) {
  for (double p : {0.0, 1.0, -0.5, 1.5, std::nan("")})
    EXPECT_THROW(rank_biased_overlap(List{1}, List{1}, p), UserError) << p;
}

TEST(RankMetrics, Jaccard) {
  EXPECT_DOUBLE_EQ(jaccard(List{1, 2, 3}, List{2, 3, 4}), 0.5);
  EXPECT_DOUBLE_EQ(jaccard(List{1, 2, 3}, List{3, 1, 2}), 1);
  EXPECT_DOUBLE_EQ(jaccard(List{1}, List{2}), 0);
  EXPECT_DOUBLE_EQ(jaccard(List{}, List{}), 1);
  EXPECT_DOUBLE_EQ(jaccard(List{1}, List{}), 0);
}

}  // namespace
}  // namespace nnd::analysis
