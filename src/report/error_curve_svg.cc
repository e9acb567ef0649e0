#include "report/error_curve_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/text.h"

namespace nnd::report {

namespace {

// Errors below this are drawn on the axis floor (exact agreement is 0, which a log scale lacks).
constexpr double kFloorDecade = -9;

struct Frame {
  double left = 64, right, top = 16, bottom;
  double x_max, decade_low = kFloorDecade, decade_high;

  double x(size_t position) const {
    return left + (right - left) * (x_max > 0 ? static_cast<double>(position) / x_max : 0.5);
  }
  double y(double error) const {
    const double d = error > 0 && std::isfinite(error)
                         ? std::clamp(std::log10(error), decade_low, decade_high)
                     : error > 0 ? decade_high  // inf: top of the chart
                                 : decade_low;
    return bottom - (bottom - top) * (d - decade_low) / (decade_high - decade_low);
  }
};

std::string polyline(const std::vector<ErrorCurvePoint>& points, const Frame& f, bool mean,
                     const char* style) {
  std::string coords;
  for (const ErrorCurvePoint& p : points)
    coords += fmt::format("{:.1f},{:.1f} ", f.x(p.position), f.y(mean ? p.mean_abs : p.max_abs));
  return fmt::format("<polyline fill=\"none\" {} points=\"{}\"/>\n", style, coords);
}

}  // namespace

std::string error_curve_svg(const std::vector<ErrorCurvePoint>& points,
                            const ErrorCurveOptions& options) {
  Frame f;
  f.right = options.width - 16;
  f.bottom = options.height - 48;
  f.x_max = options.nodes > 1 ? static_cast<double>(options.nodes - 1) : 0;
  double highest = options.atol;
  for (const ErrorCurvePoint& p : points)
    if (std::isfinite(p.max_abs)) highest = std::max(highest, p.max_abs);
  f.decade_high = std::max(0.0, std::ceil(std::log10(std::max(highest, 1e-300))));

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"11\">\n"
      "<rect x=\"0\" y=\"0\" width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
      options.width, options.height);
  // Axes: a gridline per decade, labelled 1e-k; the floor reads "0".
  for (double d = f.decade_low; d <= f.decade_high; d += 1) {
    const double y = f.y(std::pow(10.0, d));
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e4e4e4\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        f.left, y, f.right, y, f.left - 6, y + 4,
        d == f.decade_low ? "≤1e-9" : fmt::format("1e{}", d));
  }
  svg += fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#444\"/>\n"
      "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"middle\">node (topological order, 0..{5})"
      "</text>\n"
      "<text x=\"14\" y=\"{6:.1f}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {6:.1f})\">"
      "|candidate − reference|</text>\n",
      f.left, f.bottom, f.right, (f.left + f.right) / 2, f.bottom + 20,
      options.nodes > 0 ? options.nodes - 1 : 0, (f.top + f.bottom) / 2);
  if (options.atol > 0)
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#c0392b\" "
        "stroke-dasharray=\"6 4\"/><text x=\"{2:.1f}\" y=\"{3:.1f}\" text-anchor=\"end\" "
        "fill=\"#c0392b\">atol {4:g}</text>\n",
        f.left, f.y(options.atol), f.right, f.y(options.atol) - 4, options.atol);
  if (options.first_divergent) {
    const double x = f.x(*options.first_divergent);
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#c0392b\"/>"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" fill=\"#c0392b\">first divergent: node {5}</text>\n",
        x, f.top, f.bottom, x + 4, f.top + 10, *options.first_divergent);
  }
  svg += polyline(points, f, true, "stroke=\"#7f8c8d\" stroke-dasharray=\"3 3\"");
  svg += polyline(points, f, false, "stroke=\"#2c3e50\" stroke-width=\"1.5\"");
  for (const ErrorCurvePoint& p : points)
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{}: max {:.3g}, mean "
        "{:.3g}</title></circle>\n",
        f.x(p.position), f.y(p.max_abs), p.diverges ? "#c0392b" : "#2c3e50", escape_xml(p.label),
        p.max_abs, p.mean_abs);
  // Legend.
  svg += fmt::format(
      "<g transform=\"translate({:.1f},{:.1f})\"><line x1=\"0\" y1=\"0\" x2=\"18\" y2=\"0\" "
      "stroke=\"#2c3e50\" stroke-width=\"1.5\"/><text x=\"22\" y=\"4\">max abs</text>"
      "<line x1=\"80\" y1=\"0\" x2=\"98\" y2=\"0\" stroke=\"#7f8c8d\" stroke-dasharray=\"3 3\"/>"
      "<text x=\"102\" y=\"4\">mean abs</text><circle cx=\"170\" cy=\"0\" r=\"3\" "
      "fill=\"#c0392b\"/><text x=\"176\" y=\"4\">beyond tolerance</text></g>\n",
      f.left, f.bottom + 38);
  svg += "</svg>\n";
  return svg;
}

}  // namespace nnd::report
