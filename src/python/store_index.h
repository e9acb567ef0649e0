#pragma once
// What every row of a long table refers to, read once: runs (model, environment, mutant) and
// inputs (dataset key, label), with the codes their categorical columns use.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "campaign/sqlite.h"

namespace nnd::python {

struct RunIndex {
  std::vector<std::string> models, environments;  // categories, in order of first appearance
  std::unordered_map<int64_t, size_t> row_of;     // run id -> position below
  std::vector<int32_t> model_code, environment_code;
  std::vector<int64_t> mutant_id;
};
RunIndex read_run_index(campaign::sql::Database& db);

struct InputIndex {
  std::vector<std::string> keys;              // categories: every input, by id
  std::unordered_map<int64_t, int32_t> code;  // input id -> position in keys
  std::vector<int64_t> label;
  std::vector<uint8_t> label_missing;
};
InputIndex read_input_index(campaign::sql::Database& db);

// Codes for the distinct texts of a column (outcomes, messages): few, however long the table.
class TextCodes {
 public:
  int32_t code(std::string_view text);
  const std::vector<std::string>& categories() const { return categories_; }

 private:
  std::unordered_map<std::string, int32_t> codes_;
  std::vector<std::string> categories_;
};

// Holds the connection's mutex for a whole read: each sqlite3 call of the loop would otherwise lock
// and unlock it, millions of times for a long table. Nested, those calls only count.
class HoldConnection {
 public:
  explicit HoldConnection(sqlite3* db) : mutex_(sqlite3_db_mutex(db)) {
    sqlite3_mutex_enter(mutex_);
  }
  ~HoldConnection() { sqlite3_mutex_leave(mutex_); }
  HoldConnection(const HoldConnection&) = delete;
  HoldConnection& operator=(const HoldConnection&) = delete;

 private:
  sqlite3_mutex* mutex_;
};

}  // namespace nnd::python
