#pragma once
// A thin RAII layer over the sqlite3 C API: a connection, prepared statements, transactions.
// Errors name the database file. A failure of the file or its contents (not a database, corrupt,
// read-only, disk full, locked) is a UserError; misuse of the API (a bad bind index, a violated
// constraint such as a foreign key) is our bug and an InternalError.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace nnd::campaign::sql {

class Statement;

class Database {
 public:
  enum class Access { kReadWrite, kReadOnly };
  // kReadWrite creates the file when missing; kReadOnly requires it to exist.
  Database(const std::string& path, Access access);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements that return no rows (schema scripts, pragmas that set).
  void exec(std::string_view sql);
  // The first column of the first row of a query that takes no parameters.
  int64_t query_int(std::string_view sql);
  int64_t last_insert_rowid() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const;
  const std::string& path() const { return path_; }
  // The primary result code and message of the last failed call.
  int error_code() const;
  std::string error_message() const;
  sqlite3* handle() const { return db_; }
  // A private in-memory copy (sqlite's online backup), named like this one in messages: a reader
  // can migrate an older store there without writing to its file.
  std::unique_ptr<Database> in_memory_copy() const;
  // Throws the error that `rc` stands for, with sqlite's message and what we were doing.
  [[noreturn]] void raise(int rc, std::string_view doing) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// A prepared statement, meant to be prepared once and reused. Parameters are numbered from 1,
// result columns from 0, as in sqlite.
class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);  // copied by sqlite
  Statement& bind(int index, std::optional<int64_t> value);
  Statement& bind_null(int index);
  // The bytes are not copied: they must stay alive and unchanged until the next step().
  Statement& bind_blob(int index, std::string_view bytes);

  // Runs to the next row: true when a row is ready to read, false when done.
  bool step();
  // Steps a statement that returns no rows.
  void run();
  // Ready to run again, with every parameter unbound.
  void reset();

  bool is_null(int column) const;
  int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::string_view column_blob(int column) const;  // valid until the next step/reset

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends, so that no statement keeps a read transaction open,
// whether it ran to the end or an exception left it half way.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& statement) : statement_(statement) {}
  ~ResetOnExit() { statement_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& statement_;
};

// BEGIN IMMEDIATE (takes the write lock at once, so a writer never fails half way on a lock
// upgrade); rolls back when destroyed without commit().
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace nnd::campaign::sql
