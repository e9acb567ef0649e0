#include "report/markdown.h"

#include <fmt/format.h>

#include <algorithm>

#include "analysis/report_findings.h"
#include "report/lookup.h"
#include "report/text.h"

namespace nnd::report {

namespace {

using Row = std::vector<std::string>;

void table(std::string& out, const Row& header, const std::vector<Row>& rows,
           const std::string& when_empty) {
  if (rows.empty()) {
    out += when_empty + "\n\n";
    return;
  }
  auto line = [&out](const Row& cells) {
    out += "|";
    for (const std::string& cell : cells) out += " " + cell + " |";
    out += "\n";
  };
  line(header);
  out += "|";
  for (size_t i = 0; i < header.size(); ++i) {
    // Columns of numbers (or "-" where there is none) are right-aligned.
    bool numeric = true;
    for (const Row& row : rows)
      numeric = numeric && i < row.size() && !row[i].empty() &&
                std::string_view("0123456789+-").find(row[i][0]) != std::string_view::npos &&
                row[i].find('@') == std::string::npos;
    out += numeric ? " ---: |" : " --- |";
  }
  out += "\n";
  for (const Row& row : rows) line(row);
  out += "\n";
}

std::string cell(std::string_view text) { return markdown_cell(text); }

void accuracy(std::string& out, const analysis::ModelReport& m) {
  out += "### Accuracy\n\n";
  std::vector<Row> rows;
  for (const analysis::EnvironmentAccuracy& a : m.accuracy)
    rows.push_back(
        {cell(a.environment), fmt::format("{}", a.labelled), fmt::format("{}", a.correct),
         a.labelled > 0 ? fraction_percent(a.accuracy) : "-",
         a.labelled > 0 ? fraction_percent(a.ci95.low) + " – " + fraction_percent(a.ci95.high)
                        : "-"});
  table(out, {"Environment", "Labelled", "Correct", "Accuracy", "95% CI (Wilson)"}, rows,
        "No environment answered a labelled input.");
}

void pairs(std::string& out, const analysis::ModelReport& m) {
  out += "### Pairwise agreement\n\n";
  std::vector<Row> rows;
  for (const analysis::PairAgreement& p : m.pairs) {
    Row row{cell(p.a),
            cell(p.b),
            fmt::format("{}", p.compared),
            fmt::format("{} ({})", p.top1_differs, percent(p.top1_differs_pct)),
            fixed(p.mean_kendall_tau, 4),
            fixed(p.mean_rbo, 4),
            fixed(p.mean_jaccard, 4)};
    if (const auto& s = p.logits) {
      row.insert(row.end(),
                 {general(s->max_abs), general(s->mean_abs), general(s->p99_abs),
                  fixed(s->cosine, 6), general(s->needed_atol), general(s->needed_rtol)});
    } else {
      row.insert(row.end(), 6, "-");
    }
    row.push_back(p.note.empty() ? "" : cell(p.note));
    rows.push_back(row);
  }
  table(out,
        {"A", "B", "Compared", "Top-1 differs", "Kendall τ", "RBO", "Jaccard", "Logits max abs",
         "mean abs", "p99 abs", "cosine", "needed atol", "needed rtol", "Note"},
        rows, "Fewer than two environments answered: nothing to compare.");
}

void latency(std::string& out, const analysis::ModelReport& m) {
  out += "### Latency\n\n";
  std::vector<Row> rows;
  for (const analysis::LatencyDistribution& l : m.latency)
    rows.push_back({cell(l.environment), fmt::format("{}", l.samples), milliseconds(l.median_ms),
                    milliseconds(l.median_ci95.low) + " – " + milliseconds(l.median_ci95.high),
                    milliseconds(l.p95_ms), milliseconds(l.mean_ms)});
  table(out, {"Environment", "Samples", "Median", "95% CI of median", "p95", "Mean"}, rows,
        "No timings.");

  out += "### Latency changes\n\n";
  rows.clear();
  for (const analysis::LatencyChange& c : m.latency_changes)
    rows.push_back({cell(c.a), cell(c.b), fmt::format("{:+.1f}%", 100 * c.relative_change),
                    fmt::format("{:.3g}", c.p_value), c.significant ? "yes" : "no",
                    c.higher_level_slower ? "**higher level slower**" : ""});
  table(out, {"A", "B", "B vs A (median)", "p (Mann-Whitney U)", "Significant", "Flag"}, rows,
        "No environments that differ only in their options.");
}

void nondeterminism(std::string& out, const analysis::ModelReport& m) {
  out += "### Nondeterminism\n\n";
  std::vector<Row> rows;
  for (const analysis::Nondeterminism& n : m.nondeterminism)
    rows.push_back({cell(n.environment), fmt::format("{}", n.repetitions),
                    fmt::format("{}", n.inputs_repeated), fmt::format("{}", n.top1_changed),
                    n.max_abs_logit_change ? general(*n.max_abs_logit_change) : "-"});
  table(out,
        {"Environment", "Repetitions", "Inputs repeated", "Top-1 changed", "Max abs logit change"},
        rows, "No input was run more than once.");
}

void failures(std::string& out, const analysis::ModelReport& m) {
  out += "### Failures\n\n";
  std::vector<Row> rows;
  for (const analysis::RunFailure& f : m.failures) {
    std::string inputs;
    for (const auto& [outcome, count] : f.failed_inputs)
      inputs += fmt::format("{}{} {}", inputs.empty() ? "" : ", ", count, outcome);
    rows.push_back({cell(f.environment), f.mutant.empty() ? "original" : cell(f.mutant),
                    cell(f.status), cell(f.message), inputs.empty() ? "-" : inputs});
  }
  table(out, {"Environment", "Model variant", "Status", "Message", "Failed inputs"}, rows,
        "No failures.");
}

bool model_listed_fewer(const analysis::ModelReport& m) {
  return m.disagreeing_images_total > static_cast<int64_t>(m.disagreeing_images.size());
}

void images(std::string& out, const analysis::ModelReport& m) {
  out += "### Disagreeing images\n\n";
  std::vector<Row> rows;
  for (const analysis::DisagreeingImage& i : m.disagreeing_images) {
    Row row{fmt::format("{}", i.input_id), cell(i.dataset_key),
            i.label ? fmt::format("{}", *i.label) : "-"};
    for (const std::string& environment : m.environments) {
      auto it = i.top1.find(environment);
      row.push_back(it == i.top1.end() ? "-" : fmt::format("{}", it->second));
    }
    rows.push_back(row);
  }
  if (model_listed_fewer(m))
    out += fmt::format("{} of {} inputs listed, the least agreed first.\n\n",
                       m.disagreeing_images.size(), m.disagreeing_images_total);
  Row header{"Input", "Dataset key", "Label"};
  for (const std::string& environment : m.environments) header.push_back(cell(environment));
  table(out, header, rows, "Every environment gave the same top-1 label to every input.");
}

void mutants(std::string& out, const analysis::ModelReport& m) {
  if (m.mutants.empty() && m.would_be_mutants.empty()) return;
  out += "### Mutation kill matrix\n\n";
  const std::vector<std::string> environments = mutant_environments(m);
  std::vector<Row> rows;
  for (const std::string& name : mutant_names(m)) {
    Row row{cell(name)};
    for (const std::string& environment : environments) {
      const analysis::MutantOutcome* o = find_mutant(m, name, environment);
      row.push_back(!o ? "-"
                       : fmt::format("{} ({}, {})",
                                     o->killed ? "**" + o->outcome + "**" : o->outcome,
                                     percent(o->label_change_pct), cell(o->status)));
    }
    rows.push_back(row);
  }
  Row score{"mutation score"};
  for (const std::string& environment : environments) {
    auto s = std::find_if(
        m.mutation_scores.begin(), m.mutation_scores.end(),
        [&](const analysis::MutationScore& x) { return x.environment == environment; });
    score.push_back(s == m.mutation_scores.end() ? "-"
                                                 : fmt::format("{} of {} ({})", s->detected,
                                                               s->decided, percent(s->score_pct)));
  }
  if (!rows.empty()) rows.push_back(score);
  Row header{"Mutant"};
  for (const std::string& environment : environments) header.push_back(cell(environment));
  table(out, header, rows, "No mutant ran.");

  out += "### Mutants per category\n\n";
  rows.clear();
  for (const analysis::CategoryScore& c : m.category_scores)
    rows.push_back({cell(c.category), cell(c.environment), std::to_string(c.detected),
                    std::to_string(c.mutants), percent(c.mean_label_change_pct)});
  table(out, {"Category", "Environment", "Detected", "Mutants", "Mean labels changed"}, rows,
        "No mutant was compared with its original.");

  out += "### Mutants that crashed, hung or failed to build\n\n";
  rows.clear();
  for (const analysis::MutantOutcome& o : m.mutants)
    if (o.outcome == "crashed" || o.outcome == "hung" || o.outcome == "failed to build")
      rows.push_back({cell(o.mutant), cell(o.environment), o.outcome, cell(o.message)});
  table(out, {"Mutant", "Environment", "Outcome", "Message"}, rows,
        "No mutant crashed, hung or failed to build.");

  out += "### Cross-environment discrepancies of the same mutant\n\n";
  rows.clear();
  for (const analysis::MutantDiscrepancy& d : m.mutant_discrepancies)
    rows.push_back({cell(d.mutant), cell(d.a), cell(d.b), std::to_string(d.compared),
                    std::to_string(d.discrepancies), percent(d.discrepancy_pct)});
  table(out, {"Mutant", "a", "b", "Inputs", "Discrepancies", "%"}, rows,
        "No mutant ran in two environments.");

  out += "### Would-be mutants that changed nothing\n\n";
  rows.clear();
  for (const analysis::WouldBeMutant& w : m.would_be_mutants)
    rows.push_back({cell(w.mutant), cell(w.category), w.level, cell(w.reason)});
  table(out, {"Would-be mutant", "Category", "Level", "Why it is not a mutant"}, rows,
        "Every mutant asked for changed its model.");
}

}  // namespace

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '|':
        out += "\\|";
        break;
      case '`':
        out += "\\`";
        break;
      case '*':
        out += "\\*";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\r':
        break;
      case '\n':
        out += "<br>";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string report_markdown(const analysis::ReportData& data) {
  std::string out = "# nndelta report\n\n";
  out += fmt::format("Store `{}` (schema {}, created by {} at {}).\n\n", data.store_path,
                     data.schema_version, cell(data.created_by), cell(data.created_at));
  const analysis::ReportOptions& o = data.options;
  out += fmt::format(
      "Options: top-k {}, RBO p {}, bootstrap {} resamples (seed {}), significance level {}, "
      "logits tolerance atol {} rtol {}.\n\n",
      o.top_k, o.rbo_p, o.bootstrap_resamples, o.seed, o.alpha, o.tolerance.atol, o.tolerance.rtol);
  out += "## Findings\n\n";
  for (const std::string& finding : analysis::report_findings(data))
    out += "- " + cell(finding) + "\n";
  out += "\n";
  if (!data.notes.empty()) {
    out += "## Notes\n\n";
    for (const std::string& note : data.notes) out += "- " + cell(note) + "\n";
    out += "\n";
  }
  if (data.models.empty()) out += "The store holds no model.\n";
  for (const analysis::ModelReport& m : data.models) {
    out += fmt::format("## Model {}\n\n", cell(m.name));
    out += fmt::format("SHA-256 `{}`; {} environments; baseline {}.\n\n", m.sha256,
                       m.environments.size(), m.baseline.empty() ? "none" : cell(m.baseline));
    accuracy(out, m);
    pairs(out, m);
    latency(out, m);
    nondeterminism(out, m);
    failures(out, m);
    images(out, m);
    mutants(out, m);
  }
  return out;
}

}  // namespace nnd::report
