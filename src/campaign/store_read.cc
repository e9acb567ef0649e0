// The store's typed readers.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

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

std::optional<DType> dtype_from_name(std::string_view name) {
#define X(value, ctype, text, onnx) \
  if (name == (text)) return DType::value;
#include "core/dtypes.def"
#undef X
  return std::nullopt;
}

// "[1,16,14,14]" (a JSON array of sizes; "[]" for a scalar).
std::optional<Shape> shape_from_dims(const std::string& dims) {
  nlohmann::json json = nlohmann::json::parse(dims, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) return std::nullopt;
  Shape shape;
  for (const nlohmann::json& size : json) {
    if (!size.is_number_integer() || size.get<int64_t>() < 0) return std::nullopt;
    shape.push_back(size.get<int64_t>());
  }
  return shape;
}

// One row of select_intermediates (from column 2 on) as a value; a row edited into nonsense is a
// UserError naming it.
IntermediateValue intermediate_value(const sql::Statement& row, const std::string& path,
                                     int64_t run_id) {
  IntermediateValue v;
  v.name = row.column_text(2);
  v.node = row.column_text(3);
  v.op = row.column_text(4);
  v.node_index = row.column_int(5);
  const std::string what = fmt::format("{}: intermediate '{}' (run {}, input {}, repetition {})",
                                       path, v.name, run_id, row.column_int(0), row.column_int(1));
  const std::string dtype_text = row.column_text(6), dims = row.column_text(7);
  std::optional<DType> dtype = dtype_from_name(dtype_text);
  if (!dtype) fail("{} has the unknown dtype '{}'", what, dtype_text);
  std::optional<Shape> shape = shape_from_dims(dims);
  if (!shape) fail("{} has dims '{}', not an array of sizes such as [1,16,14,14]", what, dims);
  v.value = Tensor(*dtype, *shape);
  const std::string_view data = row.column_blob(8);
  if (!blob::decode_elements(data, dtype_size(*dtype), v.value.mutable_bytes()))
    fail("{} has {} bytes of data; {} {} needs {}", what, data.size(), dtype_text, dims,
         v.value.bytes().size());
  return v;
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

std::vector<CaptureRecord> Store::captures(int64_t run_id) {
  Statements& s = statements();
  std::vector<CaptureRecord> rows;
  std::map<std::pair<int64_t, int>, size_t> position;
  {
    sql::Statement& select = s.get(s.select_captures);
    sql::ResetOnExit reset(select);
    select.bind(1, run_id);
    while (select.step()) {
      CaptureRecord& c = rows.emplace_back();
      c.run_id = run_id;
      c.input_id = select.column_int(0);
      c.repetition = static_cast<int>(select.column_int(1));
      c.outcome = select.column_text(2);
      c.message = select.column_text(3);
      position[{c.input_id, c.repetition}] = rows.size() - 1;
    }
  }
  sql::Statement& select = s.get(s.select_intermediates);
  sql::ResetOnExit reset(select);
  select.bind(1, run_id);
  while (select.step()) {
    // The foreign key to intermediate_captures holds whenever foreign keys were on.
    auto it = position.find({select.column_int(0), static_cast<int>(select.column_int(1))});
    if (it == position.end())
      fail("{}: intermediate '{}' (run {}, input {}, repetition {}) has no capture", path(),
           select.column_text(2), run_id, select.column_int(0), select.column_int(1));
    rows[it->second].values.push_back(intermediate_value(select, path(), run_id));
  }
  return rows;
}

std::vector<MutantRecord> Store::mutants() {
  sql::Statement select(*db_,
                        "SELECT id, model_id, op, category, position, diff, level, sites, "
                        "site_list, note FROM mutants ORDER BY id");
  std::vector<MutantRecord> out;
  while (select.step()) {
    MutantRecord& m = out.emplace_back();
    m.id = select.column_int(0);
    m.model_id = select.column_int(1);
    m.op = select.column_text(2);
    m.category = select.column_text(3);
    m.position = select.column_text(4);
    m.diff = select.column_text(5);
    m.level = select.column_text(6);
    m.sites = select.column_int(7);
    m.site_list = select.column_text(8);
    m.note = select.column_text(9);
  }
  return out;
}

}  // namespace nnd::campaign
