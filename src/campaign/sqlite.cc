#include "campaign/sqlite.h"

#include <sqlite3.h>

#include <filesystem>

#include "core/error.h"

namespace nnd::campaign::sql {

namespace {

// Codes that mean our code used sqlite wrongly, as opposed to a problem with the file.
bool is_our_bug(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_MISUSE || primary == SQLITE_RANGE || primary == SQLITE_CONSTRAINT ||
         primary == SQLITE_MISMATCH;
}

}  // namespace

Database::Database(const std::string& path, Access access) : path_(path) {
  if (access == Access::kReadOnly && !std::filesystem::exists(path))
    fail("{}: no such store file", path);
  int flags = access == Access::kReadOnly ? SQLITE_OPEN_READONLY
                                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    fail("{}: cannot open the store: {}", path, message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() { sqlite3_close(db_); }

std::unique_ptr<Database> Database::in_memory_copy() const {
  auto copy = std::make_unique<Database>(":memory:", Access::kReadWrite);
  copy->path_ = path_;
  sqlite3_backup* backup = sqlite3_backup_init(copy->db_, "main", db_, "main");
  if (!backup) copy->raise(sqlite3_errcode(copy->db_), "copying the store into memory");
  const int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) raise(rc, "copying the store into memory");
  return copy;
}

void Database::raise(int rc, std::string_view doing) const {
  std::string message = sqlite3_errmsg(db_);
  if (message == "not an error") message = sqlite3_errstr(rc);
  if (is_our_bug(rc))
    NND_CHECK(false, "{}: sqlite error {} ({}) while {}", path_, rc, message, doing);
  fail("{}: {} (while {})", path_, message, doing);
}

void Database::exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) raise(rc, "running '" + text.substr(0, 60) + "'");
}

int64_t Database::query_int(std::string_view sql) {
  Statement statement(*this, sql);
  NND_CHECK(statement.step(), "'{}' returned no row", sql);
  return statement.column_int(0);
}

int Database::error_code() const { return sqlite3_errcode(db_) & 0xff; }

std::string Database::error_message() const { return sqlite3_errmsg(db_); }

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int64_t Database::changes() const { return sqlite3_changes(db_); }

Statement::Statement(Database& db, std::string_view sql) : db_(db) {
  int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) db.raise(rc, "preparing '" + std::string(sql.substr(0, 60)) + "'");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_.raise(rc, "binding an integer");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) db_.raise(rc, "binding a number");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_.raise(rc, "binding a text");
  return *this;
}

Statement& Statement::bind(int index, std::optional<int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) db_.raise(rc, "binding null");
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // sqlite reads a null pointer as NULL; an empty blob must stay an (empty) blob.
  static const char kEmpty = 0;
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                               SQLITE_STATIC);
  if (rc != SQLITE_OK) db_.raise(rc, "binding a blob");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.raise(rc, "running '" + std::string(sqlite3_sql(stmt_)).substr(0, 60) + "'");
}

void Statement::run() {
  bool row = step();
  NND_CHECK(!row, "'{}' returned rows", sqlite3_sql(stmt_));
}

void Statement::reset() {
  // sqlite3_reset repeats the last step's error, which was already reported by step().
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::column_int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::column_double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size)) : "";
}

std::string_view Statement::column_blob(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return bytes ? std::string_view(static_cast<const char*>(bytes), static_cast<size_t>(size))
               : std::string_view();
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  // Errors such as a full disk may already have rolled back; nothing more to do then.
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

}  // namespace nnd::campaign::sql
