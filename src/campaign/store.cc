#include "campaign/store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>

#include "campaign/blob.h"
#include "campaign/schema.h"
#include "campaign/store_statements.h"
#include "core/error.h"

namespace nnd::campaign {

namespace {

constexpr std::array<std::pair<RunStatus, std::string_view>, 7> kStatusNames = {{
    {RunStatus::kPending, "pending"},
    {RunStatus::kDone, "done"},
    {RunStatus::kCrashed, "crashed"},
    {RunStatus::kHung, "hung"},
    {RunStatus::kFailed, "failed"},
    {RunStatus::kRefused, "refused"},
    {RunStatus::kStuck, "stuck"},
}};

// Looks a row up by its natural key; inserts it when missing. Both statements take the same
// parameters first; the insert may take more, bound by `bind_rest`.
template <typename BindKey, typename BindRest>
int64_t insert_or_get(sql::Database& db, sql::Statement& select, sql::Statement& insert,
                      BindKey bind_key, BindRest bind_rest) {
  {
    sql::ResetOnExit reset(select);
    bind_key(select);
    if (select.step()) return select.column_int(0);
  }
  sql::ResetOnExit reset(insert);
  bind_key(insert);
  bind_rest(insert);
  insert.run();
  return db.last_insert_rowid();
}

}  // namespace

std::string_view run_status_name(RunStatus status) {
  for (const auto& [value, name] : kStatusNames)
    if (value == status) return name;
  NND_CHECK(false, "run status {} has no name", static_cast<int>(status));
}

std::optional<RunStatus> run_status_from_name(std::string_view name) {
  for (const auto& [value, text] : kStatusNames)
    if (text == name) return value;
  return std::nullopt;
}

std::unique_ptr<Store> Store::open(const std::string& path) {
  auto db = std::make_unique<sql::Database>(path, sql::Database::Access::kReadWrite);
  // Wait for a reader's or another writer's lock rather than failing at once.
  db->exec("PRAGMA busy_timeout = 10000");
  schema::prepare(*db, /*writable=*/true);
  // WAL: readers (a report while a campaign runs) never block the writer. synchronous=NORMAL is
  // safe against a crash of the process; a power cut may lose the last batches, which a resumed
  // campaign measures again.
  db->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON");
  return std::unique_ptr<Store>(new Store(std::move(db)));
}

std::unique_ptr<Store> Store::open_read_only(const std::string& path) {
  auto db = std::make_unique<sql::Database>(path, sql::Database::Access::kReadOnly);
  db->exec("PRAGMA busy_timeout = 10000");
  if (schema::is_older(*db)) {
    // Readers never write to the file: an older store is migrated in a private in-memory copy.
    db = db->in_memory_copy();
    schema::prepare(*db, /*writable=*/true);
    return std::unique_ptr<Store>(new Store(std::move(db)));
  }
  schema::prepare(*db, /*writable=*/false);
  return std::unique_ptr<Store>(new Store(std::move(db)));
}

Store::Store(std::unique_ptr<sql::Database> db) : db_(std::move(db)) {}

Store::~Store() = default;

const std::string& Store::path() const { return db_->path(); }

sql::Database& Store::database() { return *db_; }

Store::Statements& Store::statements() {
  if (!statements_) statements_ = std::make_unique<Statements>(*db_);
  return *statements_;
}

int64_t Store::model_id(const ModelRecord& model) {
  NND_CHECK(!model.sha256.empty(), "model {} has no sha256", model.path);
  Statements& s = statements();
  return insert_or_get(
      *db_, s.get(s.select_model), s.get(s.insert_model),
      [&](sql::Statement& q) { q.bind(1, model.sha256); },
      [&](sql::Statement& q) { q.bind(2, model.name).bind(3, model.path); });
}

int64_t Store::environment_id(const std::string& canonical_spec) {
  Statements& s = statements();
  return insert_or_get(
      *db_, s.get(s.select_environment), s.get(s.insert_environment),
      [&](sql::Statement& q) { q.bind(1, canonical_spec); }, [](sql::Statement&) {});
}

int64_t Store::mutant_id(int64_t model_id, const MutantRecord& mutant) {
  Statements& s = statements();
  return insert_or_get(
      *db_, s.get(s.select_mutant), s.get(s.insert_mutant),
      [&](sql::Statement& q) { q.bind(1, model_id).bind(2, mutant.op).bind(3, mutant.position); },
      [&](sql::Statement& q) {
        q.bind(4, mutant.category)
            .bind(5, mutant.diff)
            .bind(6, mutant.level)
            .bind(7, mutant.sites)
            .bind(8, mutant.site_list)
            .bind(9, mutant.note);
      });
}

int64_t Store::input_id(const std::string& dataset_key, std::optional<int64_t> label,
                        const std::string& source) {
  Statements& s = statements();
  return insert_or_get(
      *db_, s.get(s.select_input), s.get(s.insert_input),
      [&](sql::Statement& q) { q.bind(1, dataset_key); },
      [&](sql::Statement& q) { q.bind(2, label).bind(3, source); });
}

int64_t Store::run_id(int64_t model_id, int64_t env_id, int64_t mutant_id) {
  Statements& s = statements();
  if (mutant_id != 0) {
    // Not a foreign key, since 0 (the original) has no row: checked here instead.
    sql::Statement& check = s.get(s.mutant_of_model);
    sql::ResetOnExit reset(check);
    check.bind(1, mutant_id).bind(2, model_id);
    NND_CHECK(check.step(), "mutant {} is not a mutant of model {}", mutant_id, model_id);
  }
  return insert_or_get(
      *db_, s.get(s.select_run), s.get(s.insert_run),
      [&](sql::Statement& q) { q.bind(1, model_id).bind(2, env_id).bind(3, mutant_id); },
      [](sql::Statement&) {});
}

void Store::mark_started(int64_t run_id) {
  Statements& s = statements();
  sql::Statement& update = s.get(s.mark_started);
  sql::ResetOnExit reset(update);
  update.bind(1, run_id).run();
  NND_CHECK(db_->changes() == 1, "no run {}", run_id);
}

void Store::set_run_status(int64_t run_id, RunStatus status, const std::string& message,
                           const std::string& session_description) {
  Statements& s = statements();
  sql::Statement& update = s.get(s.set_status);
  sql::ResetOnExit reset(update);
  update.bind(1, run_id)
      .bind(2, run_status_name(status))
      .bind(3, message)
      .bind(4, session_description)
      .run();
  NND_CHECK(db_->changes() == 1, "no run {}", run_id);
}

RunStatus Store::run_status(int64_t run_id) {
  Statements& s = statements();
  sql::Statement& select = s.get(s.select_status);
  sql::ResetOnExit reset(select);
  select.bind(1, run_id);
  NND_CHECK(select.step(), "no run {}", run_id);
  std::string name = select.column_text(0);
  std::optional<RunStatus> status = run_status_from_name(name);
  if (!status) fail("{}: run {} has the unknown status '{}'", path(), run_id, name);
  return *status;
}

std::set<std::pair<int64_t, int>> Store::recorded(int64_t run_id) {
  Statements& s = statements();
  sql::Statement& select = s.get(s.select_recorded);
  sql::ResetOnExit reset(select);
  select.bind(1, run_id);
  std::set<std::pair<int64_t, int>> pairs;
  while (select.step()) pairs.emplace(select.column_int(0), static_cast<int>(select.column_int(1)));
  return pairs;
}

int64_t Store::insert_predictions(const std::vector<PredictionRecord>& predictions) {
  Statements& s = statements();
  sql::Statement& insert = s.get(s.insert_prediction);
  std::string top_ids, top_scores, logits;  // reused: the blobs are bound without a copy
  int64_t inserted = 0;
  sql::Transaction transaction(*db_);
  for (const PredictionRecord& p : predictions) {
    NND_CHECK(p.top_ids.size() == p.top_scores.size(),
              "prediction (run {}, input {}) has {} top ids but {} scores", p.run_id, p.input_id,
              p.top_ids.size(), p.top_scores.size());
    sql::ResetOnExit reset(insert);
    blob::encode(p.top_ids, top_ids);
    blob::encode(p.top_scores, top_scores);
    insert.bind(1, p.run_id).bind(2, p.input_id).bind(3, p.repetition);
    if (p.top_ids.empty())
      insert.bind_null(4);
    else
      insert.bind(4, static_cast<int64_t>(p.top_ids.front()));
    insert.bind_blob(5, top_ids).bind_blob(6, top_scores);
    if (p.logits) {
      blob::encode(*p.logits, logits);
      insert.bind_blob(7, logits);
    } else {
      insert.bind_null(7);
    }
    insert.bind(8, p.latency_ns).bind(9, p.outcome).bind(10, p.message).run();
    inserted += db_->changes();
  }
  transaction.commit();
  return inserted;
}

std::set<std::pair<int64_t, int>> Store::captured(int64_t run_id) {
  Statements& s = statements();
  sql::Statement& select = s.get(s.select_captured);
  sql::ResetOnExit reset(select);
  select.bind(1, run_id);
  std::set<std::pair<int64_t, int>> pairs;
  while (select.step()) pairs.emplace(select.column_int(0), static_cast<int>(select.column_int(1)));
  return pairs;
}

int64_t Store::insert_captures(const std::vector<CaptureRecord>& captures) {
  Statements& s = statements();
  sql::Statement& insert_capture = s.get(s.insert_capture);
  sql::Statement& insert_value = s.get(s.insert_intermediate);
  std::string data;  // reused: bound without a copy
  int64_t inserted = 0;
  sql::Transaction transaction(*db_);
  for (const CaptureRecord& c : captures) {
    {
      sql::ResetOnExit reset(insert_capture);
      insert_capture.bind(1, c.run_id)
          .bind(2, c.input_id)
          .bind(3, c.repetition)
          .bind(4, c.outcome)
          .bind(5, c.message)
          .run();
    }
    if (db_->changes() == 0) continue;  // the first capture stays, with its own values
    ++inserted;
    for (const IntermediateValue& v : c.values) {
      NND_CHECK(v.value.defined(), "intermediate '{}' of (run {}, input {}) has no tensor", v.name,
                c.run_id, c.input_id);
      sql::ResetOnExit reset(insert_value);
      blob::encode_elements(v.value.bytes(), dtype_size(v.value.dtype()), data);
      insert_value.bind(1, c.run_id)
          .bind(2, c.input_id)
          .bind(3, c.repetition)
          .bind(4, v.name)
          .bind(5, v.node)
          .bind(6, v.op)
          .bind(7, v.node_index)
          .bind(8, dtype_name(v.value.dtype()))
          .bind(9, fmt::format("[{}]", fmt::join(v.value.shape(), ",")))
          .bind_blob(10, data)
          .run();
    }
  }
  transaction.commit();
  return inserted;
}

int64_t Store::intermediate_count() {
  Statements& s = statements();
  sql::Statement& count = s.get(s.count_intermediates);
  sql::ResetOnExit reset(count);
  NND_CHECK(count.step(), "count returned no row");
  return count.column_int(0);
}

int64_t Store::prediction_count() {
  Statements& s = statements();
  sql::Statement& count = s.get(s.count_predictions);
  sql::ResetOnExit reset(count);
  NND_CHECK(count.step(), "count returned no row");
  return count.column_int(0);
}

int64_t Store::prediction_count(int64_t run_id) {
  Statements& s = statements();
  sql::Statement& count = s.get(s.count_run_predictions);
  sql::ResetOnExit reset(count);
  count.bind(1, run_id);
  NND_CHECK(count.step(), "count returned no row");
  return count.column_int(0);
}

}  // namespace nnd::campaign
