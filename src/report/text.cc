#include "report/text.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace nnd::report {

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string fixed(double value, int digits) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}f}", value, digits);
}

std::string percent(double value) { return fixed(value, 2) + "%"; }

std::string fraction_percent(double fraction) { return percent(100 * fraction); }

std::string general(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", value);
}

std::string milliseconds(double ms) {
  if (!std::isfinite(ms)) return fixed(ms, 0) + " ms";
  const double magnitude = std::fabs(ms);
  const int digits = magnitude >= 100 ? 1 : magnitude >= 10 ? 2 : magnitude >= 1 ? 3 : 4;
  return fmt::format("{:.{}f} ms", ms, digits);
}

std::string id_fragment(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool keep =
        std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
    out += keep ? c : '-';
  }
  return out.empty() ? "-" : out;
}

}  // namespace nnd::report
