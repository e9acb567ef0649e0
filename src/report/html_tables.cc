// The HTML page's tables: accuracy, pairwise agreement, latency, latency changes, nondeterminism,
// failures and the mutation kill matrix.
#include <fmt/format.h>

#include "report/html_parts.h"
#include "report/lookup.h"
#include "report/text.h"

namespace nnd::report::html {

namespace {

Cell count_cell(int64_t n, std::string css_class = "") {
  return number_cell(fmt::format("{}", n), std::move(css_class));
}

std::string ci_text(const analysis::Interval& i, bool as_fraction) {
  return as_fraction ? fraction_percent(i.low) + " – " + fraction_percent(i.high)
                     : milliseconds(i.low) + " – " + milliseconds(i.high);
}

}  // namespace

Cell text_cell(std::string_view text, std::string css_class) {
  return {escape_xml(text), std::move(css_class)};
}

Cell number_cell(const std::string& text, const std::string& css_class) {
  return {escape_xml(text), css_class.empty() ? "num" : "num " + css_class};
}

std::string table(const std::vector<std::string>& header, const std::vector<Row>& rows,
                  std::string_view when_empty) {
  if (rows.empty()) return fmt::format("<p class=\"empty\">{}</p>\n", escape_xml(when_empty));
  std::string out = "<div class=\"scroll\"><table>\n<thead><tr>";
  for (const std::string& h : header) out += "<th>" + escape_xml(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const Row& row : rows) {
    out += row.css_class.empty() ? "<tr>" : fmt::format("<tr class=\"{}\">", row.css_class);
    for (const Cell& cell : row.cells)
      out += cell.css_class.empty()
                 ? fmt::format("<td>{}</td>", cell.html)
                 : fmt::format("<td class=\"{}\">{}</td>", cell.css_class, cell.html);
    out += "</tr>\n";
  }
  return out + "</tbody></table></div>\n";
}

std::string section(const std::string& id, std::string_view title, const std::string& body) {
  return fmt::format("<section id=\"{}\">\n<h3>{}</h3>\n{}</section>\n", escape_xml(id),
                     escape_xml(title), body);
}

std::string accuracy_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::EnvironmentAccuracy& a : model.accuracy)
    rows.push_back({{text_cell(a.environment, a.environment == model.baseline ? "baseline" : ""),
                     count_cell(a.labelled), count_cell(a.correct),
                     number_cell(a.labelled > 0 ? fraction_percent(a.accuracy) : "-"),
                     number_cell(a.labelled > 0 ? ci_text(a.ci95, true) : "-")},
                    ""});
  return table({"Environment", "Labelled", "Correct", "Accuracy", "95% CI (Wilson)"}, rows,
               "No environment answered a labelled input.");
}

std::string pairs_table(const analysis::ModelReport& model) {
  bool any_note = false;
  for (const analysis::PairAgreement& p : model.pairs) any_note = any_note || !p.note.empty();
  std::vector<Row> rows;
  for (const analysis::PairAgreement& p : model.pairs) {
    const std::string differs = p.top1_differs > 0 ? "bad" : "";
    Row row{{text_cell(p.a), text_cell(p.b), count_cell(p.compared)},
            p.top1_differs > 0 ? "differs" : ""};
    if (p.compared > 0) {
      row.cells.insert(
          row.cells.end(),
          {count_cell(p.top1_differs, differs), number_cell(percent(p.top1_differs_pct), differs),
           number_cell(fixed(p.mean_kendall_tau, 4)), number_cell(fixed(p.mean_rbo, 4)),
           number_cell(fixed(p.mean_jaccard, 4))});
    } else {  // with nothing compared the means carry no information: the note says why
      row.cells.insert(row.cells.end(), 5, number_cell("-", "muted"));
    }
    if (any_note) row.cells.push_back(text_cell(p.note, "note muted"));
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header{"A", "B",         "Compared", "Top-1 differs",
                                  "%", "Kendall τ", "RBO",      "Jaccard"};
  if (any_note) header.emplace_back("Note");
  return table(header, rows, "Fewer than two environments: nothing to compare.");
}

std::string logits_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::PairAgreement& p : model.pairs) {
    if (!p.logits) continue;
    const analysis::ErrorStats& s = *p.logits;
    Row row{{text_cell(p.a), text_cell(p.b), count_cell(static_cast<int64_t>(s.count))}, ""};
    for (double v : {s.max_abs, s.mean_abs, s.p50_abs, s.p99_abs, s.max_rel})
      row.cells.push_back(number_cell(general(v)));
    row.cells.push_back(number_cell(fixed(s.cosine, 6)));
    row.cells.push_back(number_cell(s.nonfinite > 0
                                        ? fmt::format("{} ({} non-finite)", s.beyond, s.nonfinite)
                                        : fmt::format("{}", s.beyond),
                                    s.passes() ? "good" : "bad"));
    row.cells.push_back(number_cell(general(s.needed_atol)));
    row.cells.push_back(number_cell(general(s.needed_rtol)));
    rows.push_back(std::move(row));
  }
  return table({"A", "B", "Values", "Max |a−b|", "Mean", "Median", "p99", "Max rel.", "Cosine",
                "Beyond tolerance", "Needed atol", "Needed rtol"},
               rows, "No pair of runs kept its logits.");
}

std::string latency_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::LatencyDistribution& l : model.latency)
    rows.push_back({{text_cell(l.environment, l.environment == model.baseline ? "baseline" : ""),
                     count_cell(l.samples), number_cell(milliseconds(l.median_ms)),
                     number_cell(ci_text(l.median_ci95, false)),
                     number_cell(milliseconds(l.p95_ms)), number_cell(milliseconds(l.mean_ms))},
                    ""});
  return table({"Environment", "Samples", "Median", "95% CI of median (bootstrap)", "p95", "Mean"},
               rows, "No timings: no run answered an input.");
}

std::string latency_changes_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::LatencyChange& c : model.latency_changes) {
    const analysis::LatencyDistribution* a = find_latency(model, c.a);
    const analysis::LatencyDistribution* b = find_latency(model, c.b);
    std::string flag_class = c.significant ? (c.relative_change > 0 ? "bad" : "good") : "muted";
    Cell flag = text_cell(
        c.significant ? (c.relative_change > 0 ? "slower" : "faster") : "no significant change",
        flag_class);
    if (c.higher_level_slower)
      flag = {"<span class=\"badge\">▲ higher optimization level is slower</span>", ""};
    rows.push_back(
        {{text_cell(c.a), text_cell(c.b), number_cell(a ? milliseconds(a->median_ms) : "-"),
          number_cell(b ? milliseconds(b->median_ms) : "-"),
          number_cell(fmt::format("{:+.1f}%", 100 * c.relative_change), flag_class),
          number_cell(general(c.mann_whitney_u)), number_cell(general(c.p_value)), flag},
         c.higher_level_slower ? "slower" : ""});
  }
  return table({"A", "B", "Median A", "Median B", "B vs A", "Mann-Whitney U", "p", "Verdict"}, rows,
               "No two environments differ only in their optimization level or options.");
}

std::string nondeterminism_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::Nondeterminism& n : model.nondeterminism)
    rows.push_back(
        {{text_cell(n.environment), count_cell(n.repetitions), count_cell(n.inputs_repeated),
          count_cell(n.top1_changed, n.top1_changed > 0 ? "bad" : ""),
          number_cell(n.max_abs_logit_change ? general(*n.max_abs_logit_change) : "-")},
         n.top1_changed > 0 ? "differs" : ""});
  return table(
      {"Environment", "Repetitions", "Inputs repeated", "Top-1 changed", "Max |logit change|"},
      rows, "No input was run more than once, so run-to-run changes are unknown.");
}

std::string failures_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::RunFailure& f : model.failures) {
    std::string inputs;
    for (const auto& [outcome, count] : f.failed_inputs)
      inputs += fmt::format("{}{} {}", inputs.empty() ? "" : ", ", count, outcome);
    rows.push_back(
        {{text_cell(f.environment),
          text_cell(f.mutant.empty() ? "original" : f.mutant),
          {fmt::format("<span class=\"status {0}\">{0}</span>", escape_xml(f.status)), ""},
          text_cell(f.message, "message"),
          text_cell(inputs.empty() ? "-" : inputs)},
         ""});
  }
  return table({"Environment", "Model variant", "Status", "Message", "Failed inputs"}, rows,
               "No run failed and no input failed.");
}

}  // namespace nnd::report::html
