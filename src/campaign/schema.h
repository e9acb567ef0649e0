#pragma once
// The store's schema and its migrations (docs/store.md). PRAGMA user_version is the schema
// version; PRAGMA application_id marks the file as an nndelta store.
#include <cstdint>

#include "campaign/sqlite.h"

namespace nnd::campaign::schema {

inline constexpr int64_t kApplicationId = 0x6E6E6474;  // "nndt"

// The version this build writes: that of the last migration step.
int64_t current_version();

// Checks that the file is an nndelta store this build can read, or a new empty database.
// Writable: creates the schema or migrates an older one to current_version(), each step in its
// own transaction. Read-only: the store must already be at current_version() (Store::open_read_only
// migrates an older one in an in-memory copy first).
// Anything else (not a database, another application's database, a newer schema) is a UserError
// naming the file.
void prepare(sql::Database& db, bool writable);

// Whether the file is an nndelta store of an older schema (which prepare() would migrate).
bool is_older(sql::Database& db);

}  // namespace nnd::campaign::schema
