// store_ids.cpp: where task ids start. tasks.id is AUTOINCREMENT, so SQLite keeps the largest id
// ever given in sqlite_sequence and never reuses one; raising that record moves the next id up.
#include "store.h"
#include "store_sql.h"

namespace worker {

bool Store::start_task_ids_at(int64_t first, std::string& error) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  Tx tx(*writer_);
  // sqlite_sequence has no key: a row exists once the first task was inserted, so update it if it
  // is there and lower, else add it. A store already past `first` keeps going from where it is.
  StmtScope update(writer_->prepare("UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'tasks' AND seq < ?1"));
  StmtScope insert(writer_->prepare(
      "INSERT INTO sqlite_sequence (name, seq) SELECT 'tasks', ?1 "
      "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'tasks')"));
  if (!tx.ok() || !update || !insert) {
    error = "setting the first task id: " + writer_->error();
    return false;
  }
  sqlite3_bind_int64(update.get(), 1, first - 1);
  sqlite3_bind_int64(insert.get(), 1, first - 1);
  if (sqlite3_step(update.get()) != SQLITE_DONE || sqlite3_step(insert.get()) != SQLITE_DONE || !tx.commit()) {
    error = "setting the first task id: " + writer_->error();
    return false;
  }
  return true;
}

}  // namespace worker
