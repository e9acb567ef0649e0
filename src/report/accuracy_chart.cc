#include "report/accuracy_chart.h"

#include <fmt/format.h>

#include <algorithm>

#include "report/chart_scale.h"
#include "report/svg.h"
#include "report/text.h"

namespace nnd::report {

std::string accuracy_chart_svg(const analysis::ModelReport& model, double width) {
  std::vector<const analysis::EnvironmentAccuracy*> rows;
  for (const analysis::EnvironmentAccuracy& a : model.accuracy)
    if (a.labelled > 0) rows.push_back(&a);
  if (rows.empty()) return "";

  constexpr double kFont = 12, kRow = 24, kTop = 10, kAxis = 30, kValues = 190;
  double label_width = 0;
  for (const auto* a : rows) label_width = std::max(label_width, text_width(a->environment, kFont));
  label_width = std::min(label_width + 16, width * 0.4);
  const double plot_left = label_width, plot_right = width - kValues;
  const double height = kTop + rows.size() * kRow + kAxis;
  const Axis axis = Axis::linear(0, 100, plot_left, plot_right);

  Svg svg(width, height,
          fmt::format("Accuracy of {} per environment with 95% confidence intervals", model.name));
  const double plot_bottom = kTop + rows.size() * kRow;
  for (double tick : axis.ticks()) {
    const double x = axis.position(tick);
    svg.line(x, kTop, x, plot_bottom, {{"class", tick == 0 ? "axis" : "grid"}});
    svg.text(x, plot_bottom + 16, fmt::format("{:g}%", tick),
             {{"class", "tick"}, {"text-anchor", "middle"}});
  }
  svg.text((plot_left + plot_right) / 2, height - 2, "top-1 accuracy (bars) and 95% CI (whiskers)",
           {{"class", "axis-title"}, {"text-anchor", "middle"}});

  for (size_t i = 0; i < rows.size(); ++i) {
    const analysis::EnvironmentAccuracy& a = *rows[i];
    const double y = kTop + i * kRow, middle = y + kRow / 2;
    const bool baseline = a.environment == model.baseline;
    svg.text(plot_left - 8, middle + 4, a.environment,
             {{"class", baseline ? "label baseline" : "label"}, {"text-anchor", "end"}});
    const double bar_end = axis.position(100 * a.accuracy);
    svg.rect(plot_left, y + 4, bar_end - plot_left, kRow - 8,
             {{"class", baseline ? "bar baseline" : "bar"}},
             fmt::format("{}: {} of {} correct ({}, 95% CI {} – {})", a.environment, a.correct,
                         a.labelled, fraction_percent(a.accuracy), fraction_percent(a.ci95.low),
                         fraction_percent(a.ci95.high)));
    const double low = axis.position(100 * a.ci95.low), high = axis.position(100 * a.ci95.high);
    svg.line(low, middle, high, middle, {{"class", "whisker"}});
    svg.line(low, middle - 6, low, middle + 6, {{"class", "whisker"}});
    svg.line(high, middle - 6, high, middle + 6, {{"class", "whisker"}});
    svg.text(plot_right + 10, middle + 4,
             fmt::format("{}  [{} – {}]", fraction_percent(a.accuracy), fixed(100 * a.ci95.low, 1),
                         fixed(100 * a.ci95.high, 1)),
             {{"class", "value"}});
  }
  return svg.str();
}

}  // namespace nnd::report
