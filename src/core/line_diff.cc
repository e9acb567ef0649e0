#include "core/line_diff.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace nnd {

namespace {

// Edit script from a line-level longest common subsequence: ' ', '-' or '+' per line.
std::vector<std::pair<char, std::string>> edit_script(const std::vector<std::string>& a,
                                                      const std::vector<std::string>& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::pair<char, std::string>> script;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      script.emplace_back(' ', a[i++]);
      ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      script.emplace_back('-', a[i++]);
    } else {
      script.emplace_back('+', b[j++]);
    }
  }
  return script;
}

}  // namespace

std::string line_diff(const std::vector<std::string>& before,
                      const std::vector<std::string>& after) {
  // Common head and tail lines are trimmed first: generated files differ in a few lines, and the
  // LCS table is quadratic in what is left.
  size_t head = 0;
  while (head < before.size() && head < after.size() && before[head] == after[head]) ++head;
  size_t tail = 0;
  while (tail + head < before.size() && tail + head < after.size() &&
         before[before.size() - 1 - tail] == after[after.size() - 1 - tail])
    ++tail;
  const size_t keep_head = head > 0 ? head - 1 : 0;  // one line of context
  const size_t keep_tail = tail > 0 ? tail - 1 : 0;
  const std::vector<std::string> a(before.begin() + static_cast<std::ptrdiff_t>(keep_head),
                                   before.end() - static_cast<std::ptrdiff_t>(keep_tail));
  const std::vector<std::string> b(after.begin() + static_cast<std::ptrdiff_t>(keep_head),
                                   after.end() - static_cast<std::ptrdiff_t>(keep_tail));
  const auto script = edit_script(a, b);
  std::vector<bool> near(script.size(), false);
  for (size_t k = 0; k < script.size(); ++k)
    if (script[k].first != ' ')
      for (size_t c = k == 0 ? 0 : k - 1; c <= k + 1 && c < script.size(); ++c) near[c] = true;
  std::string out;
  bool skipped = keep_head > 0;
  bool changed = false;
  for (size_t k = 0; k < script.size(); ++k) {
    if (!near[k]) {
      skipped = true;
      continue;
    }
    if (skipped) out += "  ...\n";
    skipped = false;
    changed = changed || script[k].first != ' ';
    out += fmt::format("{} {}\n", script[k].first, script[k].second);
  }
  if (!changed) return {};
  if (keep_tail > 0 || skipped) out += "  ...\n";
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace nnd
