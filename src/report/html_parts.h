#pragma once
// Pieces of the HTML page shared by its files: table markup and the sections of one model.
#include <string>
#include <string_view>
#include <vector>

#include "analysis/report_data.h"
#include "report/thumbnail.h"

namespace nnd::report::html {

// A cell: its already-escaped HTML content and an optional class.
struct Cell {
  std::string html;
  std::string css_class;
};
Cell text_cell(std::string_view text, std::string css_class = "");             // escapes `text`
Cell number_cell(const std::string& text, const std::string& css_class = "");  // right-aligned

struct Row {
  std::vector<Cell> cells;
  std::string css_class;
};

// A <table> with a header row; `when_empty` (escaped) replaces it when there are no rows.
std::string table(const std::vector<std::string>& header, const std::vector<Row>& rows,
                  std::string_view when_empty);

// <section id=...><h3>title</h3>body</section>
std::string section(const std::string& id, std::string_view title, const std::string& body);

// The tables of one model; `id` is the model's unique id fragment.
std::string accuracy_table(const analysis::ModelReport& model);
std::string pairs_table(const analysis::ModelReport& model);   // labels and top-k rankings
std::string logits_table(const analysis::ModelReport& model);  // numeric error of the logits
std::string latency_table(const analysis::ModelReport& model);
std::string latency_changes_table(const analysis::ModelReport& model);
std::string nondeterminism_table(const analysis::ModelReport& model);
std::string failures_table(const analysis::ModelReport& model);
// html_mutation.cc: the mutation sections.
std::string kill_matrix(const analysis::ModelReport& model);
std::string mutation_scores_table(const analysis::ModelReport& model);
std::string category_table(const analysis::ModelReport& model);
std::string mutant_crashes_table(const analysis::ModelReport& model);
std::string discrepancy_table(const analysis::ModelReport& model);
std::string would_be_table(const analysis::ModelReport& model);
std::string image_gallery(const analysis::ModelReport& model, Thumbnails& thumbnails);

// The page's stylesheet.
std::string_view stylesheet();

}  // namespace nnd::report::html
