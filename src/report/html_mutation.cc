// The HTML report's mutation sections: the kill matrix, scores per environment and per category
// (the research's table), the mutants that crashed, hung or failed to build with their messages,
// discrepancies of one mutant between environments, and the would-be mutants that changed nothing.
#include <fmt/format.h>

#include <algorithm>

#include "report/html_parts.h"
#include "report/lookup.h"
#include "report/text.h"

namespace nnd::report::html {

namespace {

std::vector<std::string> category_environments(const analysis::ModelReport& model) {
  std::vector<std::string> envs;
  for (const analysis::CategoryScore& c : model.category_scores)
    if (std::find(envs.begin(), envs.end(), c.environment) == envs.end())
      envs.push_back(c.environment);
  return envs;
}

}  // namespace

std::string kill_matrix(const analysis::ModelReport& model) {
  const std::vector<std::string> environments = mutant_environments(model);
  std::vector<std::string> header{"Mutant", "Category", "Sites"};
  header.insert(header.end(), environments.begin(), environments.end());
  std::vector<Row> rows;
  for (const std::string& name : mutant_names(model)) {
    Row row;
    std::string category;
    int64_t sites = 0;
    std::vector<Cell> cells;
    for (const std::string& environment : environments) {
      const analysis::MutantOutcome* o = find_mutant(model, name, environment);
      if (!o) {
        cells.push_back(number_cell("-", "muted"));
        continue;
      }
      category = o->category;
      sites = o->sites;
      std::string text = o->outcome == "killed" || o->outcome == "survived"
                             ? percent(o->label_change_pct)
                         : o->outcome == "not compared" ? "n/a"
                                                        : o->outcome;
      if (o->outcome == "killed") text += " killed";
      if (o->latency_change) text += fmt::format(" ({:+.0f}% time)", 100 * *o->latency_change);
      cells.push_back({fmt::format("<span title=\"{}\">{}</span>",
                                   escape_xml(fmt::format(
                                       "{} in {}: {}; {} of {} labels changed, run {}{}{}", name,
                                       environment, o->outcome, o->label_changes, o->compared,
                                       o->status, o->message.empty() ? "" : "; " + o->message,
                                       o->note.empty() ? "" : "; " + o->note)),
                                   escape_xml(text)),
                       o->killed                      ? "num killed"
                       : o->outcome == "not compared" ? "num muted"
                                                      : "num survived"});
    }
    row.cells = {text_cell(name), text_cell(category), number_cell(std::to_string(sites))};
    row.cells.insert(row.cells.end(), cells.begin(), cells.end());
    rows.push_back(std::move(row));
  }
  Row score{{text_cell("mutation score"), text_cell(""), text_cell("")}, "score"};
  for (const std::string& environment : environments) {
    auto s = std::find_if(
        model.mutation_scores.begin(), model.mutation_scores.end(),
        [&](const analysis::MutationScore& m) { return m.environment == environment; });
    score.cells.push_back(number_cell(
        s == model.mutation_scores.end()
            ? "-"
            : fmt::format("{} of {} ({})", s->detected, s->decided, percent(s->score_pct))));
  }
  rows.push_back(std::move(score));
  return table(header, rows, "");
}

std::string mutation_scores_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::MutationScore& s : model.mutation_scores)
    rows.push_back(
        {{text_cell(s.environment), number_cell(std::to_string(s.decided)),
          number_cell(std::to_string(s.killed)), number_cell(std::to_string(s.detected - s.killed)),
          number_cell(std::to_string(s.survived)), number_cell(percent(s.score_pct))},
         ""});
  return table({"Environment", "Mutants", "Killed (labels)", "Crashed, hung, build, NaN, stuck",
                "Survived", "Mutation score"},
               rows, "No mutant was compared with its original.");
}

std::string category_table(const analysis::ModelReport& model) {
  const std::vector<std::string> envs = category_environments(model);
  std::vector<std::string> header{"Category"};
  header.insert(header.end(), envs.begin(), envs.end());
  std::vector<std::string> categories;
  for (const analysis::CategoryScore& c : model.category_scores)
    if (std::find(categories.begin(), categories.end(), c.category) == categories.end())
      categories.push_back(c.category);
  std::vector<Row> rows;
  for (const std::string& category : categories) {
    Row row{{text_cell(category)}, ""};
    for (const std::string& env : envs) {
      auto c = std::find_if(model.category_scores.begin(), model.category_scores.end(),
                            [&](const analysis::CategoryScore& s) {
                              return s.category == category && s.environment == env;
                            });
      row.cells.push_back(
          number_cell(c == model.category_scores.end()
                          ? "-"
                          : fmt::format("{} of {} detected, {} labels changed", c->detected,
                                        c->mutants, percent(c->mean_label_change_pct))));
    }
    rows.push_back(std::move(row));
  }
  return table(header, rows, "No mutant was compared with its original.");
}

std::string mutant_crashes_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::MutantOutcome& o : model.mutants)
    if (o.outcome == "crashed" || o.outcome == "hung" || o.outcome == "failed to build")
      rows.push_back({{text_cell(o.mutant), text_cell(o.environment), text_cell(o.outcome),
                       text_cell(o.message, "message")},
                      ""});
  return table({"Mutant", "Environment", "Outcome", "Message"}, rows,
               "No mutant crashed, hung or failed to build.");
}

std::string discrepancy_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::MutantDiscrepancy& d : model.mutant_discrepancies)
    rows.push_back({{text_cell(d.mutant), text_cell(d.a), text_cell(d.b),
                     number_cell(std::to_string(d.compared)),
                     number_cell(std::to_string(d.discrepancies), d.discrepancies ? "killed" : ""),
                     number_cell(percent(d.discrepancy_pct))},
                    ""});
  return table({"Mutant", "Environment a", "Environment b", "Inputs", "Discrepancies", "%"}, rows,
               "No mutant ran in two environments.");
}

std::string would_be_table(const analysis::ModelReport& model) {
  std::vector<Row> rows;
  for (const analysis::WouldBeMutant& w : model.would_be_mutants)
    rows.push_back({{text_cell(w.mutant), text_cell(w.category), text_cell(w.level),
                     text_cell(w.reason, "message")},
                    ""});
  return table({"Would-be mutant", "Category", "Level", "Why it is not a mutant"}, rows,
               "Every mutant asked for changed its model.");
}

}  // namespace nnd::report::html
