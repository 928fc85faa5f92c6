// store_retro.cpp: the sample store's rows and the local retro hunts with their matches (schema
// version 4; see store.h, sample_store.h and retro_hunt.h). Reads throw std::runtime_error on a
// store error, like the statistics queries; writes take the writer mutex like every other write.
#include <stdexcept>

#include "store.h"
#include "store_sql.h"

namespace worker {
namespace {

[[noreturn]] void store_error(Db& db, const char* what) { throw std::runtime_error(std::string(what) + ": " + db.error()); }

HuntRow read_hunt(sqlite3_stmt* s) {
  HuntRow h;
  h.id = sqlite3_column_int64(s, 0);
  h.state = column_text(s, 1);
  h.started_ms = sqlite3_column_int64(s, 2);
  h.stopped_ms = column_optional_int(s, 3);
  h.started_username = column_optional(s, 4);
  h.stopped_username = column_optional(s, 5);
  h.samples = sqlite3_column_int64(s, 6);
  h.processed = sqlite3_column_int64(s, 7);
  h.cursor = column_text(s, 8);
  return h;
}

}  // namespace

void Store::note_sample(const std::string& sha256, int64_t size, const std::string& file_name, int64_t now,
                        bool& is_new) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope insert(writer_->prepare(
      "INSERT INTO samples (sha256, size, first_submitted_ms, last_submitted_ms, file_name) VALUES (?1, ?2, ?3, ?3, ?4) "
      "ON CONFLICT (sha256) DO NOTHING"));
  if (!insert) store_error(*writer_, "recording a sample");
  bind_text(insert.get(), 1, sha256);
  sqlite3_bind_int64(insert.get(), 2, size);
  sqlite3_bind_int64(insert.get(), 3, now);
  bind_text(insert.get(), 4, file_name);
  if (sqlite3_step(insert.get()) != SQLITE_DONE) store_error(*writer_, "recording a sample");
  is_new = sqlite3_changes(writer_->handle()) > 0;
  if (is_new) return;
  StmtScope update(writer_->prepare(
      "UPDATE samples SET last_submitted_ms = MAX(last_submitted_ms, ?2), file_name = ?3 WHERE sha256 = ?1"));
  if (!update) store_error(*writer_, "recording a sample");
  bind_text(update.get(), 1, sha256);
  sqlite3_bind_int64(update.get(), 2, now);
  bind_text(update.get(), 3, file_name);
  if (sqlite3_step(update.get()) != SQLITE_DONE) store_error(*writer_, "recording a sample");
}

std::vector<SampleRow> Store::least_recent_samples(size_t limit) {
  Lease db = reader();
  StmtScope s(db->prepare(
      "SELECT sha256, size, first_submitted_ms, last_submitted_ms FROM samples ORDER BY last_submitted_ms, sha256 "
      "LIMIT ?1"));
  if (!s) store_error(*db, "listing samples");
  sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(limit));
  std::vector<SampleRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    SampleRow row;
    row.sha256 = column_text(s.get(), 0);
    row.size = sqlite3_column_int64(s.get(), 1);
    row.first_submitted_ms = sqlite3_column_int64(s.get(), 2);
    row.last_submitted_ms = sqlite3_column_int64(s.get(), 3);
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) store_error(*db, "listing samples");
  return rows;
}

void Store::delete_sample(const std::string& sha256) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare("DELETE FROM samples WHERE sha256 = ?1"));
  if (!s) store_error(*writer_, "deleting a sample");
  bind_text(s.get(), 1, sha256);
  if (sqlite3_step(s.get()) != SQLITE_DONE) store_error(*writer_, "deleting a sample");
}

bool Store::sample_known(const std::string& sha256) {
  Lease db = reader();
  StmtScope s(db->prepare("SELECT 1 FROM samples WHERE sha256 = ?1"));
  if (!s) store_error(*db, "looking up a sample");
  bind_text(s.get(), 1, sha256);
  const int rc = sqlite3_step(s.get());
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) store_error(*db, "looking up a sample");
  return rc == SQLITE_ROW;
}

int64_t Store::sample_bytes() {
  Lease db = reader();
  StmtScope s(db->prepare("SELECT COALESCE(SUM(size), 0) FROM samples"));
  if (!s || sqlite3_step(s.get()) != SQLITE_ROW) store_error(*db, "summing samples");
  return sqlite3_column_int64(s.get(), 0);
}

std::vector<SampleRow> Store::sample_page(const std::string& after, int64_t submitted_by_ms, size_t limit) {
  Lease db = reader();
  StmtScope s(db->prepare(
      "SELECT sha256, file_name FROM samples WHERE sha256 > ?1 AND first_submitted_ms <= ?2 ORDER BY sha256 LIMIT ?3"));
  if (!s) store_error(*db, "listing samples");
  bind_text(s.get(), 1, after);
  sqlite3_bind_int64(s.get(), 2, submitted_by_ms);
  sqlite3_bind_int64(s.get(), 3, static_cast<int64_t>(limit));
  std::vector<SampleRow> page;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    SampleRow row;
    row.sha256 = column_text(s.get(), 0);
    row.file_name = column_text(s.get(), 1);
    page.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) store_error(*db, "listing samples");
  return page;
}

int64_t Store::count_samples(int64_t submitted_by_ms) {
  Lease db = reader();
  StmtScope s(db->prepare("SELECT COUNT(*) FROM samples WHERE first_submitted_ms <= ?1"));
  if (!s) store_error(*db, "counting samples");
  sqlite3_bind_int64(s.get(), 1, submitted_by_ms);
  if (sqlite3_step(s.get()) != SQLITE_ROW) store_error(*db, "counting samples");
  return sqlite3_column_int64(s.get(), 0);
}

int64_t Store::insert_hunt(const HuntRow& h) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "INSERT INTO retro_hunts (state, started_ms, started_username, samples, processed, cursor) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  if (!s) return 0;
  bind_text(s.get(), 1, h.state);
  sqlite3_bind_int64(s.get(), 2, h.started_ms);
  bind_optional(s.get(), 3, h.started_username);
  sqlite3_bind_int64(s.get(), 4, h.samples);
  sqlite3_bind_int64(s.get(), 5, h.processed);
  bind_text(s.get(), 6, h.cursor);
  if (sqlite3_step(s.get()) != SQLITE_DONE) return 0;
  return sqlite3_last_insert_rowid(writer_->handle());
}

bool Store::save_hunt(const HuntRow& h) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "UPDATE retro_hunts SET state = ?2, stopped_ms = ?3, stopped_username = ?4, samples = ?5, processed = ?6, "
      "cursor = ?7 WHERE id = ?1"));
  if (!s) return false;
  sqlite3_bind_int64(s.get(), 1, h.id);
  bind_text(s.get(), 2, h.state);
  if (h.stopped_ms) sqlite3_bind_int64(s.get(), 3, *h.stopped_ms);
  else sqlite3_bind_null(s.get(), 3);
  bind_optional(s.get(), 4, h.stopped_username);
  sqlite3_bind_int64(s.get(), 5, h.samples);
  sqlite3_bind_int64(s.get(), 6, h.processed);
  bind_text(s.get(), 7, h.cursor);
  return sqlite3_step(s.get()) == SQLITE_DONE;
}

std::vector<HuntRow> Store::hunts(size_t limit) {
  Lease db = reader();
  StmtScope s(db->prepare(
      "SELECT id, state, started_ms, stopped_ms, started_username, stopped_username, samples, processed, cursor "
      "FROM retro_hunts ORDER BY id DESC LIMIT ?1"));
  if (!s) store_error(*db, "listing retro hunts");
  sqlite3_bind_int64(s.get(), 1, static_cast<int64_t>(limit));
  std::vector<HuntRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) rows.push_back(read_hunt(s.get()));
  if (rc != SQLITE_DONE) store_error(*db, "listing retro hunts");
  return rows;
}

bool Store::add_matches(int64_t hunt_id, const std::string& sha256,
                        const std::vector<std::pair<std::string, std::string>>& matches) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  Tx tx(*writer_);
  if (!tx.ok()) return false;
  for (const auto& [ruleset, rule] : matches) {
    StmtScope s(writer_->prepare(
        "INSERT OR IGNORE INTO retro_matches (hunt_id, sha256, ruleset, rule) VALUES (?1, ?2, ?3, ?4)"));
    if (!s) return false;
    sqlite3_bind_int64(s.get(), 1, hunt_id);
    bind_text(s.get(), 2, sha256);
    bind_text(s.get(), 3, ruleset);
    bind_text(s.get(), 4, rule);
    if (sqlite3_step(s.get()) != SQLITE_DONE) return false;
  }
  return tx.commit();
}

std::vector<MatchRow> Store::matches(int64_t hunt_id, int64_t offset, int64_t limit, int64_t& total) {
  Lease db = reader();
  StmtScope count(db->prepare("SELECT COUNT(*) FROM retro_matches WHERE ?1 = 0 OR hunt_id = ?1"));
  if (!count) store_error(*db, "counting retro hunt matches");
  sqlite3_bind_int64(count.get(), 1, hunt_id);
  if (sqlite3_step(count.get()) != SQLITE_ROW) store_error(*db, "counting retro hunt matches");
  total = sqlite3_column_int64(count.get(), 0);
  StmtScope s(db->prepare(
      "SELECT m.sha256, m.ruleset, m.rule, m.hunt_id, h.started_ms FROM retro_matches m "
      "JOIN retro_hunts h ON h.id = m.hunt_id WHERE ?1 = 0 OR m.hunt_id = ?1 "
      "ORDER BY m.hunt_id DESC, m.sha256, m.ruleset, m.rule LIMIT ?3 OFFSET ?2"));
  if (!s) store_error(*db, "listing retro hunt matches");
  sqlite3_bind_int64(s.get(), 1, hunt_id);
  sqlite3_bind_int64(s.get(), 2, offset);
  sqlite3_bind_int64(s.get(), 3, limit);
  std::vector<MatchRow> rows;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    rows.push_back({column_text(s.get(), 0), column_text(s.get(), 1), column_text(s.get(), 2),
                    sqlite3_column_int64(s.get(), 3), sqlite3_column_int64(s.get(), 4)});
  }
  if (rc != SQLITE_DONE) store_error(*db, "listing retro hunt matches");
  return rows;
}

void Store::prune_hunts(int64_t keep) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  StmtScope s(writer_->prepare(
      "DELETE FROM retro_hunts WHERE id NOT IN (SELECT id FROM retro_hunts ORDER BY id DESC LIMIT ?1)"));
  if (!s) store_error(*writer_, "pruning retro hunts");
  sqlite3_bind_int64(s.get(), 1, keep);
  if (sqlite3_step(s.get()) != SQLITE_DONE) store_error(*writer_, "pruning retro hunts");
}

}  // namespace worker
