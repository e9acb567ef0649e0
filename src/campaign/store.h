#pragma once
// The store: one SQLite file holding everything a campaign measured, the single source of truth
// that reports are computed from. Schema, encodings and versioning: docs/store.md.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "campaign/sqlite.h"
#include "core/tensor.h"

namespace nnd::campaign {

enum class RunStatus { kPending, kDone, kCrashed, kHung, kFailed, kRefused, kStuck };
// "pending", "done", "crashed", "hung", "failed", "refused", "stuck": the text in runs.status.
std::string_view run_status_name(RunStatus status);
std::optional<RunStatus> run_status_from_name(std::string_view name);

struct ModelRecord {
  std::string name, path, sha256;
};

// A variant of a model made by one mutation operator at one position (src/mutate).
struct MutantRecord {
  MutantRecord() = default;
  MutantRecord(std::string op_, std::string category_, std::string position_, std::string diff_)
      : op(std::move(op_)),
        category(std::move(category_)),
        position(std::move(position_)),
        diff(std::move(diff_)) {}

  std::string op, category, position, diff;
  std::string level = "graph";   // graph, loop or input
  int64_t sites = 1;             // sites changed; 0: not a mutant (never run)
  std::string site_list;         // the sites changed, one per line
  std::string note;              // why it is not a mutant, or why it failed to build
  int64_t id = 0, model_id = 0;  // filled by Store::mutants()
};

struct PredictionRecord {
  int64_t run_id = 0, input_id = 0;
  int repetition = 0;
  std::vector<int32_t> top_ids;              // top-k class indices, best first
  std::vector<float> top_scores;             // their scores
  std::optional<std::vector<float>> logits;  // the full output, when the campaign keeps it
  int64_t latency_ns = 0;
  // "ok", or how this one input failed: "crashed", "hung", "failed", "garbage", "exited".
  std::string outcome = "ok";
  std::string message;  // the failure's one-line message
};

// One value of a capture.
struct IntermediateValue {
  std::string name;        // the ONNX value name
  std::string node, op;    // the node that produced it and its op type
  int64_t node_index = 0;  // that node's position in the graph the environment ran
  Tensor value;
};

// One input through a run with the kept values exposed as graph outputs ([keep] intermediates).
struct CaptureRecord {
  int64_t run_id = 0, input_id = 0;
  int repetition = 0;
  // "ok"; "incomplete" (some values did not come back, `message` names them, the others are
  // kept); or how the capture failed, as for predictions ("refused", "failed", "crashed", "hung",
  // "garbage", "exited"), or "skipped" after too many worker deaths in a row.
  std::string outcome = "ok";
  std::string message;
  std::vector<IntermediateValue> values;  // in graph order
};

struct InputRecord {
  int64_t id = 0;
  std::string dataset_key;
  std::optional<int64_t> label;
  std::string source;
};

// A run with the names a report shows.
struct RunRow {
  int64_t id = 0, model_id = 0, env_id = 0, mutant_id = 0;
  std::string model_name, model_sha256, environment;
  RunStatus status = RunStatus::kPending;
  std::string message, session_description;
  std::optional<std::string> started_at, finished_at;  // ISO 8601 UTC
};

class Store {
 public:
  // Creates the file or opens and migrates it. A store from a newer schema, or a file that is not
  // a store, is a UserError naming the file. WAL mode; one writer (the campaign's parent).
  static std::unique_ptr<Store> open(const std::string& path);
  // For readers (reports, merge inputs): never writes; the store must be at the current schema.
  static std::unique_ptr<Store> open_read_only(const std::string& path);
  ~Store();

  // Insert-or-get by sha256 (an existing row keeps its first name and path).
  int64_t model_id(const ModelRecord& model);
  // Insert-or-get by the canonical spelling.
  int64_t environment_id(const std::string& canonical_spec);
  // Insert-or-get by (model, op, position); ids start at 1: 0 means "the original model".
  int64_t mutant_id(int64_t model_id, const MutantRecord& mutant);
  // Insert-or-get by key (an existing row keeps its first label and source).
  int64_t input_id(const std::string& dataset_key, std::optional<int64_t> label,
                   const std::string& source);
  // Insert-or-get; a new run is pending.
  int64_t run_id(int64_t model_id, int64_t env_id, int64_t mutant_id);

  // Stamps started_at (now) and clears finished_at; the status is left as it is.
  void mark_started(int64_t run_id);
  // Any status but pending also stamps finished_at (and started_at, if it was never stamped).
  void set_run_status(int64_t run_id, RunStatus status, const std::string& message,
                      const std::string& session_description);
  RunStatus run_status(int64_t run_id);

  // (input_id, repetition) pairs already recorded for a run, whatever their outcome, so that a
  // re-run does only what is missing.
  std::set<std::pair<int64_t, int>> recorded(int64_t run_id);
  // All in one transaction; a row whose (run, input, repetition) exists is ignored (idempotent).
  // Returns how many rows were new.
  int64_t insert_predictions(const std::vector<PredictionRecord>& predictions);

  // (input_id, repetition) pairs whose intermediates a run already captured, whatever the outcome.
  std::set<std::pair<int64_t, int>> captured(int64_t run_id);
  // Each capture with its values in one transaction; a capture whose (run, input, repetition)
  // exists is ignored with its values (idempotent). Returns how many captures were new.
  int64_t insert_captures(const std::vector<CaptureRecord>& captures);

  // Counts for tests and progress.
  int64_t prediction_count();
  int64_t prediction_count(int64_t run_id);
  int64_t intermediate_count();

  // Typed readers for reports; plain SQL on database() works too (docs/store.md).
  std::vector<RunRow> runs();
  // Every mutant, in id order.
  std::vector<MutantRecord> mutants();
  std::vector<InputRecord> inputs();
  // Ordered by input id, then repetition.
  std::vector<PredictionRecord> predictions(int64_t run_id);
  // Ordered by input id, then repetition; values in graph order.
  std::vector<CaptureRecord> captures(int64_t run_id);

  const std::string& path() const;
  sql::Database& database();

 private:
  struct Statements;
  explicit Store(std::unique_ptr<sql::Database> db);
  Statements& statements();

  std::unique_ptr<sql::Database> db_;
  std::unique_ptr<Statements> statements_;  // prepared on first use, kept for the store's life
};

}  // namespace nnd::campaign
