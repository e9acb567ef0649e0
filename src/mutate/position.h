#pragma once
// Where a mutant applies among an operator's sites: occurrence k ("3"), a range ("2-4", both
// ends included), or every occurrence at once ("all"). Occurrences count from 1.
#include <string>
#include <string_view>
#include <vector>

namespace nnd::mutate {

struct Position {
  int first = 1;
  int last = 1;
  bool all = false;

  // "3", "2-4" or "all"; anything else is a UserError quoting it.
  static Position parse(std::string_view text);
  std::string text() const;
  // Site indices (0-based) this position covers among `site_count`; a position past the last
  // site is a UserError naming `op` and how many sites it has.
  std::vector<size_t> select(size_t site_count, std::string_view op) const;
  bool operator==(const Position&) const = default;
};

// Expands campaign position specs: "each" is one position per site (1, 2, ... site_count); the
// others parse as above. Duplicates are dropped, order kept.
std::vector<Position> expand_positions(const std::vector<std::string>& specs, size_t site_count);

}  // namespace nnd::mutate
