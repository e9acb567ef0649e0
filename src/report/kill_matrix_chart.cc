#include "report/kill_matrix_chart.h"

#include <fmt/format.h>

#include <algorithm>

#include "report/chart_scale.h"
#include "report/lookup.h"
#include "report/svg.h"
#include "report/text.h"

namespace nnd::report {

namespace {

// Short cell text for outcomes that are not a label change.
std::string outcome_mark(const std::string& outcome) {
  if (outcome == "crashed") return "crash";
  if (outcome == "hung") return "hang";
  if (outcome == "failed to build") return "build";
  if (outcome == "non-finite") return "NaN";
  if (outcome == "stuck") return "stuck";
  if (outcome == "not compared") return "n/a";
  return "";
}

}  // namespace

std::string kill_matrix_svg(const analysis::ModelReport& model, double width,
                            const std::string& id) {
  const std::vector<std::string> mutants = mutant_names(model);
  const std::vector<std::string> envs = mutant_environments(model);
  if (mutants.empty() || envs.empty()) return "";
  constexpr double kFont = 12, kRow = 20, kLegend = 56;
  double label_width = 0, env_width = 0;
  for (const std::string& m : mutants) label_width = std::max(label_width, text_width(m, kFont));
  for (const std::string& e : envs) env_width = std::max(env_width, text_width(e, kFont));
  label_width = std::min(label_width + 8, 300.0);
  const double cell = std::clamp((width - label_width - 24) / envs.size(), 40.0, 90.0);
  const double top = std::min(env_width, 300.0) * 0.72 + 16, left = label_width + 12;
  const double height = top + kRow * mutants.size() + kLegend;
  Svg svg(std::max(width, left + cell * envs.size() + 20), height,
          fmt::format("Mutation kill matrix of {}", model.name));
  for (size_t e = 0; e < envs.size(); ++e) {
    const double x = left + e * cell + cell / 2 + 4, y = top - 8;
    svg.text(x, y, envs[e],
             {{"class", "label"},
              {"transform", fmt::format("rotate(-45 {} {})", svg_number(x), svg_number(y))}});
  }
  for (size_t r = 0; r < mutants.size(); ++r) {
    const double y = top + r * kRow;
    svg.text(left - 8, y + kRow / 2 + 4, mutants[r], {{"class", "label"}, {"text-anchor", "end"}});
    for (size_t e = 0; e < envs.size(); ++e) {
      const double x = left + e * cell;
      const analysis::MutantOutcome* o = find_mutant(model, mutants[r], envs[e]);
      if (!o) {
        svg.rect(x, y, cell, kRow, {{"class", "cell missing"}},
                 fmt::format("{} did not run in {}", mutants[r], envs[e]));
        continue;
      }
      const std::string mark = outcome_mark(o->outcome);
      const std::string tooltip =
          fmt::format("{} in {}: {}; {} of {} labels changed{}{}", mutants[r], envs[e], o->outcome,
                      o->label_changes, o->compared, o->message.empty() ? "" : "; " + o->message,
                      o->note.empty() ? "" : "; " + o->note);
      if (!mark.empty() && o->outcome != "not compared") {
        svg.rect(x, y, cell, kRow, {{"class", "cell failed"}, {"fill", "#7b3294"}}, tooltip);
        svg.text(x + cell / 2, y + kRow / 2 + 4, mark,
                 {{"class", "cell-text light"}, {"text-anchor", "middle"}});
        continue;
      }
      const double fraction = o->label_change_pct / 100.0;
      svg.rect(x, y, cell, kRow, {{"class", "cell"}, {"fill", heat_colour(fraction)}}, tooltip);
      svg.text(x + cell / 2, y + kRow / 2 + 4, mark.empty() ? percent(o->label_change_pct) : mark,
               {{"class", heat_needs_light_text(fraction) ? "cell-text light" : "cell-text"},
                {"text-anchor", "middle"}});
    }
  }
  const double legend_y = top + kRow * mutants.size() + 18;
  const double legend_width = std::min(240.0, cell * envs.size());
  svg.open("defs", {});
  svg.open("linearGradient", {{"id", id + "-kill-ramp"}});
  for (int stop = 0; stop <= 10; ++stop)
    svg.element("stop", {{"offset", fmt::format("{}%", stop * 10)},
                         {"stop-color", heat_colour(stop / 10.0)}});
  svg.close("linearGradient");
  svg.close("defs");
  svg.rect(left, legend_y, legend_width, 12,
           {{"fill", "url(#" + id + "-kill-ramp)"}, {"class", "legend"}});
  svg.text(left, legend_y + 26, "0%", {{"class", "tick"}});
  svg.text(left + legend_width, legend_y + 26, "100%", {{"class", "tick"}, {"text-anchor", "end"}});
  svg.text(
      left + legend_width + 12, legend_y + 10,
      "% of inputs whose top-1 label the mutant changed (purple: crash, hang, build, NaN, stuck)",
      {{"class", "axis-title"}});
  return svg.str();
}

}  // namespace nnd::report
