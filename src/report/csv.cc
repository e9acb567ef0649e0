#include "report/csv.h"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "report/lookup.h"

namespace nnd::report {

namespace {

// A field's text: strings as they are, numbers in their shortest exact form.
struct Cell {
  std::string text;
  Cell(std::string_view s) : text(s) {}  // NOLINT: implicit by design, rows read as lists
  Cell(const std::string& s) : text(s) {}
  Cell(const char* s) : text(s) {}
  Cell(int64_t n) : text(fmt::format("{}", n)) {}
  Cell(int n) : text(fmt::format("{}", n)) {}
  Cell(size_t n) : text(fmt::format("{}", n)) {}
  Cell(bool b) : text(b ? "true" : "false") {}
  Cell(double d)
      : text(std::isnan(d)   ? "nan"
             : std::isinf(d) ? (d > 0 ? "inf" : "-inf")
                             : fmt::format("{}", d)) {}
};

template <typename T>
Cell optional_cell(const std::optional<T>& value) {
  return value ? Cell(*value) : Cell("");
}

class Table {
 public:
  Table(std::string file_name, std::initializer_list<std::string_view> header) {
    table_.file_name = std::move(file_name);
    add(std::vector<Cell>(header.begin(), header.end()));
  }
  void add(const std::vector<Cell>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) table_.text += ',';
      table_.text += csv_field(row[i].text);
    }
    table_.text += "\r\n";
  }
  CsvTable take() { return std::move(table_); }

 private:
  CsvTable table_;
};

std::string joined(const std::map<std::string, int64_t>& counts) {
  std::string out;
  for (const auto& [key, count] : counts)
    out += fmt::format("{}{}={}", out.empty() ? "" : ";", key, count);
  return out;
}

}  // namespace

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<CsvTable> report_csv(const analysis::ReportData& data) {
  Table accuracy("accuracy.csv", {"model", "environment", "labelled", "correct", "accuracy",
                                  "ci95_low", "ci95_high"});
  Table pairs("pairs.csv", {"model",
                            "a",
                            "b",
                            "compared",
                            "top1_differs",
                            "top1_differs_pct",
                            "mean_kendall_tau",
                            "mean_rbo",
                            "mean_jaccard",
                            "logits_count",
                            "logits_beyond",
                            "logits_nonfinite",
                            "logits_max_abs",
                            "logits_max_rel",
                            "logits_mean_abs",
                            "logits_p50_abs",
                            "logits_p90_abs",
                            "logits_p99_abs",
                            "logits_cosine",
                            "needed_atol",
                            "needed_rtol",
                            "note"});
  Table latency("latency.csv", {"model", "environment", "samples", "median_ms", "p95_ms", "mean_ms",
                                "median_ci95_low_ms", "median_ci95_high_ms"});
  Table changes("latency_changes.csv", {"model", "a", "b", "relative_change", "mann_whitney_u",
                                        "p_value", "significant", "higher_level_slower"});
  Table nondeterminism("nondeterminism.csv",
                       {"model", "environment", "repetitions", "inputs_repeated", "top1_changed",
                        "max_abs_logit_change"});
  Table failures("failures.csv",
                 {"model", "environment", "mutant", "status", "message", "failed_inputs"});
  Table images("disagreeing_images.csv",
               {"model", "input_id", "dataset_key", "source", "label", "environment", "top1"});
  Table mutants("mutants.csv", {"model", "mutant", "op", "category", "environment", "status",
                                "compared", "label_changes", "label_change_pct", "killed", "note",
                                "outcome", "level", "sites", "latency_change", "message"});
  Table notes("notes.csv", {"note"});

  for (const analysis::ModelReport& m : data.models) {
    for (const analysis::EnvironmentAccuracy& a : m.accuracy)
      accuracy.add(
          {m.name, a.environment, a.labelled, a.correct, a.accuracy, a.ci95.low, a.ci95.high});
    for (const analysis::PairAgreement& p : m.pairs) {
      std::vector<Cell> row{m.name,
                            p.a,
                            p.b,
                            p.compared,
                            p.top1_differs,
                            p.top1_differs_pct,
                            p.mean_kendall_tau,
                            p.mean_rbo,
                            p.mean_jaccard};
      if (const auto& s = p.logits) {
        row.insert(row.end(),
                   {s->count, s->beyond, s->nonfinite, s->max_abs, s->max_rel, s->mean_abs,
                    s->p50_abs, s->p90_abs, s->p99_abs, s->cosine, s->needed_atol, s->needed_rtol});
      } else {
        row.resize(row.size() + 12, Cell(""));
      }
      row.emplace_back(p.note);
      pairs.add(row);
    }
    for (const analysis::LatencyDistribution& l : m.latency)
      latency.add({m.name, l.environment, l.samples, l.median_ms, l.p95_ms, l.mean_ms,
                   l.median_ci95.low, l.median_ci95.high});
    for (const analysis::LatencyChange& c : m.latency_changes)
      changes.add({m.name, c.a, c.b, c.relative_change, c.mann_whitney_u, c.p_value, c.significant,
                   c.higher_level_slower});
    for (const analysis::Nondeterminism& n : m.nondeterminism)
      nondeterminism.add({m.name, n.environment, n.repetitions, n.inputs_repeated, n.top1_changed,
                          optional_cell(n.max_abs_logit_change)});
    for (const analysis::RunFailure& f : m.failures)
      failures.add({m.name, f.environment, f.mutant, f.status, f.message, joined(f.failed_inputs)});
    for (const analysis::DisagreeingImage& i : m.disagreeing_images)
      for (const auto& [environment, top1] : top1_in_order(m, i))
        images.add({m.name, i.input_id, i.dataset_key, i.source, optional_cell(i.label),
                    environment, static_cast<int64_t>(top1)});
    for (const analysis::MutantOutcome& o : m.mutants)
      mutants.add({m.name, o.mutant, o.op, o.category, o.environment, o.status, o.compared,
                   o.label_changes, o.label_change_pct, o.killed, o.note, o.outcome, o.level,
                   o.sites, optional_cell(o.latency_change), o.message});
  }
  for (const std::string& note : data.notes) notes.add({note});

  return {accuracy.take(), pairs.take(),  latency.take(), changes.take(), nondeterminism.take(),
          failures.take(), images.take(), mutants.take(), notes.take()};
}

}  // namespace nnd::report
