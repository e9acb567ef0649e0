#pragma once
// The store's SQL, one prepared statement each, prepared on first use and kept (private to
// store*.cc). Timestamps are ISO 8601 UTC with milliseconds.
#include <memory>

#include "campaign/sqlite.h"
#include "campaign/store.h"

namespace nnd::campaign {

#define NND_STORE_NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

struct Store::Statements {
  struct Slot {
    explicit Slot(const char* text) : sql(text) {}
    const char* sql;
    std::unique_ptr<sql::Statement> statement;
  };

  explicit Statements(sql::Database& database) : db(database) {}

  sql::Statement& get(Slot& slot) {
    if (!slot.statement) slot.statement = std::make_unique<sql::Statement>(db, slot.sql);
    return *slot.statement;
  }

  sql::Database& db;
  Slot select_model{"SELECT id FROM models WHERE sha256 = ?1"};
  Slot insert_model{"INSERT INTO models(sha256, name, path) VALUES (?1, ?2, ?3)"};
  Slot select_environment{"SELECT id FROM environments WHERE spec = ?1"};
  Slot insert_environment{"INSERT INTO environments(spec) VALUES (?1)"};
  Slot select_mutant{"SELECT id FROM mutants WHERE model_id = ?1 AND op = ?2 AND position = ?3"};
  Slot insert_mutant{
      "INSERT INTO mutants(model_id, op, position, category, diff, level, sites, site_list, note) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"};
  Slot mutant_of_model{"SELECT 1 FROM mutants WHERE id = ?1 AND model_id = ?2"};
  Slot select_input{"SELECT id FROM inputs WHERE dataset_key = ?1"};
  Slot insert_input{"INSERT INTO inputs(dataset_key, label, source) VALUES (?1, ?2, ?3)"};
  Slot select_run{"SELECT id FROM runs WHERE model_id = ?1 AND env_id = ?2 AND mutant_id = ?3"};
  Slot insert_run{"INSERT INTO runs(model_id, env_id, mutant_id) VALUES (?1, ?2, ?3)"};
  Slot mark_started{"UPDATE runs SET started_at = " NND_STORE_NOW
                    ", finished_at = NULL WHERE id = ?1"};
  Slot set_status{
      "UPDATE runs SET status = ?2, message = ?3, session_description = ?4, "
      "started_at = CASE WHEN ?2 = 'pending' THEN started_at "
      "ELSE coalesce(started_at, " NND_STORE_NOW
      ") END, "
      "finished_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE " NND_STORE_NOW
      " END "
      "WHERE id = ?1"};
  Slot select_status{"SELECT status FROM runs WHERE id = ?1"};
  Slot select_recorded{"SELECT input_id, repetition FROM predictions WHERE run_id = ?1"};
  Slot insert_prediction{
      "INSERT INTO predictions(run_id, input_id, repetition, top1, top_ids, top_scores, logits, "
      "latency_ns, outcome, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT(run_id, input_id, repetition) DO NOTHING"};
  Slot select_captured{"SELECT input_id, repetition FROM intermediate_captures WHERE run_id = ?1"};
  Slot insert_capture{
      "INSERT INTO intermediate_captures(run_id, input_id, repetition, outcome, message) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(run_id, input_id, repetition) DO NOTHING"};
  Slot insert_intermediate{
      "INSERT INTO intermediates(run_id, input_id, repetition, name, node, op, node_index, dtype, "
      "dims, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
      "ON CONFLICT(run_id, input_id, repetition, name) DO NOTHING"};
  Slot count_predictions{"SELECT count(*) FROM predictions"};
  Slot count_run_predictions{"SELECT count(*) FROM predictions WHERE run_id = ?1"};
  Slot count_intermediates{"SELECT count(*) FROM intermediates"};
  Slot select_runs{
      "SELECT runs.id, runs.model_id, runs.env_id, runs.mutant_id, models.name, models.sha256, "
      "environments.spec, runs.status, runs.message, runs.session_description, runs.started_at, "
      "runs.finished_at FROM runs JOIN models ON models.id = runs.model_id "
      "JOIN environments ON environments.id = runs.env_id ORDER BY runs.id"};
  Slot select_inputs{"SELECT id, dataset_key, label, source FROM inputs ORDER BY id"};
  Slot select_predictions{
      "SELECT input_id, repetition, top_ids, top_scores, logits, latency_ns, outcome, message "
      "FROM predictions WHERE run_id = ?1 ORDER BY input_id, repetition"};
  Slot select_captures{
      "SELECT input_id, repetition, outcome, message FROM intermediate_captures WHERE run_id = ?1 "
      "ORDER BY input_id, repetition"};
  Slot select_intermediates{
      "SELECT input_id, repetition, name, node, op, node_index, dtype, dims, data "
      "FROM intermediates WHERE run_id = ?1 ORDER BY input_id, repetition, node_index, name"};
};

#undef NND_STORE_NOW

}  // namespace nnd::campaign
