// store_settings.cpp: the key/value settings table (schema version 2).
#include "store.h"
#include "store_sql.h"

namespace worker {

std::optional<std::string> Store::get_setting(const std::string& key) {
  Lease db = reader();
  StmtScope s(db->prepare("SELECT value FROM settings WHERE key = ?1"));
  if (!s) throw std::runtime_error("settings query: " + db->error());
  bind_text(s.get(), 1, key);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) throw std::runtime_error("settings query: " + db->error());
  return column_text(s.get(), 0);
}

bool Store::put_setting(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  if (!s) return false;
  bind_text(s.get(), 1, key);
  bind_text(s.get(), 2, value);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

}  // namespace worker
