#pragma once
// How far one float output is from another, element by element: what `compare`, `localize` and
// the report's logits section print, and the pass/fail test under a tolerance.
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace nnd::analysis {

// An element passes when |a - b| <= atol or |a - b| <= rtol * |b| (either bound suffices, as in
// Polygraphy, whose defaults these are); b is the reference side.
struct Tolerance {
  double atol = 1e-5;
  double rtol = 1e-5;
};

// A tolerance per output, as Polygraphy's `--atol out:1e-3` gives: outputs not named use `base`.
struct Tolerances {
  Tolerance base;
  std::map<std::string, double> atol, rtol;  // by output name

  Tolerances() = default;
  Tolerances(const Tolerance& t) : base(t) {}  // NOLINT: one tolerance for every output
  Tolerances(double atol, double rtol) : base{atol, rtol} {}
  Tolerance of(const std::string& output) const;
  // From `--atol`/`--rtol` values, each `X` (every output) or `NAME:X` (one output); a value that
  // is not a number >= 0 is a UserError quoting it.
  static Tolerances parse(const std::vector<std::string>& atols,
                          const std::vector<std::string>& rtols);
};

struct ErrorStats {
  size_t count = 0;      // elements compared
  size_t beyond = 0;     // elements outside the tolerance, non-finite mismatches included
  size_t nonfinite = 0;  // elements where a or b is NaN/Inf and they are not the same NaN/Inf
  // Over the elements where both are finite:
  double max_abs = 0;
  double max_rel = 0;  // |a - b| / |b|; a != b with b == 0 counts as inf
  double mean_abs = 0;
  double p50_abs = 0, p90_abs = 0, p99_abs = 0;  // quantiles of |a - b| (nearest rank)
  double cosine = 1;                             // of a and b; 1 when both are all zeros
  // The smallest atol that passes every element with rtol 0 (= max_abs), and the smallest rtol
  // with atol 0 (= max_rel); both inf when there is a non-finite mismatch.
  double needed_atol = 0, needed_rtol = 0;

  bool passes() const { return beyond == 0; }
};

// Collects element pairs from several tensors (e.g. the logits of every image) and summarizes them
// as if compared at once.
class ErrorAccumulator {
 public:
  explicit ErrorAccumulator(const Tolerance& tolerance = {}) : tolerance_(tolerance) {}
  // a is the candidate, b the reference; different sizes are a UserError naming both.
  void add(std::span<const float> a, std::span<const float> b);
  void add(std::span<const double> a, std::span<const double> b);
  ErrorStats stats() const;

 private:
  Tolerance tolerance_;
  ErrorStats running_;
  std::vector<double> abs_errors_;  // finite pairs only, for the quantiles
  double sum_abs_ = 0, dot_ = 0, norm_a_ = 0, norm_b_ = 0;
};

ErrorStats compare_values(std::span<const float> a, std::span<const float> b,
                          const Tolerance& tolerance = {});
ErrorStats compare_doubles(std::span<const double> a, std::span<const double> b,
                           const Tolerance& tolerance = {});

}  // namespace nnd::analysis
