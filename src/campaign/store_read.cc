// The store's typed readers.
#include "campaign/blob.h"
#include "campaign/store.h"
#include "campaign/store_statements.h"
#include "core/error.h"

namespace nnd::campaign {

namespace {

std::optional<std::string> optional_text(const sql::Statement& row, int column) {
  if (row.is_null(column)) return std::nullopt;
  return row.column_text(column);
}

template <typename T>
std::vector<T> decode_column(const sql::Statement& row, int column, const std::string& path,
                             const PredictionRecord& p, const char* name) {
  std::optional<std::vector<T>> values = blob::decode<T>(row.column_blob(column));
  if (!values)
    fail(
        "{}: prediction (run {}, input {}, repetition {}) has a {} blob of {} bytes, not a "
        "multiple of 4",
        path, p.run_id, p.input_id, p.repetition, name, row.column_blob(column).size());
  return std::move(*values);
}

}  // namespace

std::vector<RunRow> Store::runs() {
  Statements& s = statements();
  sql::Statement& select = s.get(s.select_runs);
  sql::ResetOnExit reset(select);
  std::vector<RunRow> rows;
  while (select.step()) {
    RunRow& run = rows.emplace_back();
    run.id = select.column_int(0);
    run.model_id = select.column_int(1);
    run.env_id = select.column_int(2);
    run.mutant_id = select.column_int(3);
    run.model_name = select.column_text(4);
    run.model_sha256 = select.column_text(5);
    run.environment = select.column_text(6);
    std::string status = select.column_text(7);
    std::optional<RunStatus> known = run_status_from_name(status);
    if (!known) fail("{}: run {} has the unknown status '{}'", path(), run.id, status);
    run.status = *known;
    run.message = select.column_text(8);
    run.session_description = select.column_text(9);
    run.started_at = optional_text(select, 10);
    run.finished_at = optional_text(select, 11);
  }
  return rows;
}

std::vector<InputRecord> Store::inputs() {
  Statements& s = statements();
  sql::Statement& select = s.get(s.select_inputs);
  sql::ResetOnExit reset(select);
  std::vector<InputRecord> rows;
  while (select.step()) {
    InputRecord& input = rows.emplace_back();
    input.id = select.column_int(0);
    input.dataset_key = select.column_text(1);
    if (!select.is_null(2)) input.label = select.column_int(2);
    input.source = select.column_text(3);
  }
  return rows;
}

std::vector<PredictionRecord> Store::predictions(int64_t run_id) {
  Statements& s = statements();
  sql::Statement& select = s.get(s.select_predictions);
  sql::ResetOnExit reset(select);
  select.bind(1, run_id);
  std::vector<PredictionRecord> rows;
  while (select.step()) {
    PredictionRecord& p = rows.emplace_back();
    p.run_id = run_id;
    p.input_id = select.column_int(0);
    p.repetition = static_cast<int>(select.column_int(1));
    p.top_ids = decode_column<int32_t>(select, 2, path(), p, "top_ids");
    p.top_scores = decode_column<float>(select, 3, path(), p, "top_scores");
    if (!select.is_null(4)) p.logits = decode_column<float>(select, 4, path(), p, "logits");
    p.latency_ns = select.column_int(5);
    p.outcome = select.column_text(6);
    p.message = select.column_text(7);
  }
  return rows;
}

}  // namespace nnd::campaign
