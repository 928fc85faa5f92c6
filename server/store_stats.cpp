// store_stats.cpp: the statistics buckets of the Store (schema version 3; see store.h and stats.h).
#include <stdexcept>

#include "store.h"
#include "store_sql.h"

namespace worker {

std::vector<StatRow> Store::load_stats(int64_t since_ms) {
  Lease db = reader();
  StmtScope s(db->prepare("SELECT bucket_start_ms, name, value FROM stats WHERE bucket_start_ms >= ?1"));
  if (!s) throw std::runtime_error("statistics query: " + db->error());
  sqlite3_bind_int64(s.get(), 1, since_ms);
  std::vector<StatRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    rows.push_back({sqlite3_column_int64(s.get(), 0), column_text(s.get(), 1), sqlite3_column_int64(s.get(), 2)});
  }
  if (rc != SQLITE_DONE) throw std::runtime_error("statistics query: " + db->error());
  return rows;
}

bool Store::save_stats(const std::vector<StatRow>& rows, int64_t prune_before_ms, std::string& error) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  Tx tx(*writer_);
  if (!tx.ok()) {
    error = writer_->error();
    return false;
  }
  for (const StatRow& row : rows) {
    StmtScope s(writer_->prepare(
        "INSERT INTO stats (bucket_start_ms, name, value) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (bucket_start_ms, name) DO UPDATE SET value = excluded.value"));
    if (!s) {
      error = writer_->error();
      return false;
    }
    sqlite3_bind_int64(s.get(), 1, row.bucket_start_ms);
    bind_text(s.get(), 2, row.name);
    sqlite3_bind_int64(s.get(), 3, row.value);
    if (sqlite3_step(s.get()) != SQLITE_DONE) {
      error = writer_->error();
      return false;
    }
  }
  StmtScope prune(writer_->prepare("DELETE FROM stats WHERE bucket_start_ms < ?1"));
  if (!prune) {
    error = writer_->error();
    return false;
  }
  sqlite3_bind_int64(prune.get(), 1, prune_before_ms);
  if (sqlite3_step(prune.get()) != SQLITE_DONE || !tx.commit()) {
    error = writer_->error();
    return false;
  }
  return true;
}

}  // namespace worker
