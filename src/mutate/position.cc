#include "mutate/position.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/error.h"

namespace nnd::mutate {

namespace {

bool number(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 1;
}

}  // namespace

Position Position::parse(std::string_view text) {
  Position p;
  if (text == "all") {
    p.all = true;
    return p;
  }
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (number(text, p.first)) {
      p.last = p.first;
      return p;
    }
  } else if (number(text.substr(0, dash), p.first) && number(text.substr(dash + 1), p.last) &&
             p.first <= p.last) {
    return p;
  }
  fail("position '{}': expected an occurrence K (from 1), a range A-B, 'all' or 'each'", text);
}

std::string Position::text() const {
  if (all) return "all";
  if (first == last) return std::to_string(first);
  return fmt::format("{}-{}", first, last);
}

std::vector<size_t> Position::select(size_t site_count, std::string_view op) const {
  std::vector<size_t> out;
  if (all) {
    for (size_t i = 0; i < site_count; ++i) out.push_back(i);
    return out;
  }
  if (static_cast<size_t>(last) > site_count)
    fail("position {} of {} is out of range: the model has {} site{} for it", text(), op,
         site_count, site_count == 1 ? "" : "s");
  for (int k = first; k <= last; ++k) out.push_back(static_cast<size_t>(k - 1));
  return out;
}

std::vector<Position> expand_positions(const std::vector<std::string>& specs, size_t site_count) {
  std::vector<Position> out;
  auto add = [&](const Position& p) {
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  };
  for (const std::string& spec : specs) {
    if (spec == "each") {
      for (size_t k = 1; k <= site_count; ++k) {
        Position p;
        p.first = p.last = static_cast<int>(k);
        add(p);
      }
    } else {
      add(Position::parse(spec));
    }
  }
  return out;
}

}  // namespace nnd::mutate
