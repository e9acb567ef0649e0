#include "report/chart_scale.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace nnd::report {

namespace {

// The round step (1, 2 or 5 times a power of ten) that cuts `span` into about `parts` pieces.
double nice_step(double span, int parts) {
  const double raw = span / parts;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0})
    if (factor * power >= raw) return factor * power;
  return 10 * power;
}

}  // namespace

Axis Axis::linear(double low, double high, double left, double right) {
  Axis axis;
  axis.left_ = left;
  axis.right_ = right;
  if (!(high > low)) high = low + 1;
  const double step = nice_step(high - low, 5);
  axis.low_ = std::floor(low / step) * step;
  axis.high_ = std::ceil(high / step) * step;
  for (double t = axis.low_; t <= axis.high_ + step / 2; t += step)
    axis.ticks_.push_back(std::fabs(t) < step / 1e6 ? 0 : t);
  return axis;
}

Axis Axis::logarithmic(double low, double high, double left, double right) {
  Axis axis;
  axis.left_ = left;
  axis.right_ = right;
  axis.log_ = true;
  std::vector<double> round_values;
  for (double p = std::floor(std::log10(low)); p <= std::ceil(std::log10(high)); ++p)
    for (double factor : {1.0, 2.0, 5.0}) round_values.push_back(factor * std::pow(10.0, p));
  axis.low_ = round_values.front();
  axis.high_ = round_values.back();
  for (double v : round_values) {
    if (v <= low) axis.low_ = v;
    if (v >= high && axis.high_ == round_values.back()) axis.high_ = v;
  }
  for (double v : round_values)
    if (v >= axis.low_ && v <= axis.high_) axis.ticks_.push_back(v);
  return axis;
}

double Axis::position(double value) const {
  double fraction =
      log_ ? (std::log(std::max(value, low_)) - std::log(low_)) / (std::log(high_) - std::log(low_))
           : (value - low_) / (high_ - low_);
  if (!std::isfinite(fraction)) fraction = 0;
  return left_ + std::clamp(fraction, 0.0, 1.0) * (right_ - left_);
}

std::string heat_colour(double fraction) {
  // ColorBrewer's OrRd ramp, interpolated.
  static constexpr std::array<std::array<double, 3>, 6> kStops{{{255, 255, 255},
                                                                {254, 232, 200},
                                                                {253, 187, 132},
                                                                {252, 141, 89},
                                                                {227, 74, 51},
                                                                {179, 0, 0}}};
  if (!std::isfinite(fraction)) fraction = 0;
  const double at = std::clamp(fraction, 0.0, 1.0) * (kStops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(at), kStops.size() - 2);
  const double t = at - i;
  std::array<int, 3> rgb;
  for (size_t c = 0; c < 3; ++c)
    rgb[c] = static_cast<int>(std::lround(kStops[i][c] + t * (kStops[i + 1][c] - kStops[i][c])));
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

bool heat_needs_light_text(double fraction) { return fraction > 0.62; }

double text_width(std::string_view text, double font_px) {
  double units = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: counted with its lead byte
    units += std::string_view("il.,:;|'!").find(static_cast<char>(c)) != std::string_view::npos
                 ? 0.34
             : c == '@' || c == 'm' || c == 'w' || c == 'M' || c == 'W' ? 1.0
             : std::isupper(c) || std::isdigit(c)                       ? 0.7
                                                                        : 0.62;
  }
  return units * font_px;
}

}  // namespace nnd::report
