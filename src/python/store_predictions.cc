// Store.predictions(): the predictions table joined with its run (model, environment, mutant) and
// input (dataset key, label). Texts repeated on every row are categoricals; the top-k arrays and
// logits are views into one numpy buffer per column.
#include <fmt/format.h>

#include "campaign/blob.h"
#include "core/error.h"
#include "python/frame.h"
#include "python/store_frames.h"
#include "python/store_index.h"

namespace nnd::python {

namespace {

using campaign::sql::Statement;

struct Columns {
  std::vector<int64_t> run_id, mutant_id, input_id, label, repetition, top1, latency_ns;
  std::vector<uint8_t> label_missing, top1_missing, logits_missing;
  std::vector<int32_t> model, environment, dataset_key, outcome, message;
  std::vector<int32_t> top_ids;
  std::vector<float> top_scores, logits;
  std::vector<int64_t> top_offsets{0}, logit_offsets{0};
  std::vector<std::string> models, environments, keys, outcomes, messages;
};

// Appends a blob of little-endian 4-byte values to `out`; a blob that is not a whole number of
// them is a UserError naming the row. The first row sizes the buffer for all `rows`, so that it
// grows once (a long table's buffers are tens of MB: each growth is a copy, and fresh pages).
template <typename T>
void append(std::string_view bytes, std::vector<T>& out, size_t rows, const char* column,
            const Statement& row, const std::string& path) {
  if (bytes.size() % 4 != 0)
    fail(
        "{}: prediction (run {}, input {}, repetition {}) has a {} blob of {} bytes, not a "
        "multiple of 4",
        path, row.column_int(0), row.column_int(1), row.column_int(2), column, bytes.size());
  if (out.capacity() == 0) out.reserve(rows * (bytes.size() / 4));
  const size_t at = out.size();
  out.resize(at + bytes.size() / 4);
  campaign::blob::decode_elements(bytes, 4, std::as_writable_bytes(std::span(out).subspan(at)));
}

Columns read(campaign::Store& store, bool with_logits) {
  campaign::sql::Database& db = store.database();
  HoldConnection hold(db.handle());
  const RunIndex runs = read_run_index(db);
  const InputIndex inputs = read_input_index(db);
  Columns c;
  const auto rows = static_cast<size_t>(db.query_int("SELECT count(*) FROM predictions"));
  for (auto* column :
       {&c.run_id, &c.mutant_id, &c.input_id, &c.label, &c.repetition, &c.top1, &c.latency_ns})
    column->reserve(rows);
  for (auto* column : {&c.model, &c.environment, &c.dataset_key, &c.outcome, &c.message})
    column->reserve(rows);
  for (auto* column : {&c.label_missing, &c.top1_missing, &c.logits_missing}) column->reserve(rows);
  c.top_offsets.reserve(rows + 1);
  c.logit_offsets.reserve(with_logits ? rows + 1 : 1);
  TextCodes outcomes, messages;
  Statement row(db, fmt::format("SELECT run_id, input_id, repetition, top1, top_ids, top_scores, "
                                "latency_ns, outcome, message{} FROM predictions "
                                "ORDER BY run_id, repetition, input_id",
                                with_logits ? ", logits" : ""));
  while (row.step()) {
    const int64_t run_id = row.column_int(0), input_id = row.column_int(1);
    auto run = runs.row_of.find(run_id);
    auto input = inputs.code.find(input_id);
    if (run == runs.row_of.end() || input == inputs.code.end())
      fail("{}: prediction (run {}, input {}) refers to a run or input the store lacks",
           store.path(), run_id, input_id);
    c.run_id.push_back(run_id);
    c.model.push_back(runs.model_code[run->second]);
    c.environment.push_back(runs.environment_code[run->second]);
    c.mutant_id.push_back(runs.mutant_id[run->second]);
    c.input_id.push_back(input_id);
    c.dataset_key.push_back(input->second);
    c.label.push_back(inputs.label[static_cast<size_t>(input->second)]);
    c.label_missing.push_back(inputs.label_missing[static_cast<size_t>(input->second)]);
    c.repetition.push_back(row.column_int(2));
    const bool no_top1 = row.is_null(3);
    c.top1_missing.push_back(no_top1);
    c.top1.push_back(no_top1 ? 0 : row.column_int(3));
    append(row.column_blob(4), c.top_ids, rows, "top_ids", row, store.path());
    c.top_offsets.push_back(static_cast<int64_t>(c.top_ids.size()));
    append(row.column_blob(5), c.top_scores, rows, "top_scores", row, store.path());
    if (c.top_scores.size() != c.top_ids.size())
      fail("{}: prediction (run {}, input {}, repetition {}) has {} top_ids but {} top_scores",
           store.path(), run_id, input_id, row.column_int(2),
           c.top_offsets.back() - c.top_offsets[c.top_offsets.size() - 2],
           c.top_scores.size() - static_cast<size_t>(c.top_offsets[c.top_offsets.size() - 2]));
    c.latency_ns.push_back(row.column_int(6));
    c.outcome.push_back(outcomes.code(row.column_blob(7)));
    c.message.push_back(messages.code(row.column_blob(8)));
    if (with_logits) {
      c.logits_missing.push_back(row.is_null(9));
      append(row.column_blob(9), c.logits, rows, "logits", row, store.path());
      c.logit_offsets.push_back(static_cast<int64_t>(c.logits.size()));
    }
  }
  c.models = runs.models;
  c.environments = runs.environments;
  c.keys = inputs.keys;
  c.outcomes = outcomes.categories();
  c.messages = messages.categories();
  return c;
}

}  // namespace

py::object predictions_frame(campaign::Store& store, bool with_logits) {
  Columns c;
  {
    py::gil_scoped_release release;
    c = read(store, with_logits);
  }
  std::vector<std::pair<std::string, py::object>> columns = {
      {"run_id", to_numpy(std::move(c.run_id))},
      {"model", categorical(std::move(c.model), c.models)},
      {"environment", categorical(std::move(c.environment), c.environments)},
      {"mutant_id", to_numpy(std::move(c.mutant_id))},
      {"input_id", to_numpy(std::move(c.input_id))},
      {"dataset_key", categorical(std::move(c.dataset_key), c.keys)},
      {"label", nullable_int(std::move(c.label), std::move(c.label_missing))},
      {"repetition", to_numpy(std::move(c.repetition))},
      {"top1", nullable_int(std::move(c.top1), std::move(c.top1_missing))},
      {"top_ids", views(to_numpy(std::move(c.top_ids)), c.top_offsets)},
      {"top_scores", views(to_numpy(std::move(c.top_scores)), c.top_offsets)},
      {"latency_ns", to_numpy(std::move(c.latency_ns))},
      {"outcome", categorical(std::move(c.outcome), c.outcomes)},
      {"message", categorical(std::move(c.message), c.messages)},
  };
  if (with_logits)
    columns.emplace_back("logits",
                         views(to_numpy(std::move(c.logits)), c.logit_offsets, &c.logits_missing));
  return data_frame(columns);
}

}  // namespace nnd::python
