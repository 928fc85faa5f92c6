// store_sql.h: small helpers shared by store.cpp and store_tasks.cpp (not part of the Store API).
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>

#include "store.h"

namespace worker {

// BEGIN IMMEDIATE ... COMMIT, rolled back when the scope ends without commit(). IMMEDIATE takes the
// write lock up front, so a transaction that reads then writes can never fail half way with BUSY.
class Tx {
 public:
  explicit Tx(Db& db);
  ~Tx();
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;
  bool ok() const { return ok_; }
  bool commit();

 private:
  Db& db_;
  bool ok_ = false;
  bool committed_ = false;
};

// Resets a cached statement when the scope ends, so it holds no read snapshot and no blob memory.
class StmtScope {
 public:
  explicit StmtScope(sqlite3_stmt* s) : s_(s) {}
  ~StmtScope() {
    if (s_ != nullptr) sqlite3_reset(s_);
  }
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;
  sqlite3_stmt* get() const { return s_; }
  explicit operator bool() const { return s_ != nullptr; }

 private:
  sqlite3_stmt* s_;
};

inline void bind_text(sqlite3_stmt* s, int i, std::string_view v) {
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
inline void bind_optional(sqlite3_stmt* s, int i, const std::optional<std::string>& v) {
  if (v) bind_text(s, i, *v);
  else sqlite3_bind_null(s, i);
}
inline void bind_nonempty(sqlite3_stmt* s, int i, const std::string& v) {
  if (!v.empty()) bind_text(s, i, v);
  else sqlite3_bind_null(s, i);
}
inline std::string column_text(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return p != nullptr ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i))) : std::string();
}
inline std::optional<std::string> column_optional(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return column_text(s, i);
}
inline std::optional<int64_t> column_optional_int(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, i);
}

}  // namespace worker
