#include "campaign/schema.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <vector>

#include "core/error.h"

#ifndef NNDELTA_VERSION
#define NNDELTA_VERSION "unknown"
#endif

namespace nnd::campaign::schema {

namespace {

// Version 1: the whole schema. Every table and column is documented in docs/store.md; keep the
// two in step. Ids are INTEGER PRIMARY KEY (rowids, from 1): 0 is free to mean "the original
// model" in runs.mutant_id. The predictions key puts repetition before input, so that a pass over
// all inputs appends to its run's range of the index instead of touching every page of it.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE
);
CREATE TABLE environments (
  id INTEGER PRIMARY KEY,
  spec TEXT NOT NULL UNIQUE
);
CREATE TABLE mutants (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  op TEXT NOT NULL,
  category TEXT NOT NULL,
  position TEXT NOT NULL,
  diff TEXT NOT NULL,
  UNIQUE (model_id, op, position)
);
CREATE TABLE inputs (
  id INTEGER PRIMARY KEY,
  dataset_key TEXT NOT NULL UNIQUE,
  label INTEGER,
  source TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  env_id INTEGER NOT NULL REFERENCES environments(id),
  mutant_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending',
  message TEXT NOT NULL DEFAULT '',
  session_description TEXT NOT NULL DEFAULT '',
  started_at TEXT,
  finished_at TEXT,
  UNIQUE (model_id, env_id, mutant_id)
);
CREATE TABLE predictions (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  repetition INTEGER NOT NULL,
  top1 INTEGER,
  top_ids BLOB NOT NULL,
  top_scores BLOB NOT NULL,
  logits BLOB,
  latency_ns INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, repetition, input_id)
);
CREATE VIEW run_overview AS
  SELECT runs.id AS run_id, models.name AS model, models.sha256 AS model_sha256,
         environments.spec AS environment, runs.mutant_id AS mutant_id,
         mutants.op AS mutant_op, mutants.position AS mutant_position,
         runs.status AS status, runs.message AS message,
         runs.started_at AS started_at, runs.finished_at AS finished_at
  FROM runs
  JOIN models ON models.id = runs.model_id
  JOIN environments ON environments.id = runs.env_id
  LEFT JOIN mutants ON mutants.id = runs.mutant_id;
)sql";

void create_v1(sql::Database& db) {
  db.exec(kSchemaV1);
  db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
  sql::Statement meta(db,
                      "INSERT INTO meta(key, value) VALUES ('created_by', ?1), "
                      "('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))");
  meta.bind(1, std::string_view("nndelta " NNDELTA_VERSION)).run();
}

// Version 2: intermediate tensors of selected inputs ([keep] intermediates). A capture is one
// input through a run with the kept values as extra graph outputs; it records how that went, and
// its values (none when it failed) reference it, so a capture and its values are written in one
// transaction and a resumed campaign asks only whether the capture exists.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE intermediate_captures (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  input_id INTEGER NOT NULL REFERENCES inputs(id),
  repetition INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, input_id, repetition)
);
CREATE TABLE intermediates (
  run_id INTEGER NOT NULL,
  input_id INTEGER NOT NULL,
  repetition INTEGER NOT NULL,
  name TEXT NOT NULL,
  node TEXT NOT NULL,
  op TEXT NOT NULL,
  node_index INTEGER NOT NULL,
  dtype TEXT NOT NULL,
  dims TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (run_id, input_id, repetition, name),
  FOREIGN KEY (run_id, input_id, repetition)
    REFERENCES intermediate_captures(run_id, input_id, repetition)
);
)sql";

void add_intermediates_v2(sql::Database& db) { db.exec(kSchemaV2); }

// Version 3: mutation campaigns. A mutant records its level (graph, loop, input), how many sites
// it changed (0: not a mutant, never run, listed in reports with `note` saying why), the sites
// themselves (one per line), and a `note` on a real mutant that failed to build. Mutants made
// before version 3 were never written by a campaign; they read as one site of the graph level.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE mutants ADD COLUMN level TEXT NOT NULL DEFAULT 'graph';
ALTER TABLE mutants ADD COLUMN sites INTEGER NOT NULL DEFAULT 1;
ALTER TABLE mutants ADD COLUMN site_list TEXT NOT NULL DEFAULT '';
ALTER TABLE mutants ADD COLUMN note TEXT NOT NULL DEFAULT '';
)sql";

void add_mutant_sites_v3(sql::Database& db) { db.exec(kSchemaV3); }

// Version 4: the first divergent node of each diverging pair of environments of a model, found
// after the runs (analysis/first_divergence.h) by running one input with every value exposed in
// both environments. One row per pair, whatever came of it, so a resumed campaign skips it:
// outcome "found" (the node's columns set), "none" (no value beyond tolerance on that input) or
// why it could not be looked for ("failed", with the message).
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE first_divergences (
  model_id INTEGER NOT NULL REFERENCES models(id),
  reference_env_id INTEGER NOT NULL REFERENCES environments(id),
  candidate_env_id INTEGER NOT NULL REFERENCES environments(id),
  input_id INTEGER REFERENCES inputs(id),
  outcome TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  position INTEGER,
  node TEXT,
  op TEXT,
  value TEXT,
  max_abs REAL,
  mean_abs REAL,
  beyond INTEGER,
  count INTEGER,
  reference_shape TEXT,
  candidate_shape TEXT,
  compared INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0,
  atol REAL NOT NULL,
  rtol REAL NOT NULL,
  PRIMARY KEY (model_id, reference_env_id, candidate_env_id)
);
)sql";

void add_first_divergences_v4(sql::Database& db) { db.exec(kSchemaV4); }

struct Migration {
  int64_t to_version;
  void (*apply)(sql::Database&);
};

// In order; step i takes a store from version i to i + 1. Never edit a released step: add one.
const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1, &create_v1},
      {2, &add_intermediates_v2},
      {3, &add_mutant_sites_v3},
      {4, &add_first_divergences_v4},
  };
  return list;
}

void migrate(sql::Database& db, int64_t from_version) {
  for (const Migration& step : migrations()) {
    if (step.to_version <= from_version) continue;
    sql::Transaction transaction(db);
    step.apply(db);
    db.exec(fmt::format("PRAGMA user_version = {}", step.to_version));
    sql::Statement version(db,
                           "INSERT INTO meta(key, value) VALUES ('schema_version', ?1) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    version.bind(1, std::string_view(std::to_string(step.to_version))).run();
    transaction.commit();
  }
}

}  // namespace

int64_t current_version() { return migrations().back().to_version; }

bool is_older(sql::Database& db) {
  try {
    const int64_t version = db.query_int("PRAGMA user_version");
    return db.query_int("PRAGMA application_id") == kApplicationId && version > 0 &&
           version < current_version();
  } catch (const UserError&) {
    return false;  // not a database: prepare() says so
  }
}

void prepare(sql::Database& db, bool writable) {
  const std::string& path = db.path();
  int64_t application_id, version, objects;
  try {
    application_id = db.query_int("PRAGMA application_id");
    version = db.query_int("PRAGMA user_version");
    objects = db.query_int("SELECT count(*) FROM sqlite_master");
  } catch (const UserError&) {
    if (db.error_code() != SQLITE_NOTADB) throw;
    fail("{}: not an nndelta store ({})", path, db.error_message());
  }
  bool empty = application_id == 0 && version == 0 && objects == 0;
  if (!empty && application_id != kApplicationId)
    fail("{}: not an nndelta store (a SQLite database of another application)", path);
  if (version > current_version())
    fail("{}: store made by a newer nndelta (schema version {}; this build knows up to {})", path,
         version, current_version());
  if (version == current_version()) return;
  if (!writable) {
    if (empty) fail("{}: not an nndelta store (an empty database)", path);
    fail("{}: store has the older schema version {}; open it once for writing to migrate it to {}",
         path, version, current_version());
  }
  migrate(db, version);
}

}  // namespace nnd::campaign::schema
