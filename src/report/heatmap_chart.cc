#include "report/heatmap_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/chart_scale.h"
#include "report/lookup.h"
#include "report/svg.h"
#include "report/text.h"

namespace nnd::report {

std::string disagreement_heatmap_svg(const analysis::ModelReport& model, double width,
                                     const std::string& id) {
  const std::vector<std::string>& envs = model.environments;
  if (envs.size() < 2) return "";

  constexpr double kFont = 12, kLegend = 56;
  double label_width = 0;
  for (const std::string& e : envs) label_width = std::max(label_width, text_width(e, kFont));
  label_width = std::min(label_width + 8, 340.0);
  const double cell = std::clamp((width - label_width - 24) / envs.size(), 30.0, 72.0);
  // Column labels are turned 45 degrees, so they need sin(45) of their length above the grid.
  const double top = label_width * 0.72 + 16, left = label_width + 12;
  const double grid = cell * envs.size();
  const double height = top + grid + kLegend;
  double scale_max = 1.0;
  for (const analysis::PairAgreement& p : model.pairs)
    if (p.compared > 0) scale_max = std::max(scale_max, p.top1_differs_pct);

  Svg svg(std::max(width, left + grid + 20), height,
          fmt::format("Top-1 disagreement between environments of {}", model.name));
  for (size_t i = 0; i < envs.size(); ++i) {
    const double offset = i * cell + cell / 2;
    svg.text(left - 8, top + offset + 4, envs[i], {{"class", "label"}, {"text-anchor", "end"}});
    const double x = left + offset + 4, y = top - 8;
    svg.text(x, y, envs[i],
             {{"class", "label"},
              {"transform", fmt::format("rotate(-45 {} {})", svg_number(x), svg_number(y))}});
  }
  for (size_t row = 0; row < envs.size(); ++row)
    for (size_t column = 0; column < envs.size(); ++column) {
      const double x = left + column * cell, y = top + row * cell;
      const double cx = x + cell / 2, cy = y + cell / 2 + 4;
      if (row == column) {
        svg.rect(x, y, cell, cell, {{"class", "cell diagonal"}});
        continue;
      }
      const analysis::PairAgreement* p = find_pair(model, envs[row], envs[column]);
      if (!p || p->compared == 0) {
        svg.rect(x, y, cell, cell, {{"class", "cell missing"}},
                 fmt::format("{} vs {}: {}", envs[row], envs[column],
                             p && !p->note.empty() ? p->note : "no common inputs"));
        svg.text(cx, cy, "n/a", {{"class", "cell-text"}, {"text-anchor", "middle"}});
        continue;
      }
      const double fraction = p->top1_differs_pct / scale_max;
      svg.rect(
          x, y, cell, cell, {{"class", "cell"}, {"fill", heat_colour(fraction)}},
          fmt::format("{} vs {}: top-1 differs on {} of {} inputs ({})", envs[row], envs[column],
                      p->top1_differs, p->compared, percent(p->top1_differs_pct)));
      const double pct = p->top1_differs_pct;
      const std::string text = p->top1_differs == 0 ? "0"
                               : pct >= 10          ? fixed(pct, 0)
                               : pct >= 1           ? fixed(pct, 1)
                                                    : fixed(pct, 2);
      svg.text(cx, cy, text,
               {{"class", heat_needs_light_text(fraction) ? "cell-text light" : "cell-text"},
                {"text-anchor", "middle"}});
    }

  // Legend: the ramp from 0 to scale_max.
  const double legend_y = top + grid + 18, legend_width = std::min(240.0, grid);
  svg.open("defs", {});
  svg.open("linearGradient", {{"id", id + "-ramp"}});
  for (int stop = 0; stop <= 10; ++stop)
    svg.element("stop", {{"offset", fmt::format("{}%", stop * 10)},
                         {"stop-color", heat_colour(stop / 10.0)}});
  svg.close("linearGradient");
  svg.close("defs");
  svg.rect(left, legend_y, legend_width, 12,
           {{"fill", "url(#" + id + "-ramp)"}, {"class", "legend"}});
  svg.text(left, legend_y + 26, "0%", {{"class", "tick"}});
  svg.text(left + legend_width, legend_y + 26, percent(scale_max),
           {{"class", "tick"}, {"text-anchor", "end"}});
  svg.text(left + legend_width + 12, legend_y + 10, "% of inputs whose top-1 label differs",
           {{"class", "axis-title"}});
  return svg.str();
}

}  // namespace nnd::report
