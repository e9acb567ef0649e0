#include "report/latency_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/chart_scale.h"
#include "report/svg.h"
#include "report/text.h"

namespace nnd::report {

namespace {

// Linear interpolation between closest ranks of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  const double at = q * (sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(at));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
}

std::string tick_text(double ms) { return ms >= 1 ? fmt::format("{:g}", ms) : general(ms); }

}  // namespace

std::string latency_chart_svg(const analysis::ModelReport& model, double width) {
  struct Row {
    const analysis::LatencyDistribution* latency;
    std::vector<double> sorted;
  };
  std::vector<Row> rows;
  double low = INFINITY, high = 0;
  for (const analysis::LatencyDistribution& l : model.latency) {
    Row row{&l, {}};
    for (double ms : l.histogram_ms)
      if (std::isfinite(ms) && ms >= 0) row.sorted.push_back(ms);
    if (row.sorted.empty()) continue;
    std::sort(row.sorted.begin(), row.sorted.end());
    low = std::min({low, row.sorted.front(), l.median_ci95.low});
    high = std::max({high, row.sorted.back(), l.median_ci95.high});
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return "";

  constexpr double kFont = 12, kRow = 34, kTop = 10, kAxis = 34, kValues = 250;
  double label_width = 0;
  for (const Row& r : rows)
    label_width = std::max(label_width, text_width(r.latency->environment, kFont));
  label_width = std::min(label_width + 16, width * 0.4);
  const double plot_left = label_width, plot_right = width - kValues;
  const bool log_scale = low > 0 && high / low > 10;
  const Axis axis = log_scale ? Axis::logarithmic(low, high, plot_left, plot_right)
                              : Axis::linear(0, high, plot_left, plot_right);
  const double plot_bottom = kTop + rows.size() * kRow;
  Svg svg(width, plot_bottom + kAxis,
          fmt::format("Latency distribution of {} per environment", model.name));

  for (double tick : axis.ticks()) {
    const double x = axis.position(tick);
    svg.line(x, kTop, x, plot_bottom, {{"class", "grid"}});
    svg.text(x, plot_bottom + 16, tick_text(tick), {{"class", "tick"}, {"text-anchor", "middle"}});
  }
  svg.text((plot_left + plot_right) / 2, plot_bottom + kAxis - 2,
           fmt::format("milliseconds per input{} — box: quartiles, band: 95% CI of the median",
                       log_scale ? " (log scale)" : ""),
           {{"class", "axis-title"}, {"text-anchor", "middle"}});

  for (size_t i = 0; i < rows.size(); ++i) {
    const analysis::LatencyDistribution& l = *rows[i].latency;
    const std::vector<double>& s = rows[i].sorted;
    const double y = kTop + i * kRow, middle = y + kRow / 2;
    if (i % 2 == 1) svg.rect(0, y, width, kRow, {{"class", "stripe"}});
    svg.text(plot_left - 8, middle + 4, l.environment,
             {{"class", l.environment == model.baseline ? "label baseline" : "label"},
              {"text-anchor", "end"}});
    const double q1 = axis.position(quantile(s, 0.25)), q3 = axis.position(quantile(s, 0.75));
    svg.line(axis.position(s.front()), middle, q1, middle, {{"class", "whisker"}});
    svg.line(q3, middle, axis.position(s.back()), middle, {{"class", "whisker"}});
    svg.rect(q1, middle - 9, q3 - q1, 18, {{"class", "box"}},
             fmt::format("{}: {} samples, median {} (95% CI {} – {}), p95 {}, mean {}",
                         l.environment, l.samples, milliseconds(l.median_ms),
                         milliseconds(l.median_ci95.low), milliseconds(l.median_ci95.high),
                         milliseconds(l.p95_ms), milliseconds(l.mean_ms)));
    for (size_t k = 0; k < s.size(); ++k) {
      // A fixed jitter pattern spreads the dots vertically, the same on every render.
      const double jitter = (static_cast<double>((k * 7919) % 13) - 6) * 1.1;
      svg.circle(axis.position(s[k]), middle + jitter, 1.6, {{"class", "dot"}});
    }
    const double ci_low = axis.position(l.median_ci95.low);
    const double ci_high = axis.position(l.median_ci95.high);
    svg.rect(ci_low, middle - 12, std::max(ci_high - ci_low, 2.0), 24, {{"class", "ci"}});
    const double median = axis.position(l.median_ms);
    svg.line(median, middle - 12, median, middle + 12, {{"class", "median"}});
    svg.text(plot_right + 10, middle + 4,
             fmt::format("median {} [{} – {}]", milliseconds(l.median_ms),
                         fixed(l.median_ci95.low, 3), fixed(l.median_ci95.high, 3)),
             {{"class", "value"}});
  }
  return svg.str();
}

}  // namespace nnd::report
