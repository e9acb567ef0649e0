// The HTML page: header, findings, notes, contents, and one section per model.
#include <fmt/format.h>

#include <set>

#include "analysis/report_findings.h"
#include "report/accuracy_chart.h"
#include "report/heatmap_chart.h"
#include "report/html.h"
#include "report/html_parts.h"
#include "report/kill_matrix_chart.h"
#include "report/latency_chart.h"
#include "report/text.h"

namespace nnd::report {

namespace {

constexpr double kChartWidth = 1120;

// Unique id fragments for the models, in order.
std::vector<std::string> model_ids(const analysis::ReportData& data) {
  std::vector<std::string> ids;
  std::set<std::string> taken{"notes", "contents"};
  for (const analysis::ModelReport& m : data.models) {
    const std::string base = id_fragment(m.name);
    std::string id = base;
    for (int n = 2; taken.count(id); ++n) id = fmt::format("{}-{}", base, n);
    taken.insert(id);
    ids.push_back(id);
  }
  return ids;
}

std::string plural(size_t n, std::string_view thing) {
  return fmt::format("{} {}{}", n, thing, n == 1 ? "" : "s");
}

std::string chart(const std::string& svg) {
  return svg.empty() ? "" : "<div class=\"chart\">\n" + svg + "</div>\n";
}

std::string header(const analysis::ReportData& data) {
  const analysis::ReportOptions& o = data.options;
  std::string out = "<header>\n<h1>nndelta report</h1>\n";
  out +=
      fmt::format("<p class=\"meta\">Store <code>{}</code> · schema {} · created by {} at {}</p>\n",
                  escape_xml(data.store_path), data.schema_version,
                  escape_xml(data.created_by.empty() ? "?" : data.created_by),
                  escape_xml(data.created_at.empty() ? "?" : data.created_at));
  out += fmt::format(
      "<p class=\"meta\">Top-k {} · RBO p {} · bootstrap {} resamples, seed {} · significance "
      "level {} · logits tolerance atol {} rtol {}</p>\n</header>\n",
      o.top_k, general(o.rbo_p), o.bootstrap_resamples, o.seed, general(o.alpha),
      general(o.tolerance.atol), general(o.tolerance.rtol));
  out += "<section id=\"findings\" class=\"findings\">\n<h2>Findings</h2>\n<ul>\n";
  for (const std::string& finding : analysis::report_findings(data))
    out += "<li>" + escape_xml(finding) + "</li>\n";
  out += "</ul>\n</section>\n";
  if (!data.notes.empty()) {
    out += "<section id=\"notes\" class=\"notes\">\n<h2>Notes</h2>\n<ul>\n";
    for (const std::string& note : data.notes) out += "<li>" + escape_xml(note) + "</li>\n";
    out += "</ul>\n</section>\n";
  }
  return out;
}

std::string contents(const analysis::ReportData& data, const std::vector<std::string>& ids) {
  if (data.models.empty()) return "<p class=\"empty\">The store holds no model.</p>\n";
  std::string out = "<nav id=\"contents\">\n<h2>Models</h2>\n<ul>\n";
  for (size_t i = 0; i < data.models.size(); ++i) {
    const analysis::ModelReport& m = data.models[i];
    std::string summary = fmt::format("{} · {} · {}", plural(m.environments.size(), "environment"),
                                      plural(m.disagreeing_images.size(), "disagreeing input"),
                                      plural(m.failures.size(), "failure"));
    if (!m.mutants.empty()) summary += " · " + plural(m.mutants.size(), "mutant run");
    out += fmt::format("<li><a href=\"#model-{}\">{}</a> <span class=\"muted\">· {}</span></li>\n",
                       ids[i], escape_xml(m.name), summary);
  }
  return out + "</ul>\n</nav>\n";
}

std::string model_section(const analysis::ModelReport& m, const std::string& id,
                          const analysis::ReportOptions& options, Thumbnails& thumbnails) {
  std::string out = fmt::format("<section id=\"model-{}\" class=\"model\">\n<h2>Model {}</h2>\n",
                                id, escape_xml(m.name));
  out += fmt::format(
      "<p class=\"meta\">SHA-256 <code>{}</code> · {} environments · baseline <b>{}</b></p>\n",
      escape_xml(m.sha256), m.environments.size(),
      escape_xml(m.baseline.empty() ? "none" : m.baseline));
  out += html::section("accuracy-" + id, "Accuracy (top-1, against the labels)",
                       chart(accuracy_chart_svg(m, kChartWidth)) + html::accuracy_table(m));
  const std::string heatmap = disagreement_heatmap_svg(m, kChartWidth, "heatmap-" + id);
  out +=
      html::section("agreement-" + id, "Top-1 disagreement between environments",
                    heatmap.empty() ? "<p class=\"empty\">Fewer than two environments: nothing to "
                                      "compare.</p>\n"
                                    : chart(heatmap));
  out += html::section(
      "pairs-" + id, "Pairwise agreement",
      fmt::format("<p class=\"legend\">Labels and rankings: Kendall τ, RBO (p {}) and Jaccard "
                  "over the top-{} lists, averaged over the inputs both answered.</p>\n",
                  general(options.rbo_p), options.top_k) +
          html::pairs_table(m) +
          fmt::format("<p class=\"legend\">Logits: a against b over every class score of every "
                      "input both answered; tolerance atol {} rtol {}.</p>\n",
                      general(options.tolerance.atol), general(options.tolerance.rtol)) +
          html::logits_table(m));
  out += html::section("latency-" + id, "Latency",
                       chart(latency_chart_svg(m, kChartWidth)) + html::latency_table(m));
  out += html::section("latency-changes-" + id,
                       "Latency changes between options of the same framework and device",
                       html::latency_changes_table(m));
  out += html::section("nondeterminism-" + id, "Run-to-run nondeterminism",
                       html::nondeterminism_table(m));
  out += html::section("failures-" + id, "Failures", html::failures_table(m));
  out += html::section("images-" + id, "Inputs whose top-1 label differs between environments",
                       html::image_gallery(m, thumbnails));
  if (!m.mutants.empty() || !m.would_be_mutants.empty()) {
    out += html::section("mutants-" + id,
                         "Mutation kill matrix (% of labels changed against the original model)",
                         chart(kill_matrix_svg(m, kChartWidth, id)) + html::kill_matrix(m));
    out += html::section("mutation-scores-" + id, "Mutation score per environment",
                         html::mutation_scores_table(m));
    out +=
        html::section("mutation-categories-" + id, "Mutants per category", html::category_table(m));
    out += html::section("mutant-crashes-" + id, "Mutants that crashed, hung or failed to build",
                         html::mutant_crashes_table(m));
    out += html::section("mutant-discrepancies-" + id,
                         "Cross-environment discrepancies of the same mutant (the original agrees)",
                         html::discrepancy_table(m));
    out += html::section("would-be-mutants-" + id, "Would-be mutants that changed nothing",
                         html::would_be_table(m));
  }
  return out + "</section>\n";
}

}  // namespace

std::string report_html(const analysis::ReportData& data) {
  const std::vector<std::string> ids = model_ids(data);
  Thumbnails thumbnails;
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>nndelta report: {}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
      escape_xml(data.store_path), html::stylesheet());
  out += header(data);
  out += contents(data, ids);
  for (size_t i = 0; i < data.models.size(); ++i)
    out += model_section(data.models[i], ids[i], data.options, thumbnails);
  return out + "</main>\n</body>\n</html>\n";
}

}  // namespace nnd::report
