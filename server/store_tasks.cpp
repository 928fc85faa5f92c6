// store_tasks.cpp: every task query and state transition of the Store (see store.h).
#include <stdexcept>

#include "store.h"
#include "store_sql.h"

namespace worker {
namespace {

TaskState parse_state(const std::string& s) {
  if (s == "running") return TaskState::Running;
  if (s == "done") return TaskState::Done;
  if (s == "failed") return TaskState::Failed;
  if (s == "cancelled") return TaskState::Cancelled;
  return TaskState::Queued;
}

// What "not yet expired" means, for reads and for the sweeper alike: a report lives for the task
// age limit after processing, a failed or cancelled record for the file age limit, and a task that
// is not finished yet never expires here (the sweeper cancels it instead). ?8 and ?9 are the cutoffs.
void bind_cutoffs(sqlite3_stmt* s, int64_t now, const RetentionConfig& limits) {
  sqlite3_bind_int64(s, 8, now - limits.task_age_limit_s * 1000);
  sqlite3_bind_int64(s, 9, now - limits.file_age_limit_s * 1000);
}

#define VISIBLE_SQL(head, tail) head " AND (state IN ('queued','running') OR (state = 'done' AND processed_ms > ?8) " \
  "OR (state IN ('failed','cancelled') AND processed_ms > ?9))" tail

}  // namespace

int64_t Store::insert(const NewTask& t, int64_t now, std::string& error) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "INSERT INTO tasks (state, source, submitted_ms, spool_name, file_name, size, url, url_hash, url_headers, "
      "filter_token, custom_data, user_data, direct_sender, forwarded_for) "
      "VALUES ('queued', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
  if (!s) {
    error = writer_->error();
    return 0;
  }
  bind_text(s.get(), 1, t.source);
  sqlite3_bind_int64(s.get(), 2, now);
  bind_nonempty(s.get(), 3, t.spool_name);
  bind_text(s.get(), 4, t.file_name);
  sqlite3_bind_int64(s.get(), 5, static_cast<int64_t>(t.size));
  bind_nonempty(s.get(), 6, t.url);
  bind_nonempty(s.get(), 7, t.url_hash);
  bind_nonempty(s.get(), 8, t.url_headers);
  bind_nonempty(s.get(), 9, t.filter_token);
  bind_optional(s.get(), 10, t.custom_data);
  bind_optional(s.get(), 11, t.user_data);
  bind_text(s.get(), 12, t.direct_sender);
  bind_text(s.get(), 13, t.forwarded_for);
  if (sqlite3_step(s.get()) != SQLITE_DONE) {
    error = writer_->error();
    return 0;
  }
  return sqlite3_last_insert_rowid(writer_->handle());
}

std::optional<ClaimedTask> Store::claim(int64_t id, int64_t now) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "UPDATE tasks SET state = 'running', attempts = attempts + 1, started_ms = ?2 "
      "WHERE id = ?1 AND state = 'queued' "
      "RETURNING attempts, submitted_ms, source, spool_name, file_name, url, url_hash, url_headers, user_data"));
  if (!s) return std::nullopt;
  sqlite3_bind_int64(s.get(), 1, id);
  sqlite3_bind_int64(s.get(), 2, now);
  if (sqlite3_step(s.get()) != SQLITE_ROW) return std::nullopt;
  ClaimedTask t;
  t.id = id;
  t.attempts = sqlite3_column_int(s.get(), 0);
  t.submitted_ms = sqlite3_column_int64(s.get(), 1);
  t.source = column_text(s.get(), 2);
  t.spool_name = column_text(s.get(), 3);
  t.file_name = column_text(s.get(), 4);
  t.url = column_text(s.get(), 5);
  t.url_hash = column_text(s.get(), 6);
  t.url_headers = column_text(s.get(), 7);
  t.user_data = column_optional(s.get(), 8);
  // RETURNING rows are produced before the change is final: step to the end to commit it.
  while (sqlite3_step(s.get()) == SQLITE_ROW) {
  }
  return t;
}

bool Store::finish(int64_t id, const uint8_t* report, size_t length, int64_t now) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "UPDATE tasks SET state = 'done', processed_ms = ?2, report = ?3, error = NULL, spool_name = NULL, "
      "url_headers = NULL WHERE id = ?1 AND state = 'running'"));
  if (!s) return false;
  sqlite3_bind_int64(s.get(), 1, id);
  sqlite3_bind_int64(s.get(), 2, now);
  sqlite3_bind_blob64(s.get(), 3, report, length, SQLITE_STATIC);
  return sqlite3_step(s.get()) == SQLITE_DONE && sqlite3_changes(writer_->handle()) == 1;
}

bool Store::fail(int64_t id, const std::string& reason, int64_t now) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "UPDATE tasks SET state = 'failed', processed_ms = ?2, error = ?3, report = NULL, spool_name = NULL, "
      "url_headers = NULL WHERE id = ?1 AND state IN ('queued','running')"));
  if (!s) return false;
  sqlite3_bind_int64(s.get(), 1, id);
  sqlite3_bind_int64(s.get(), 2, now);
  bind_text(s.get(), 3, reason);
  return sqlite3_step(s.get()) == SQLITE_DONE && sqlite3_changes(writer_->handle()) == 1;
}

bool Store::requeue(int64_t id) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "UPDATE tasks SET state = 'queued', attempts = MAX(attempts - 1, 0) WHERE id = ?1 AND state = 'running'"));
  if (!s) return false;
  sqlite3_bind_int64(s.get(), 1, id);
  return sqlite3_step(s.get()) == SQLITE_DONE && sqlite3_changes(writer_->handle()) == 1;
}

std::optional<TaskRecord> Store::get(int64_t id, int64_t now, const RetentionConfig& limits) {
  Lease db = reader();
  StmtScope s(db->prepare(VISIBLE_SQL(
      "SELECT state, submitted_ms, processed_ms, direct_sender, forwarded_for, custom_data, error, report "
      "FROM tasks WHERE id = ?1", "")));
  if (!s) throw std::runtime_error("task query: " + db->error());
  sqlite3_bind_int64(s.get(), 1, id);
  bind_cutoffs(s.get(), now, limits);
  const int rc = sqlite3_step(s.get());
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) throw std::runtime_error("task query: " + db->error());
  TaskRecord r;
  r.id = id;
  r.state = parse_state(column_text(s.get(), 0));
  r.submitted_ms = sqlite3_column_int64(s.get(), 1);
  r.processed_ms = column_optional_int(s.get(), 2);
  r.direct_sender = column_text(s.get(), 3);
  r.forwarded_for = column_text(s.get(), 4);
  r.custom_data = column_optional(s.get(), 5);
  r.error = column_text(s.get(), 6);
  if (const void* blob = sqlite3_column_blob(s.get(), 7)) {
    const auto* p = static_cast<const uint8_t*>(blob);
    r.report.assign(p, p + sqlite3_column_bytes(s.get(), 7));
  }
  return r;
}

std::vector<TaskSummary> Store::list(int64_t now, int64_t min_age_s, const std::optional<std::string>& token,
                                     const RetentionConfig& limits) {
  Lease db = reader();
  StmtScope s(db->prepare(VISIBLE_SQL(
      "SELECT id, submitted_ms, processed_ms FROM tasks WHERE submitted_ms <= ?1 "
      "AND (?2 IS NULL OR filter_token = ?2)", " ORDER BY id")));
  if (!s) throw std::runtime_error("task list: " + db->error());
  sqlite3_bind_int64(s.get(), 1, now - min_age_s * 1000);
  bind_optional(s.get(), 2, token);
  bind_cutoffs(s.get(), now, limits);
  std::vector<TaskSummary> out;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    out.push_back({sqlite3_column_int64(s.get(), 0), sqlite3_column_int64(s.get(), 1),
                   column_optional_int(s.get(), 2)});
  }
  if (rc != SQLITE_DONE) throw std::runtime_error("task list: " + db->error());
  return out;
}

bool Store::remove(int64_t id, std::string& spool) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  Tx tx(*writer_);
  if (!tx.ok()) throw std::runtime_error("delete: " + writer_->error());
  StmtScope find(writer_->prepare("SELECT state, spool_name FROM tasks WHERE id = ?1"));
  sqlite3_bind_int64(find.get(), 1, id);
  if (sqlite3_step(find.get()) != SQLITE_ROW) return false;
  if (column_text(find.get(), 0) == "queued") spool = column_text(find.get(), 1);
  sqlite3_reset(find.get());
  StmtScope del(writer_->prepare("DELETE FROM tasks WHERE id = ?1"));
  sqlite3_bind_int64(del.get(), 1, id);
  if (sqlite3_step(del.get()) != SQLITE_DONE || !tx.commit()) throw std::runtime_error("delete: " + writer_->error());
  return true;
}

int64_t Store::remove_older(int64_t now, int64_t age_s, std::vector<std::string>& spool) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  const int64_t cutoff = now - age_s * 1000;
  Tx tx(*writer_);
  if (!tx.ok()) throw std::runtime_error("delete: " + writer_->error());
  StmtScope find(writer_->prepare(
      "SELECT spool_name FROM tasks WHERE submitted_ms <= ?1 AND state = 'queued' AND spool_name IS NOT NULL"));
  sqlite3_bind_int64(find.get(), 1, cutoff);
  while (sqlite3_step(find.get()) == SQLITE_ROW) spool.push_back(column_text(find.get(), 0));
  sqlite3_reset(find.get());
  StmtScope del(writer_->prepare("DELETE FROM tasks WHERE submitted_ms <= ?1"));
  sqlite3_bind_int64(del.get(), 1, cutoff);
  if (sqlite3_step(del.get()) != SQLITE_DONE) throw std::runtime_error("delete: " + writer_->error());
  const int64_t n = sqlite3_changes(writer_->handle());
  if (!tx.commit()) throw std::runtime_error("delete: " + writer_->error());
  return n;
}

Recovery Store::recover(int64_t now) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  Recovery r;
  Tx tx(*writer_);
  if (!tx.ok()) throw std::runtime_error("recovery: " + writer_->error());
  // A task found running was being analysed when the process died. Its first interruption earns
  // it one more attempt; a second means the file itself may be what kills the process, so it
  // fails with the reason rather than taking the Worker down on every restart.
  StmtScope running(writer_->prepare("SELECT id, attempts, spool_name FROM tasks WHERE state = 'running' ORDER BY id"));
  while (sqlite3_step(running.get()) == SQLITE_ROW) {
    const int64_t id = sqlite3_column_int64(running.get(), 0);
    if (sqlite3_column_int(running.get(), 1) >= 2) {
      r.failed.push_back(id);
      if (sqlite3_column_type(running.get(), 2) != SQLITE_NULL) r.spool_to_delete.push_back(column_text(running.get(), 2));
    } else {
      r.retried.push_back(id);
    }
  }
  sqlite3_reset(running.get());
  StmtScope fail(writer_->prepare(
      "UPDATE tasks SET state = 'failed', processed_ms = ?1, spool_name = NULL, url_headers = NULL, "
      "error = 'analysis was interrupted twice (the Worker stopped while analysing this file); not retried again' "
      "WHERE state = 'running' AND attempts >= 2"));
  sqlite3_bind_int64(fail.get(), 1, now);
  StmtScope retry(writer_->prepare("UPDATE tasks SET state = 'queued' WHERE state = 'running'"));
  StmtScope queued(writer_->prepare("SELECT id FROM tasks WHERE state = 'queued' ORDER BY id"));
  if (sqlite3_step(fail.get()) != SQLITE_DONE || sqlite3_step(retry.get()) != SQLITE_DONE) {
    throw std::runtime_error("recovery: " + writer_->error());
  }
  while (sqlite3_step(queued.get()) == SQLITE_ROW) r.queued.push_back(sqlite3_column_int64(queued.get(), 0));
  sqlite3_reset(queued.get());
  if (!tx.commit()) throw std::runtime_error("recovery: " + writer_->error());
  return r;
}

SweepResult Store::sweep(int64_t now, const RetentionConfig& limits) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  SweepResult r;
  const int64_t unprocessed_cutoff = now - limits.unprocessed_task_limit_s * 1000;
  Tx tx(*writer_);
  if (!tx.ok()) throw std::runtime_error("sweep: " + writer_->error());
  StmtScope stale(writer_->prepare(
      "SELECT spool_name FROM tasks WHERE state = 'queued' AND submitted_ms <= ?1 AND spool_name IS NOT NULL"));
  sqlite3_bind_int64(stale.get(), 1, unprocessed_cutoff);
  while (sqlite3_step(stale.get()) == SQLITE_ROW) r.spool_to_delete.push_back(column_text(stale.get(), 0));
  sqlite3_reset(stale.get());
  StmtScope cancel(writer_->prepare(
      "UPDATE tasks SET state = 'cancelled', processed_ms = ?2, spool_name = NULL, url_headers = NULL, "
      "error = 'cancelled: not processed within the unprocessed task limit (' || ?3 || ' s)' "
      "WHERE state = 'queued' AND submitted_ms <= ?1"));
  sqlite3_bind_int64(cancel.get(), 1, unprocessed_cutoff);
  sqlite3_bind_int64(cancel.get(), 2, now);
  sqlite3_bind_int64(cancel.get(), 3, limits.unprocessed_task_limit_s);
  if (sqlite3_step(cancel.get()) != SQLITE_DONE) throw std::runtime_error("sweep: " + writer_->error());
  r.cancelled = sqlite3_changes(writer_->handle());
  StmtScope expire(writer_->prepare(
      "DELETE FROM tasks WHERE (state = 'done' AND processed_ms <= ?1) "
      "OR (state IN ('failed','cancelled') AND processed_ms <= ?2)"));
  sqlite3_bind_int64(expire.get(), 1, now - limits.task_age_limit_s * 1000);
  sqlite3_bind_int64(expire.get(), 2, now - limits.file_age_limit_s * 1000);
  if (sqlite3_step(expire.get()) != SQLITE_DONE) throw std::runtime_error("sweep: " + writer_->error());
  r.expired = sqlite3_changes(writer_->handle());
  if (!tx.commit()) throw std::runtime_error("sweep: " + writer_->error());
  return r;
}

std::vector<std::string> Store::referenced_spool_names() {
  Lease db = reader();
  StmtScope s(db->prepare("SELECT spool_name FROM tasks WHERE spool_name IS NOT NULL"));
  std::vector<std::string> out;
  while (sqlite3_step(s.get()) == SQLITE_ROW) out.push_back(column_text(s.get(), 0));
  return out;
}

int64_t Store::count_state(TaskState state) {
  Lease db = reader();
  StmtScope s(db->prepare("SELECT count(*) FROM tasks WHERE state = ?1"));
  bind_text(s.get(), 1, state_name(state));
  return sqlite3_step(s.get()) == SQLITE_ROW ? sqlite3_column_int64(s.get(), 0) : 0;
}

}  // namespace worker
