#pragma once
// What the charts share: a horizontal value axis (linear, or logarithmic for values spanning
// orders of magnitude) with round tick values, the sequential colour ramp of the heatmap and the
// kill matrix, and a rough text width for laying out labels without a font engine.
#include <string>
#include <string_view>
#include <vector>

namespace nnd::report {

class Axis {
 public:
  // Maps [low, high] onto pixels [left, right]. A linear axis widens the range to round tick
  // values; a log axis (low > 0) to powers of ten's 1-2-5 steps.
  static Axis linear(double low, double high, double left, double right);
  static Axis logarithmic(double low, double high, double left, double right);

  double position(double value) const;  // clamped to [left, right]
  const std::vector<double>& ticks() const { return ticks_; }
  double low() const { return low_; }
  double high() const { return high_; }
  bool is_log() const { return log_; }

 private:
  double low_ = 0, high_ = 1, left_ = 0, right_ = 1;
  bool log_ = false;
  std::vector<double> ticks_;
};

// White at 0 through orange to dark red at 1 (clamped), as "#rrggbb".
std::string heat_colour(double fraction);
// Whether text on heat_colour(fraction) should be white to stay readable.
bool heat_needs_light_text(double fraction);

// Approximate width in pixels of `text` at `font_px` in a sans-serif font.
double text_width(std::string_view text, double font_px);

}  // namespace nnd::report
