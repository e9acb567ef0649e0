#include "analysis/rank_metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "core/error.h"

namespace nnd::analysis {

namespace {

bool contains(std::span<const int32_t> list, int32_t id) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

// The list with repeated ids dropped (each id keeps its first position): the list itself when it
// has none, the usual case, else a copy kept in `storage`. Quadratic in the length: top-k lists
// are short.
std::span<const int32_t> distinct(std::span<const int32_t> list, std::vector<int32_t>& storage) {
  bool repeats = false;
  for (size_t i = 1; i < list.size() && !repeats; ++i) repeats = contains(list.first(i), list[i]);
  if (!repeats) return list;
  storage.clear();
  for (int32_t id : list)
    if (!contains(storage, id)) storage.push_back(id);
  return storage;
}

// 1-based position of `id` in `list`, or list.size() + 1 when it is not there.
size_t rank_in(std::span<const int32_t> list, int32_t id) {
  return static_cast<size_t>(std::find(list.begin(), list.end(), id) - list.begin()) + 1;
}

int sign(int64_t v) { return (v > 0) - (v < 0); }

}  // namespace

double kendall_tau_b(std::span<const int32_t> a_in, std::span<const int32_t> b_in) {
  std::vector<int32_t> a_storage, b_storage;
  const std::span<const int32_t> a = distinct(a_in, a_storage), b = distinct(b_in, b_storage);
  // Each item of the union with its rank in a and in b; on the stack for short lists.
  constexpr size_t kInline = 32;
  std::array<int64_t, kInline> inline_a, inline_b;
  std::vector<int64_t> heap_a, heap_b;
  const size_t union_size = a.size() + b.size();  // at most
  std::span<int64_t> rank_a(inline_a), rank_b(inline_b);
  if (union_size > kInline) {
    heap_a.resize(union_size);
    heap_b.resize(union_size);
    rank_a = heap_a;
    rank_b = heap_b;
  }
  size_t n = 0;
  for (size_t i = 0; i < a.size(); ++i, ++n) {
    rank_a[n] = static_cast<int64_t>(i + 1);
    rank_b[n] = static_cast<int64_t>(rank_in(b, a[i]));
  }
  for (size_t j = 0; j < b.size(); ++j)
    if (!contains(a, b[j])) {
      rank_a[n] = static_cast<int64_t>(a.size() + 1);
      rank_b[n++] = static_cast<int64_t>(j + 1);
    }
  int64_t concordant = 0, discordant = 0, untied_a = 0, untied_b = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      const int da = sign(rank_a[i] - rank_a[j]), db = sign(rank_b[i] - rank_b[j]);
      untied_a += da != 0;
      untied_b += db != 0;
      concordant += da * db > 0;
      discordant += da * db < 0;
    }
  if (untied_a == 0 || untied_b == 0) return std::ranges::equal(a, b) ? 1.0 : 0.0;
  return static_cast<double>(concordant - discordant) /
         std::sqrt(static_cast<double>(untied_a) * static_cast<double>(untied_b));
}

double rank_biased_overlap(std::span<const int32_t> a_in, std::span<const int32_t> b_in, double p) {
  if (!(p > 0 && p < 1)) fail("rank-biased overlap needs a persistence p in (0, 1), got {}", p);
  std::vector<int32_t> a_storage, b_storage;
  const std::span<const int32_t> a = distinct(a_in, a_storage), b = distinct(b_in, b_storage);
  const std::span<const int32_t> S = a.size() <= b.size() ? a : b;
  const std::span<const int32_t> L = a.size() <= b.size() ? b : a;
  const size_t s = S.size(), l = L.size();
  if (s == 0) return l == 0 ? 1.0 : 0.0;

  // overlap[d] = X_d, the items the first min(d, s) of S share with the first d of L.
  std::vector<double> overlap(l + 1, 0.0);
  for (size_t d = 1; d <= l; ++d) {
    double x = overlap[d - 1];
    if (d <= s && contains(L.first(d - 1), S[d - 1])) ++x;
    if (contains(S.first(std::min(d, s)), L[d - 1])) ++x;
    overlap[d] = x;
  }
  double sum = 0, weight = 1;  // weight = p^d
  for (size_t d = 1; d <= l; ++d) {
    weight *= p;
    const double dd = static_cast<double>(d), ds = static_cast<double>(s);
    sum += overlap[d] / dd * weight;
    if (d > s) sum += overlap[s] * (dd - ds) / (ds * dd) * weight;
  }
  const double xs = overlap[s], xl = overlap[l];
  return (1 - p) / p * sum +
         ((xl - xs) / static_cast<double>(l) + xs / static_cast<double>(s)) * weight;
}

double jaccard(std::span<const int32_t> a_in, std::span<const int32_t> b_in) {
  std::vector<int32_t> a_storage, b_storage;
  const std::span<const int32_t> a = distinct(a_in, a_storage), b = distinct(b_in, b_storage);
  size_t shared = 0;
  for (int32_t id : a) shared += contains(b, id);
  const size_t either = a.size() + b.size() - shared;
  return either == 0 ? 1.0 : static_cast<double>(shared) / static_cast<double>(either);
}

}  // namespace nnd::analysis
