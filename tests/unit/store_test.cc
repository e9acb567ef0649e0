// The result store: ids, idempotent inserts, round trips, versioning, bad files, and merge.
#include "campaign/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "campaign/merge.h"
#include "cli_runner.h"
#include "core/error.h"
#include "test_models.h"

namespace nnd::campaign {
namespace {

// A fresh store file for this test (any left by an earlier run of the test is removed).
std::string fresh_path(const std::string& name) {
  std::string path = testing::temp_path(name);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return path;
}

ModelRecord model(const std::string& name) {
  return {name, "zoo/" + name + ".onnx", "sha-" + name};
}

PredictionRecord prediction(int64_t run, int64_t input, int repetition) {
  PredictionRecord p;
  p.run_id = run;
  p.input_id = input;
  p.repetition = repetition;
  int32_t first = static_cast<int32_t>((input * 3 + repetition) % 10);
  p.top_ids = {first, (first + 1) % 10, (first + 2) % 10, (first + 3) % 10, (first + 4) % 10};
  p.top_scores = {0.5f, 0.2f, 0.1f, 0.05f, 0.01f * static_cast<float>(input)};
  p.latency_ns = 1000 * input + repetition;
  return p;
}

template <typename T>
void expect_same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(std::bit_cast<uint32_t>(a[i]), std::bit_cast<uint32_t>(b[i])) << "at " << i;
}

// Every prediction of a store by natural keys, ids left out: equal sets mean equal contents.
std::multiset<std::string> predictions_by_natural_key(Store& store) {
  sql::Statement select(store.database(),
                        "SELECT m.sha256, e.spec, coalesce(u.op, '-'), coalesce(u.position, '-'), "
                        "i.dataset_key, coalesce(i.label, -1), p.repetition, p.top1, "
                        "hex(p.top_ids), hex(p.top_scores), coalesce(hex(p.logits), 'null'), "
                        "p.latency_ns, p.outcome, p.message "
                        "FROM predictions p JOIN runs r ON r.id = p.run_id "
                        "JOIN models m ON m.id = r.model_id "
                        "JOIN environments e ON e.id = r.env_id "
                        "LEFT JOIN mutants u ON u.id = r.mutant_id "
                        "JOIN inputs i ON i.id = p.input_id");
  std::multiset<std::string> rows;
  while (select.step()) {
    std::string row;
    for (int c = 0; c < 14; ++c) row += select.column_text(c) + "|";
    rows.insert(row);
  }
  return rows;
}

// Run statuses by natural key.
std::map<std::string, std::string> runs_by_natural_key(Store& store) {
  std::map<std::string, std::string> runs;
  for (const RunRow& run : store.runs())
    runs[run.model_sha256 + "|" + run.environment + "|" + std::to_string(run.mutant_id != 0)] =
        std::string(run_status_name(run.status));
  return runs;
}

TEST(Store, CreateAndReopenKeepsEverything) {
  std::string path = fresh_path("store.db");
  int64_t model_id, env_id, mutant_id, input_id, run_id;
  {
    auto store = Store::open(path);
    model_id = store->model_id(model("mnv2"));
    env_id = store->environment_id("ort@cpu:O3");
    mutant_id = store->mutant_id(model_id, {"swap-args", "graph", "node Conv_3", "- a\n+ b"});
    input_id = store->input_id("fashion-mnist/t10k/17", 9, "t10k-images-idx3-ubyte.gz#17");
    run_id = store->run_id(model_id, env_id, mutant_id);
    store->mark_started(run_id);
    store->set_run_status(run_id, RunStatus::kCrashed, "worker died on signal 11", "ort 1.30 cpu");
    PredictionRecord p = prediction(run_id, input_id, 0);
    p.logits = std::vector<float>{1.5f, -2.25f, 0.0f};
    p.outcome = "garbage";
    p.message = "NaN in the output";
    EXPECT_EQ(store->insert_predictions({p}), 1);
  }
  auto store = Store::open(path);
  EXPECT_EQ(store->model_id(model("mnv2")), model_id);
  EXPECT_EQ(store->environment_id("ort@cpu:O3"), env_id);
  EXPECT_EQ(store->mutant_id(model_id, {"swap-args", "other", "node Conv_3", ""}), mutant_id);
  EXPECT_EQ(store->input_id("fashion-mnist/t10k/17", std::nullopt, ""), input_id);
  EXPECT_EQ(store->run_id(model_id, env_id, mutant_id), run_id);

  std::vector<RunRow> runs = store->runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].model_name, "mnv2");
  EXPECT_EQ(runs[0].model_sha256, "sha-mnv2");
  EXPECT_EQ(runs[0].environment, "ort@cpu:O3");
  EXPECT_EQ(runs[0].mutant_id, mutant_id);
  EXPECT_EQ(runs[0].status, RunStatus::kCrashed);
  EXPECT_EQ(runs[0].message, "worker died on signal 11");
  EXPECT_EQ(runs[0].session_description, "ort 1.30 cpu");
  ASSERT_TRUE(runs[0].started_at && runs[0].finished_at);
  EXPECT_LE(*runs[0].started_at, *runs[0].finished_at);  // ISO 8601 sorts as text

  std::vector<InputRecord> inputs = store->inputs();
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].label, 9);
  EXPECT_EQ(inputs[0].source, "t10k-images-idx3-ubyte.gz#17");

  std::vector<PredictionRecord> predictions = store->predictions(run_id);
  ASSERT_EQ(predictions.size(), 1u);
  const PredictionRecord& p = predictions[0];
  PredictionRecord expected = prediction(run_id, input_id, 0);
  EXPECT_EQ(p.input_id, input_id);
  EXPECT_EQ(p.top_ids, expected.top_ids);
  expect_same_bits(p.top_scores, expected.top_scores);
  ASSERT_TRUE(p.logits);
  EXPECT_EQ(*p.logits, (std::vector<float>{1.5f, -2.25f, 0.0f}));
  EXPECT_EQ(p.latency_ns, expected.latency_ns);
  EXPECT_EQ(p.outcome, "garbage");
  EXPECT_EQ(p.message, "NaN in the output");

  // Plain SQL sees the documented columns and encodings.
  sql::Database& db = store->database();
  EXPECT_EQ(db.query_int("SELECT top1 FROM predictions"), expected.top_ids[0]);
  EXPECT_EQ(db.query_int("SELECT length(top_ids) FROM predictions"), 20);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM run_overview WHERE model = 'mnv2' AND "
                         "environment = 'ort@cpu:O3' AND mutant_op = 'swap-args'"),
            1);
  EXPECT_EQ(db.query_int("SELECT value FROM meta WHERE key = 'schema_version'"), 4);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM meta WHERE key = 'created_by' AND "
                         "value LIKE 'nndelta %'"),
            1);
}

TEST(Store, InsertOrGetIdsAreStableAndDistinct) {
  auto store = Store::open(fresh_path("store.db"));
  int64_t a = store->model_id(model("a"));
  int64_t b = store->model_id(model("b"));
  EXPECT_NE(a, b);
  EXPECT_EQ(store->model_id({"renamed", "elsewhere.onnx", "sha-a"}), a);  // keyed by sha256
  int64_t env = store->environment_id("ref@cpu:O0");
  EXPECT_EQ(store->environment_id("ref@cpu:O0"), env);
  EXPECT_NE(store->environment_id("ref@cpu:O1"), env);
  int64_t mutant = store->mutant_id(a, {"op", "graph", "node 1", ""});
  EXPECT_GE(mutant, 1);  // 0 is the original model
  EXPECT_NE(store->mutant_id(a, {"op", "graph", "node 2", ""}), mutant);
  EXPECT_NE(store->mutant_id(b, {"op", "graph", "node 1", ""}), mutant);
  EXPECT_EQ(store->mutant_id(a, {"op", "graph", "node 1", ""}), mutant);
  int64_t input = store->input_id("k1", std::nullopt, "s");
  EXPECT_EQ(store->input_id("k1", 3, "t"), input);
  EXPECT_NE(store->input_id("k2", std::nullopt, "s"), input);
  int64_t original = store->run_id(a, env, 0);
  int64_t mutated = store->run_id(a, env, mutant);
  EXPECT_NE(original, mutated);
  EXPECT_EQ(store->run_id(a, env, 0), original);
  EXPECT_EQ(store->run_status(original), RunStatus::kPending);
  // A mutant of another model is our bug, not the user's.
  EXPECT_THROW(store->run_id(b, env, mutant), InternalError);
}

TEST(Store, InsertingTheSamePredictionsTwiceKeepsOneCopy) {
  auto store = Store::open(fresh_path("store.db"));
  int64_t run = store->run_id(store->model_id(model("m")), store->environment_id("ref@cpu:O0"), 0);
  std::vector<PredictionRecord> batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(prediction(run, store->input_id(fmt::format("k{}", i), i, ""), 0));
  EXPECT_EQ(store->insert_predictions(batch), 5);
  // The second copy differs in its values: the first one stays.
  for (PredictionRecord& p : batch) p.latency_ns = -1;
  batch.push_back(batch.front());
  EXPECT_EQ(store->insert_predictions(batch), 0);
  EXPECT_EQ(store->prediction_count(), 5);
  EXPECT_EQ(store->prediction_count(run), 5);
  for (const PredictionRecord& p : store->predictions(run)) EXPECT_GE(p.latency_ns, 0);
}

TEST(Store, LogitsRoundTripBitForBit) {
  std::string path = fresh_path("store.db");
  std::vector<float> logits = {0.1f,
                               -0.0f,
                               std::numeric_limits<float>::denorm_min(),
                               -std::numeric_limits<float>::max(),
                               std::numeric_limits<float>::infinity(),
                               std::bit_cast<float>(0x7fc01234u),  // a NaN with a payload
                               std::bit_cast<float>(0xffa00001u),  // a negative signalling NaN
                               1.0f / 3.0f};
  int64_t run;
  {
    auto store = Store::open(path);
    run = store->run_id(store->model_id(model("m")), store->environment_id("ref@cpu:O0"), 0);
    PredictionRecord p = prediction(run, store->input_id("k", std::nullopt, ""), 0);
    p.logits = logits;
    p.top_scores = {std::bit_cast<float>(0x7fc00001u)};
    p.top_ids = {std::numeric_limits<int32_t>::min()};
    store->insert_predictions({p});
  }
  auto store = Store::open_read_only(path);
  std::vector<PredictionRecord> back = store->predictions(run);
  ASSERT_EQ(back.size(), 1u);
  ASSERT_TRUE(back[0].logits);
  expect_same_bits(*back[0].logits, logits);
  expect_same_bits(back[0].top_scores, {std::bit_cast<float>(0x7fc00001u)});
  EXPECT_EQ(back[0].top_ids, std::vector<int32_t>{std::numeric_limits<int32_t>::min()});
  // Little-endian on disk: 0.1f is 0x3dcccccd.
  EXPECT_EQ(store->database().query_int("SELECT substr(hex(logits), 1, 8) = 'CDCCCC3D' "
                                        "FROM predictions"),
            1);
}

TEST(Store, RecordedListsWhatAPartialRunHasDone) {
  auto store = Store::open(fresh_path("store.db"));
  int64_t m = store->model_id(model("m"));
  int64_t run = store->run_id(m, store->environment_id("ref@cpu:O0"), 0);
  int64_t other = store->run_id(m, store->environment_id("ref@cpu:O3"), 0);
  std::vector<int64_t> inputs;
  for (int i = 0; i < 4; ++i) inputs.push_back(store->input_id("k" + std::to_string(i), i, ""));
  EXPECT_TRUE(store->recorded(run).empty());
  store->insert_predictions({prediction(run, inputs[0], 0), prediction(run, inputs[0], 1),
                             prediction(run, inputs[2], 0), prediction(other, inputs[1], 0)});
  std::set<std::pair<int64_t, int>> expected = {{inputs[0], 0}, {inputs[0], 1}, {inputs[2], 0}};
  EXPECT_EQ(store->recorded(run), expected);
  EXPECT_EQ(store->recorded(other), (std::set<std::pair<int64_t, int>>{{inputs[1], 0}}));
}

TEST(Store, RunStatusesRoundTripWithTheirNames) {
  auto store = Store::open(fresh_path("store.db"));
  int64_t run = store->run_id(store->model_id(model("m")), store->environment_id("ref@cpu:O0"), 0);
  for (RunStatus status :
       {RunStatus::kDone, RunStatus::kCrashed, RunStatus::kHung, RunStatus::kFailed,
        RunStatus::kRefused, RunStatus::kStuck, RunStatus::kPending}) {
    store->set_run_status(run, status, "why", "session");
    EXPECT_EQ(store->run_status(run), status);
    EXPECT_EQ(run_status_from_name(run_status_name(status)), status);
  }
  EXPECT_EQ(run_status_name(RunStatus::kHung), "hung");
  EXPECT_FALSE(store->runs()[0].finished_at);  // pending again: not finished
  EXPECT_THROW(store->set_run_status(run + 1, RunStatus::kDone, "", ""), InternalError);
}

TEST(StoreErrors, NewerSchemaIsAUserErrorNamingTheFile) {
  std::string path = fresh_path("newer.db");
  Store::open(path);
  {
    sql::Database db(path, sql::Database::Access::kReadWrite);
    db.exec("PRAGMA user_version = 99");
  }
  for (auto open : {&Store::open, &Store::open_read_only}) {
    try {
      open(path);
      ADD_FAILURE() << "opened a store of schema version 99";
    } catch (const UserError& e) {
      std::string message = e.what();
      EXPECT_NE(message.find(path), std::string::npos) << message;
      EXPECT_NE(message.find("newer nndelta"), std::string::npos) << message;
    }
  }
}

void expect_not_a_store(const std::string& path, const std::string& why) {
  for (auto open : {&Store::open, &Store::open_read_only}) {
    try {
      open(path);
      ADD_FAILURE() << "opened " << path;
    } catch (const UserError& e) {
      std::string message = e.what();
      EXPECT_NE(message.find(path + ": not an nndelta store"), std::string::npos) << message;
      EXPECT_NE(message.find(why), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(StoreErrors, FilesThatAreNotStoresAreUserErrors) {
  std::string text = fresh_path("text.db");
  testing::write_file("text.db", std::string(4096, 'x') + "this is not a database");
  expect_not_a_store(text, "file is not a database");

  std::string other = fresh_path("other.db");
  {
    sql::Database db(other, sql::Database::Access::kReadWrite);
    db.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY)");
  }
  expect_not_a_store(other, "another application");

  std::string missing = fresh_path("missing.db");
  try {
    Store::open_read_only(missing);
    ADD_FAILURE() << "opened a missing store read-only";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
  EXPECT_THROW(Store::open("/nonexistent-dir/store.db"), UserError);
}

TEST(StoreErrors, RowsEditedByHandIntoNonsenseAreUserErrors) {
  std::string path = fresh_path("edited.db");
  auto store = Store::open(path);
  int64_t run = store->run_id(store->model_id(model("m")), store->environment_id("ref@cpu:O0"), 0);
  store->insert_predictions({prediction(run, store->input_id("k", 1, ""), 0)});
  store->database().exec("UPDATE predictions SET top_ids = x'01020304050607'");
  EXPECT_THROW(
      {
        try {
          store->predictions(run);
        } catch (const UserError& e) {
          EXPECT_NE(std::string(e.what()).find(path + ": prediction (run 1, input 1, "
                                                      "repetition 0) has a top_ids blob of 7"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      UserError);
  store->database().exec("UPDATE runs SET status = 'exploded'");
  EXPECT_THROW(store->run_status(run), UserError);
  EXPECT_THROW(store->runs(), UserError);
}

// A capture whose values follow from its keys, in several dtypes and shapes (a scalar, an empty
// tensor), with float bits that a careless copy would change.
CaptureRecord capture(int64_t run, int64_t input, int repetition) {
  CaptureRecord c;
  c.run_id = run;
  c.input_id = input;
  c.repetition = repetition;
  const float x = static_cast<float>(input) + 0.25f;
  c.values.push_back({"conv_out", "conv", "Conv", 0,
                      Tensor::of<float>({1, 2, 1, 2}, {x, -0.0f, std::bit_cast<float>(0x7fc01234u),
                                                       std::numeric_limits<float>::infinity()})});
  c.values.push_back(
      {"half", "cast", "Cast", 1, Tensor::of<Half>({3}, {Half(x), Half(-1.5f), Half(65504.0f)})});
  c.values.push_back(
      {"shape", "shape", "Shape", 2, Tensor::of<int64_t>({2}, {input, -(int64_t{1} << 40)})});
  c.values.push_back({"mask", "less", "Less", 3, Tensor::of<bool>({2, 1}, {true, false})});
  c.values.push_back({"count", "size", "Size", 4, Tensor::of<int32_t>({}, {repetition})});
  c.values.push_back({"none", "slice", "Slice", 5, Tensor(DType::kUInt8, {0, 3})});
  return c;
}

void expect_same_captures(const std::vector<CaptureRecord>& got,
                          const std::vector<CaptureRecord>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].input_id, want[i].input_id);
    EXPECT_EQ(got[i].repetition, want[i].repetition);
    EXPECT_EQ(got[i].outcome, want[i].outcome);
    EXPECT_EQ(got[i].message, want[i].message);
    ASSERT_EQ(got[i].values.size(), want[i].values.size());
    for (size_t v = 0; v < got[i].values.size(); ++v) {
      const IntermediateValue &a = got[i].values[v], &b = want[i].values[v];
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.node, b.node);
      EXPECT_EQ(a.op, b.op);
      EXPECT_EQ(a.node_index, b.node_index);
      EXPECT_TRUE(a.value.same_as(b.value)) << a.name;  // dtype, shape and every byte
    }
  }
}

TEST(Store, IntermediatesRoundTripBitForBitInEveryDtype) {
  std::string path = fresh_path("store.db");
  int64_t run;
  std::vector<CaptureRecord> written;
  {
    auto store = Store::open(path);
    run = store->run_id(store->model_id(model("m")), store->environment_id("ref@cpu:O0"), 0);
    int64_t other =
        store->run_id(store->model_id(model("n")), store->environment_id("ref@cpu:O0"), 0);
    for (int i = 0; i < 3; ++i)
      written.push_back(capture(run, store->input_id("k" + std::to_string(i), i, ""), 0));
    written[2].outcome = "incomplete";
    written[2].message = "1 of 7 values not returned: gone";
    CaptureRecord failed;
    failed.run_id = other;
    failed.input_id = written[0].input_id;
    failed.outcome = "crashed";
    failed.message = "worker died on SIGSEGV";
    EXPECT_EQ(store->insert_captures({written[1], written[0], written[2], failed}), 4);
    // Again, with other values: the first capture stays, values and all.
    CaptureRecord changed = capture(run, written[0].input_id, 0);
    changed.values[0].value = Tensor::of<float>({1}, {9.0f});
    EXPECT_EQ(store->insert_captures({changed, failed}), 0);
    EXPECT_EQ(store->captured(run),
              (std::set<std::pair<int64_t, int>>{
                  {written[0].input_id, 0}, {written[1].input_id, 0}, {written[2].input_id, 0}}));
    EXPECT_TRUE(store->captures(other)[0].values.empty());
  }
  auto store = Store::open_read_only(path);
  expect_same_captures(store->captures(run), written);  // ordered by input, values by graph
  EXPECT_EQ(store->intermediate_count(), 3 * 6);
  // The documented encoding: dtype names, dims as a JSON array, little-endian elements.
  sql::Database& db = store->database();
  EXPECT_EQ(db.query_int("SELECT count(*) FROM intermediates WHERE name = 'conv_out' AND "
                         "dtype = 'float32' AND dims = '[1,2,1,2]' AND length(data) = 16 AND "
                         "hex(substr(data, 9, 4)) = '3412C07F'"),
            3);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM intermediates WHERE name = 'count' AND "
                         "dims = '[]' AND dtype = 'int32' AND length(data) = 4"),
            3);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM intermediates WHERE name = 'none' AND "
                         "dims = '[0,3]' AND dtype = 'uint8' AND length(data) = 0"),
            3);
  EXPECT_EQ(db.query_int("SELECT count(*) FROM intermediates WHERE name = 'mask' AND "
                         "dtype = 'bool' AND hex(data) = '0100'"),
            3);
}

TEST(StoreErrors, IntermediateRowsEditedIntoNonsenseAreUserErrorsNamingTheRow) {
  std::string path = fresh_path("edited.db");
  auto store = Store::open(path);
  int64_t run = store->run_id(store->model_id(model("m")), store->environment_id("ref@cpu:O0"), 0);
  store->insert_captures({capture(run, store->input_id("k", 1, ""), 0)});
  auto expect_error = [&](const std::string& edit, const std::string& words) {
    sql::Transaction transaction(store->database());
    store->database().exec(edit);
    try {
      store->captures(run);
      ADD_FAILURE() << "no error after " << edit;
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find(path +
                                           ": intermediate 'conv_out' (run 1, input 1, "
                                           "repetition 0) " +
                                           words),
                std::string::npos)
          << e.what();
    }
  };  // rolled back: each edit alone
  const std::string row = " WHERE name = 'conv_out'";
  expect_error("UPDATE intermediates SET dtype = 'complex64'" + row,
               "has the unknown dtype 'complex64'");
  expect_error("UPDATE intermediates SET dims = '1x2'" + row, "has dims '1x2', not an array");
  expect_error("UPDATE intermediates SET dims = '[1,-2]'" + row, "has dims '[1,-2]'");
  expect_error("UPDATE intermediates SET data = x'0102'" + row,
               "has 2 bytes of data; float32 [1,2,1,2] needs 16");
  EXPECT_EQ(store->captures(run).size(), 1u);
}

// The version 1 schema exactly as nndelta 0.1.0 wrote it (src/campaign/schema.cc, step 1), with
// rows as a campaign left them: a store made before intermediates existed.
constexpr const char* kStoreV1 = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE models (id INTEGER PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE);
CREATE TABLE environments (id INTEGER PRIMARY KEY, spec TEXT NOT NULL UNIQUE);
CREATE TABLE mutants (id INTEGER PRIMARY KEY, model_id INTEGER NOT NULL REFERENCES models(id),
  op TEXT NOT NULL, category TEXT NOT NULL, position TEXT NOT NULL, diff TEXT NOT NULL,
  UNIQUE (model_id, op, position));
CREATE TABLE inputs (id INTEGER PRIMARY KEY, dataset_key TEXT NOT NULL UNIQUE, label INTEGER,
  source TEXT NOT NULL);
CREATE TABLE runs (id INTEGER PRIMARY KEY, model_id INTEGER NOT NULL REFERENCES models(id),
  env_id INTEGER NOT NULL REFERENCES environments(id), mutant_id INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending', message TEXT NOT NULL DEFAULT '',
  session_description TEXT NOT NULL DEFAULT '', started_at TEXT, finished_at TEXT,
  UNIQUE (model_id, env_id, mutant_id));
CREATE TABLE predictions (run_id INTEGER NOT NULL REFERENCES runs(id),
  input_id INTEGER NOT NULL REFERENCES inputs(id), repetition INTEGER NOT NULL, top1 INTEGER,
  top_ids BLOB NOT NULL, top_scores BLOB NOT NULL, logits BLOB, latency_ns INTEGER NOT NULL,
  outcome TEXT NOT NULL, message TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, repetition, input_id));
CREATE VIEW run_overview AS
  SELECT runs.id AS run_id, models.name AS model, models.sha256 AS model_sha256,
         environments.spec AS environment, runs.mutant_id AS mutant_id,
         mutants.op AS mutant_op, mutants.position AS mutant_position,
         runs.status AS status, runs.message AS message,
         runs.started_at AS started_at, runs.finished_at AS finished_at
  FROM runs JOIN models ON models.id = runs.model_id
  JOIN environments ON environments.id = runs.env_id
  LEFT JOIN mutants ON mutants.id = runs.mutant_id;
INSERT INTO meta VALUES ('created_by', 'nndelta 0.1.0'), ('created_at', '2026-11-25T19:58:47.432Z'),
  ('schema_version', '1');
INSERT INTO models VALUES (1, 'resnet', 'zoo/resnet.onnx', 'sha-resnet');
INSERT INTO environments VALUES (1, 'ref@cpu:O2');
INSERT INTO inputs VALUES (1, 'fashion-mnist:test#0', 9, 't10k (image 0)'),
  (2, 'fashion-mnist:test#1', 2, 't10k (image 1)');
INSERT INTO runs VALUES (1, 1, 1, 0, 'done', '', 'nndelta ref 0.1.0 on ref@cpu:O2',
  '2026-11-25T19:58:47.942Z', '2026-11-25T19:58:50.091Z');
INSERT INTO predictions VALUES (1, 1, 0, 9, x'0900000007000000', x'1c600541ba950740', NULL,
  39649654, 'ok', ''), (1, 2, 0, 2, x'0200000004000000', x'1cf7d940b167823f', NULL, 54146839, 'ok', '');
PRAGMA application_id = 1852728436;
PRAGMA user_version = 1;
)sql";

TEST(StoreMigration, AVersion1StoreMigratesAndKeepsItsRows) {
  std::string path = fresh_path("v1.db");
  {
    sql::Database db(path, sql::Database::Access::kReadWrite);
    db.exec(kStoreV1);
  }
  // A reader migrates a private in-memory copy and leaves the file as it was.
  {
    auto reader = Store::open_read_only(path);
    EXPECT_EQ(reader->database().query_int("PRAGMA user_version"), 4);
    EXPECT_EQ(reader->prediction_count(), 2);
    EXPECT_EQ(reader->path(), path);
    sql::Database file(path, sql::Database::Access::kReadOnly);
    EXPECT_EQ(file.query_int("PRAGMA user_version"), 1);
  }
  {
    auto store = Store::open(path);
    sql::Database& db = store->database();
    EXPECT_EQ(db.query_int("PRAGMA user_version"), 4);
    EXPECT_EQ(db.query_int("SELECT value = '4' FROM meta WHERE key = 'schema_version'"), 1);
    // Version 4's table exists, empty.
    EXPECT_EQ(db.query_int("SELECT count(*) FROM first_divergences"), 0);
    // Version 3's mutant columns exist, with their defaults.
    EXPECT_EQ(db.query_int("SELECT count(*) FROM pragma_table_info('mutants') WHERE name IN "
                           "('level', 'sites', 'site_list', 'note')"),
              4);
    EXPECT_EQ(db.query_int("SELECT count(*) FROM meta WHERE key = 'created_at' AND "
                           "value = '2026-11-25T19:58:47.432Z'"),
              1);
    std::vector<RunRow> runs = store->runs();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].status, RunStatus::kDone);
    EXPECT_EQ(runs[0].session_description, "nndelta ref 0.1.0 on ref@cpu:O2");
    std::vector<PredictionRecord> ps = store->predictions(1);
    ASSERT_EQ(ps.size(), 2u);
    EXPECT_EQ(ps[1].top_ids, (std::vector<int32_t>{2, 4}));
    EXPECT_EQ(ps[0].latency_ns, 39649654);
    EXPECT_EQ(store->inputs().size(), 2u);
    EXPECT_TRUE(store->captures(1).empty());
    EXPECT_EQ(store->insert_captures({capture(1, 2, 0)}), 1);
  }
  auto store = Store::open_read_only(path);  // now at the current version
  EXPECT_EQ(store->captures(1).size(), 1u);
  EXPECT_EQ(store->prediction_count(), 2);
}

// Two shards of one campaign, as `nndelta run --shard` would leave them. Each makes its ids in
// its own order, so the same model/input/run has different ids in the two.
struct Shard {
  std::vector<std::string> models, environments, inputs;
  std::vector<int> repetitions = {0};
  RunStatus status = RunStatus::kDone;
  bool with_mutant = false;
};

void fill(Store& store, const Shard& shard) {
  for (const std::string& name : shard.models) {
    int64_t m = store.model_id(model(name));
    int64_t mutant = shard.with_mutant ? store.mutant_id(m, {"negate", "graph", "Relu_1", "d"}) : 0;
    for (const std::string& env : shard.environments) {
      int64_t run = store.run_id(m, store.environment_id(env), mutant);
      std::vector<PredictionRecord> batch;
      for (const std::string& key : shard.inputs) {
        // Values follow from the natural keys, so that both shards agree on a shared row.
        int key_number = std::stoi(key.substr(1));
        for (int r : shard.repetitions) {
          PredictionRecord p = prediction(run, key_number, r);
          p.input_id = store.input_id(key, key_number % 3, "src-" + key);
          if (r == 1) p.logits = std::vector<float>{0.25f, static_cast<float>(key_number)};
          batch.push_back(p);
        }
      }
      store.insert_predictions(batch);
      store.set_run_status(run, shard.status, "", "");
    }
  }
}

std::unique_ptr<Store> make_store(const std::string& name, const std::vector<Shard>& shards) {
  auto store = Store::open(fresh_path(name));
  for (const Shard& shard : shards) fill(*store, shard);
  return store;
}

template <typename T>
std::multiset<T> set_union(std::multiset<T> a, const std::multiset<T>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

TEST(StoreMerge, DisjointStoresMergeToTheirUnion) {
  auto a = make_store("a.db", {{{"m1"}, {"ref@cpu:O0"}, {"k0", "k1", "k2"}}});
  auto b = make_store("b.db", {{{"m2"}, {"ort@cpu:O3", "ref@cpu:O1"}, {"k3", "k4"}, {0, 1}}});
  auto out = Store::open(fresh_path("out.db"));
  MergeSummary first = merge_into(*out, a->path());
  EXPECT_EQ(first.predictions_added, 3);
  EXPECT_EQ(first.runs_added, 1);
  MergeSummary second = merge_into(*out, b->path());
  EXPECT_EQ(second.predictions_added, 8);
  EXPECT_EQ(second.runs_added, 2);
  EXPECT_EQ(second.models, 1);
  EXPECT_EQ(second.environments, 2);
  EXPECT_EQ(second.inputs, 2);
  EXPECT_EQ(predictions_by_natural_key(*out),
            set_union(predictions_by_natural_key(*a), predictions_by_natural_key(*b)));
  EXPECT_EQ(out->prediction_count(), 11);
  EXPECT_EQ(out->runs().size(), 3u);
}

TEST(StoreMerge, OverlappingStoresMergeWithoutDuplicatesAndRemappedIds) {
  // b makes its model, environments and inputs in another order than a, so ids differ.
  auto a = make_store("a.db", {{{"m1"}, {"ref@cpu:O0"}, {"k0", "k1", "k2"}, {0, 1}},
                               {{"m1"}, {"ort@cpu:O3"}, {"k0"}, {0}, RunStatus::kPending},
                               {{"m1"}, {"ref@cpu:O0"}, {"k5"}, {0}, RunStatus::kDone, true}});
  auto b = make_store("b.db", {{{"m0", "m1"}, {"ort@cpu:O3"}, {"k3", "k4", "k1"}, {0, 1}},
                               {{"m1"}, {"ref@cpu:O0"}, {"k2", "k3"}, {1}, RunStatus::kCrashed},
                               {{"m1"}, {"ref@cpu:O0"}, {"k6"}, {0}, RunStatus::kHung, true}});
  ASSERT_NE(a->model_id(model("m1")), b->model_id(model("m1")));
  ASSERT_NE(a->input_id("k1", {}, ""), b->input_id("k1", {}, ""));

  auto out = Store::open(fresh_path("out.db"));
  merge_into(*out, a->path());
  MergeSummary s = merge_into(*out, b->path());
  std::multiset<std::string> expected =
      set_union(predictions_by_natural_key(*a), predictions_by_natural_key(*b));
  // Keep one of each natural key: b's (ref@cpu:O0, k2, repetition 1) is also in a.
  std::set<std::string> unique(expected.begin(), expected.end());
  std::multiset<std::string> merged = predictions_by_natural_key(*out);
  EXPECT_EQ(merged, std::multiset<std::string>(unique.begin(), unique.end()));
  EXPECT_EQ(s.predictions_present, 1);
  EXPECT_EQ(s.predictions_added, b->prediction_count() - 1);
  EXPECT_EQ(out->prediction_count(), a->prediction_count() + b->prediction_count() - 1);
  EXPECT_EQ(s.models, 1);   // m0
  EXPECT_EQ(s.mutants, 0);  // the same (model, op, position)

  // Best status: done beats crashed/hung; done beats pending.
  std::map<std::string, std::string> runs = runs_by_natural_key(*out);
  EXPECT_EQ(runs.at("sha-m1|ref@cpu:O0|0"), "done");  // a done, b crashed
  EXPECT_EQ(runs.at("sha-m1|ort@cpu:O3|0"), "done");  // a pending, b done
  EXPECT_EQ(runs.at("sha-m1|ref@cpu:O0|1"), "done");  // mutant: a done, b hung
  EXPECT_EQ(runs.at("sha-m0|ort@cpu:O3|0"), "done");
  EXPECT_EQ(runs.size(), 4u);
  EXPECT_EQ(s.runs_improved, 1);

  // Merging the same inputs again changes nothing.
  MergeSummary again = merge_into(*out, b->path());
  merge_into(*out, a->path());
  EXPECT_EQ(again.predictions_added, 0);
  EXPECT_EQ(again.runs_added + again.runs_improved + again.models + again.inputs, 0);
  EXPECT_EQ(predictions_by_natural_key(*out), merged);
  EXPECT_EQ(runs_by_natural_key(*out), runs);
}

TEST(StoreMerge, FailureBeatsPendingAndDoneIsKept) {
  auto a = make_store("a.db", {{{"m"}, {"ref@cpu:O0"}, {"k0"}, {0}, RunStatus::kPending},
                               {{"m"}, {"ref@cpu:O1"}, {"k0"}, {0}, RunStatus::kDone}});
  auto b = make_store("b.db", {{{"m"}, {"ref@cpu:O0"}, {"k1"}, {0}, RunStatus::kFailed},
                               {{"m"}, {"ref@cpu:O1"}, {"k1"}, {0}, RunStatus::kPending}});
  auto out = Store::open(fresh_path("out.db"));
  merge_into(*out, a->path());
  merge_into(*out, b->path());
  std::map<std::string, std::string> runs = runs_by_natural_key(*out);
  EXPECT_EQ(runs.at("sha-m|ref@cpu:O0|0"), "failed");
  EXPECT_EQ(runs.at("sha-m|ref@cpu:O1|0"), "done");
}

// Every capture and value of a store by natural keys, ids left out.
std::multiset<std::string> intermediates_by_natural_key(Store& store) {
  sql::Statement select(store.database(),
                        "SELECT m.sha256, e.spec, i.dataset_key, c.repetition, c.outcome, "
                        "c.message, coalesce(v.name, '-'), coalesce(v.node, '-'), "
                        "coalesce(v.op, '-'), coalesce(v.node_index, -1), coalesce(v.dtype, '-'), "
                        "coalesce(v.dims, '-'), coalesce(hex(v.data), '-') "
                        "FROM intermediate_captures c JOIN runs r ON r.id = c.run_id "
                        "JOIN models m ON m.id = r.model_id "
                        "JOIN environments e ON e.id = r.env_id "
                        "JOIN inputs i ON i.id = c.input_id "
                        "LEFT JOIN intermediates v ON v.run_id = c.run_id AND "
                        "v.input_id = c.input_id AND v.repetition = c.repetition");
  std::multiset<std::string> rows;
  while (select.step()) {
    std::string row;
    for (int col = 0; col < 13; ++col) row += select.column_text(col) + "|";
    rows.insert(row);
  }
  return rows;
}

// Captures for inputs `keys` of a store's run (model m, ref@cpu:O0), made in the store's own id
// order.
void add_captures(Store& store, const std::vector<std::string>& keys, const std::string& outcome) {
  int64_t run = store.run_id(store.model_id(model("m")), store.environment_id("ref@cpu:O0"), 0);
  for (const std::string& key : keys) {
    CaptureRecord c = capture(run, store.input_id(key, 1, "src-" + key), 0);
    // Values follow from the key, so both stores agree on a shared capture.
    c.values[0].value = Tensor::of<float>({1}, {static_cast<float>(std::stoi(key.substr(1)))});
    if (outcome != "ok") {
      c.values.clear();
      c.outcome = outcome;
      c.message = "died";
    }
    store.insert_captures({c});
  }
}

TEST(StoreMerge, IntermediatesMergeOnceWithRemappedIdsAndTheFirstCaptureStays) {
  auto a = make_store("a.db", {{{"m"}, {"ref@cpu:O0"}, {"k0", "k1"}}});
  add_captures(*a, {"k0", "k1"}, "ok");
  auto b = make_store("b.db", {{{"x", "m"}, {"ort@cpu:O3", "ref@cpu:O0"}, {"k3", "k2", "k1"}}});
  add_captures(*b, {"k2", "k1"}, "crashed");  // k1 is also in a, captured well there
  add_captures(*b, {"k3"}, "ok");
  ASSERT_NE(a->input_id("k1", {}, ""), b->input_id("k1", {}, ""));

  auto out = Store::open(fresh_path("out.db"));
  MergeSummary first = merge_into(*out, a->path());
  EXPECT_EQ(first.captures_added, 2);
  EXPECT_EQ(first.intermediates_added, 2 * 6);
  EXPECT_EQ(intermediates_by_natural_key(*out), intermediates_by_natural_key(*a));
  MergeSummary second = merge_into(*out, b->path());
  EXPECT_EQ(second.captures_added, 2);  // k2 (failed, no values) and k3
  EXPECT_EQ(second.captures_present, 1);
  EXPECT_EQ(second.intermediates_added, 6);
  std::multiset<std::string> want = intermediates_by_natural_key(*a);
  for (const std::string& row : intermediates_by_natural_key(*b))
    if (row.find("|k1|") == std::string::npos) want.insert(row);
  std::multiset<std::string> merged = intermediates_by_natural_key(*out);
  EXPECT_EQ(merged, want);
  EXPECT_EQ(out->intermediate_count(), 3 * 6);
  MergeSummary again = merge_into(*out, b->path());
  merge_into(*out, a->path());
  EXPECT_EQ(again.captures_added + again.intermediates_added, 0);
  EXPECT_EQ(intermediates_by_natural_key(*out), merged);
}

TEST(StoreMerge, MergingAStoreIntoItselfIsRefused) {
  auto out = make_store("out.db", {{{"m"}, {"ref@cpu:O0"}, {"k0"}}});
  EXPECT_THROW(merge_into(*out, out->path()), UserError);
  EXPECT_EQ(out->prediction_count(), 1);
}

using nnd::testing::CliResult;
using nnd::testing::run_cli;

TEST(StoreMerge, CliMergesShardsAndRejectsABadInputInOneLine) {
  std::string a_path, b_path;
  std::multiset<std::string> expected;
  {
    auto a = make_store("a.db", {{{"m"}, {"ref@cpu:O0"}, {"k0", "k1"}}});
    auto b = make_store("b.db", {{{"m"}, {"ref@cpu:O0"}, {"k1", "k2"}}});
    a_path = a->path();
    b_path = b->path();
    std::multiset<std::string> all =
        set_union(predictions_by_natural_key(*a), predictions_by_natural_key(*b));
    std::set<std::string> unique(all.begin(), all.end());
    expected = std::multiset<std::string>(unique.begin(), unique.end());
  }
  std::string out_path = fresh_path("out.db");
  CliResult ok = run_cli("merge " + out_path + " " + a_path + " " + b_path);
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find(b_path + ": +1 predictions (1 already there)"), std::string::npos)
      << ok.out;
  EXPECT_NE(ok.out.find(out_path + ": 1 runs, 3 predictions"), std::string::npos) << ok.out;
  EXPECT_EQ(predictions_by_natural_key(*Store::open_read_only(out_path)), expected);

  std::string bad = testing::write_file("bad.db", std::string(2048, 'z'));
  std::string untouched = fresh_path("untouched.db");
  CliResult r = run_cli("merge " + untouched + " " + a_path + " " + bad);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(r.out.starts_with("nndelta: error: " + bad + ": not an nndelta store")) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_FALSE(std::filesystem::exists(untouched));
}

}  // namespace
}  // namespace nnd::campaign
