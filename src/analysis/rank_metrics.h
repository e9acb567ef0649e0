#pragma once
// How alike two top-k lists of class ids are (DeltaNN's rank metrics): Kendall tau-b, rank-biased
// overlap and Jaccard. Every function first drops repeated ids, keeping each id's first (best)
// position, so a list is a ranking of distinct items; a classifier's top-k has none.
#include <cstdint>
#include <span>

namespace nnd::analysis {

// Kendall tau-b of two rankings, computed on the union of their items: an item missing from a list
// ranks after all of that list's items, tied with the other missing ones (rank n + 1 in a list of
// n distinct items). Two lists in the same order give 1, reversed lists of the same items -1; two
// disjoint lists of one item each give -1 (each ranks its own item first). When either list's
// ranks are all tied (an empty list, or a union of one item), tau-b is undefined: the result is 1
// if both lists hold the same items in the same order (both empty, or both the same single id),
// else 0.
double kendall_tau_b(std::span<const int32_t> a, std::span<const int32_t> b);

// Extrapolated rank-biased overlap RBO_ext (Webber, Moffat and Zobel, "A similarity measure for
// indefinite rankings", ACM TOIS 28(4), 2010, eq. 32). With X_d the number of items the two
// lists share in their first d positions, s and l the lengths of the shorter list S and the
// longer list L (for d > s, X_d counts all of S against the first d items of L):
//   RBO_ext = (1-p)/p * [ sum_{d=1..l} X_d/d p^d + sum_{d=s+1..l} X_s (d-s)/(s d) p^d ]
//             + [ (X_l - X_s)/l + X_s/s ] p^l
// For lists of equal length k this is X_k/k p^k + (1-p)/p sum_{d=1..k} X_d/d p^d. Identical lists
// give 1, disjoint lists 0, and the shorter list is assumed to go on agreeing as it did (a list
// that is a prefix of the other gives 1). Both lists empty give 1, one empty 0. `p` (the
// persistence) must be in (0, 1): anything else is a UserError.
double rank_biased_overlap(std::span<const int32_t> a, std::span<const int32_t> b, double p);

// |A ∩ B| / |A ∪ B| of the two lists' sets of items; 1 when both are empty.
double jaccard(std::span<const int32_t> a, std::span<const int32_t> b);

}  // namespace nnd::analysis
