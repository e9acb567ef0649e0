#include "campaign/merge.h"

#include <filesystem>

#include "core/error.h"

namespace nnd::campaign {

namespace {

// The input is attached to the output's connection under this name, and every step is one
// INSERT ... SELECT: the rows never leave sqlite. Temporary tables map the input's ids to the
// output's, one per table with its own ids.
constexpr const char* kMapTables = R"sql(
DROP TABLE IF EXISTS temp.map_models;
DROP TABLE IF EXISTS temp.map_environments;
DROP TABLE IF EXISTS temp.map_inputs;
DROP TABLE IF EXISTS temp.map_mutants;
DROP TABLE IF EXISTS temp.map_runs;
DROP TABLE IF EXISTS temp.new_captures;
CREATE TEMP TABLE map_models (source INTEGER PRIMARY KEY, target INTEGER NOT NULL);
CREATE TEMP TABLE map_environments (source INTEGER PRIMARY KEY, target INTEGER NOT NULL);
CREATE TEMP TABLE map_inputs (source INTEGER PRIMARY KEY, target INTEGER NOT NULL);
CREATE TEMP TABLE map_mutants (source INTEGER PRIMARY KEY, target INTEGER NOT NULL);
CREATE TEMP TABLE map_runs (source INTEGER PRIMARY KEY, target INTEGER NOT NULL);
CREATE TEMP TABLE new_captures (
  source_run INTEGER NOT NULL, source_input INTEGER NOT NULL, repetition INTEGER NOT NULL,
  target_run INTEGER NOT NULL, target_input INTEGER NOT NULL,
  PRIMARY KEY (source_run, source_input, repetition));
INSERT INTO map_mutants VALUES (0, 0);
)sql";

constexpr const char* kDropMapTables = R"sql(
DROP TABLE temp.map_models;
DROP TABLE temp.map_environments;
DROP TABLE temp.map_inputs;
DROP TABLE temp.map_mutants;
DROP TABLE temp.map_runs;
DROP TABLE temp.new_captures;
)sql";

// "WHERE true" keeps sqlite from reading ON CONFLICT as a join's ON (sqlite's upsert docs).
// Ordered by the input's ids, so that new rows get ids in the input's order.
constexpr const char* kAddModels =
    "INSERT INTO main.models(name, path, sha256) SELECT name, path, sha256 FROM src.models "
    "WHERE true ORDER BY id ON CONFLICT(sha256) DO NOTHING";
constexpr const char* kMapModels =
    "INSERT INTO map_models SELECT s.id, t.id FROM src.models s "
    "JOIN main.models t ON t.sha256 = s.sha256";
constexpr const char* kAddEnvironments =
    "INSERT INTO main.environments(spec) SELECT spec FROM src.environments "
    "WHERE true ORDER BY id ON CONFLICT(spec) DO NOTHING";
constexpr const char* kMapEnvironments =
    "INSERT INTO map_environments SELECT s.id, t.id FROM src.environments s "
    "JOIN main.environments t ON t.spec = s.spec";
constexpr const char* kAddInputs =
    "INSERT INTO main.inputs(dataset_key, label, source) "
    "SELECT dataset_key, label, source FROM src.inputs "
    "WHERE true ORDER BY id ON CONFLICT(dataset_key) DO NOTHING";
constexpr const char* kMapInputs =
    "INSERT INTO map_inputs SELECT s.id, t.id FROM src.inputs s "
    "JOIN main.inputs t ON t.dataset_key = s.dataset_key";
constexpr const char* kAddMutants =
    "INSERT INTO main.mutants(model_id, op, category, position, diff, level, sites, site_list, "
    "note) SELECT m.target, s.op, s.category, s.position, s.diff, s.level, s.sites, s.site_list, "
    "s.note FROM src.mutants s "
    "JOIN map_models m ON m.source = s.model_id "
    "WHERE true ORDER BY s.id ON CONFLICT(model_id, op, position) DO NOTHING";
constexpr const char* kMapMutants =
    "INSERT INTO map_mutants SELECT s.id, t.id FROM src.mutants s "
    "JOIN map_models m ON m.source = s.model_id "
    "JOIN main.mutants t ON t.model_id = m.target AND t.op = s.op AND t.position = s.position";
// done beats any failure, which beats pending; between equals the output keeps its own.
#define NND_STATUS_RANK(status) \
  "(CASE " status " WHEN 'done' THEN 2 WHEN 'pending' THEN 0 ELSE 1 END)"
constexpr const char* kAddRuns =
    "INSERT INTO main.runs(model_id, env_id, mutant_id, status, message, session_description, "
    "started_at, finished_at) "
    "SELECT m.target, e.target, u.target, s.status, s.message, s.session_description, "
    "s.started_at, s.finished_at FROM src.runs s "
    "JOIN map_models m ON m.source = s.model_id "
    "JOIN map_environments e ON e.source = s.env_id "
    "JOIN map_mutants u ON u.source = s.mutant_id "
    "WHERE true ORDER BY s.id "
    "ON CONFLICT(model_id, env_id, mutant_id) DO UPDATE SET status = excluded.status, "
    "message = excluded.message, session_description = excluded.session_description, "
    "started_at = excluded.started_at, finished_at = excluded.finished_at "
    "WHERE " NND_STATUS_RANK("excluded.status") " > " NND_STATUS_RANK("runs.status");
#undef NND_STATUS_RANK
constexpr const char* kMapRuns =
    "INSERT INTO map_runs SELECT s.id, t.id FROM src.runs s "
    "JOIN map_models m ON m.source = s.model_id "
    "JOIN map_environments e ON e.source = s.env_id "
    "JOIN map_mutants u ON u.source = s.mutant_id "
    "JOIN main.runs t ON t.model_id = m.target AND t.env_id = e.target AND t.mutant_id = u.target";
constexpr const char* kAddPredictions =
    "INSERT INTO main.predictions(run_id, input_id, repetition, top1, top_ids, top_scores, "
    "logits, latency_ns, outcome, message) "
    "SELECT r.target, i.target, s.repetition, s.top1, s.top_ids, s.top_scores, s.logits, "
    "s.latency_ns, s.outcome, s.message FROM src.predictions s "
    "JOIN map_runs r ON r.source = s.run_id "
    "JOIN map_inputs i ON i.source = s.input_id "
    "WHERE true ON CONFLICT(run_id, input_id, repetition) DO NOTHING";

// A capture the output already has keeps its own values, so only the input's captures the output
// lacks bring theirs.
constexpr const char* kFindNewCaptures =
    "INSERT INTO new_captures SELECT s.run_id, s.input_id, s.repetition, r.target, i.target "
    "FROM src.intermediate_captures s "
    "JOIN map_runs r ON r.source = s.run_id "
    "JOIN map_inputs i ON i.source = s.input_id "
    "WHERE NOT EXISTS (SELECT 1 FROM main.intermediate_captures t WHERE t.run_id = r.target "
    "AND t.input_id = i.target AND t.repetition = s.repetition)";
constexpr const char* kAddCaptures =
    "INSERT INTO main.intermediate_captures(run_id, input_id, repetition, outcome, message) "
    "SELECT n.target_run, n.target_input, n.repetition, s.outcome, s.message FROM new_captures n "
    "JOIN src.intermediate_captures s ON s.run_id = n.source_run "
    "AND s.input_id = n.source_input AND s.repetition = n.repetition";
constexpr const char* kAddIntermediates =
    "INSERT INTO main.intermediates(run_id, input_id, repetition, name, node, op, node_index, "
    "dtype, dims, data) "
    "SELECT n.target_run, n.target_input, n.repetition, s.name, s.node, s.op, s.node_index, "
    "s.dtype, s.dims, s.data FROM new_captures n "
    "JOIN src.intermediates s ON s.run_id = n.source_run "
    "AND s.input_id = n.source_input AND s.repetition = n.repetition "
    "WHERE true ON CONFLICT(run_id, input_id, repetition, name) DO NOTHING";

// Attaches the input as "src" for the scope; detaches it however the scope ends.
class Attachment {
 public:
  Attachment(sql::Database& db, const std::string& path) : db_(db) {
    sql::Statement attach(db, "ATTACH DATABASE ?1 AS src");
    attach.bind(1, path).run();
  }
  ~Attachment() {
    try {
      db_.exec("DETACH DATABASE src");
    } catch (const std::exception&) {
      // Only fails while a statement on it is still open, which the scopes above rule out.
    }
  }
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;

 private:
  sql::Database& db_;
};

// Runs one statement and returns how many rows it changed.
int64_t run_step(sql::Database& db, const char* sql) {
  sql::Statement statement(db, sql);
  statement.run();
  return db.changes();
}

}  // namespace

void check_merge_input(const std::string& out_path, const std::string& in_path) {
  std::error_code error;
  if (std::filesystem::equivalent(out_path, in_path, error))
    fail("{}: is the output store itself", in_path);
  Store::open_read_only(in_path);  // throws a UserError naming the file if it is no store
}

MergeSummary merge_into(Store& out, const std::string& in_path) {
  check_merge_input(out.path(), in_path);
  sql::Database& db = out.database();
  Attachment attachment(db, in_path);
  MergeSummary summary;
  sql::Transaction transaction(db);
  db.exec(kMapTables);
  summary.models = run_step(db, kAddModels);
  run_step(db, kMapModels);
  summary.environments = run_step(db, kAddEnvironments);
  run_step(db, kMapEnvironments);
  summary.inputs = run_step(db, kAddInputs);
  run_step(db, kMapInputs);
  summary.mutants = run_step(db, kAddMutants);
  run_step(db, kMapMutants);
  int64_t runs_before = db.query_int("SELECT count(*) FROM main.runs");
  int64_t runs_changed = run_step(db, kAddRuns);
  summary.runs_added = db.query_int("SELECT count(*) FROM main.runs") - runs_before;
  summary.runs_improved = runs_changed - summary.runs_added;
  run_step(db, kMapRuns);
  summary.predictions_added = run_step(db, kAddPredictions);
  summary.predictions_present =
      db.query_int("SELECT count(*) FROM src.predictions") - summary.predictions_added;
  run_step(db, kFindNewCaptures);
  summary.captures_added = run_step(db, kAddCaptures);
  summary.captures_present =
      db.query_int("SELECT count(*) FROM src.intermediate_captures") - summary.captures_added;
  summary.intermediates_added = run_step(db, kAddIntermediates);
  db.exec(kDropMapTables);
  transaction.commit();
  return summary;
}

}  // namespace nnd::campaign
