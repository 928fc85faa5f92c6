// store.cpp: connections, pragmas, the schema and its migrations, the reader pool.
// The task queries themselves are in store_tasks.cpp.
#include "store.h"

#include <chrono>

#include "store_sql.h"

namespace worker {
namespace {

// Schema versions, applied in order; PRAGMA user_version records how many ran. A released
// migration is never edited: a change is a new entry, so a database of any age opens.
const char* const kMigrations[] = {
    // 1: tasks. Times are Unix milliseconds (the API shows seconds). AUTOINCREMENT so that an id is
    // never reused after its task is deleted: an old task_url must not start pointing at a new task.
    R"sql(
    CREATE TABLE tasks (
      id            INTEGER PRIMARY KEY AUTOINCREMENT,
      state         TEXT NOT NULL CHECK (state IN ('queued','running','done','failed','cancelled')),
      source        TEXT NOT NULL CHECK (source IN ('upload','url')),
      submitted_ms  INTEGER NOT NULL,
      started_ms    INTEGER,
      processed_ms  INTEGER,
      attempts      INTEGER NOT NULL DEFAULT 0,
      spool_name    TEXT,
      file_name     TEXT NOT NULL DEFAULT '',
      size          INTEGER NOT NULL DEFAULT 0,
      url           TEXT,
      url_hash      TEXT,
      url_headers   TEXT,
      filter_token  TEXT,
      custom_data   TEXT,
      user_data     TEXT,
      direct_sender TEXT NOT NULL DEFAULT '',
      forwarded_for TEXT NOT NULL DEFAULT '[]',
      error         TEXT,
      report        BLOB
    );
    CREATE INDEX tasks_by_state ON tasks (state, id);
    CREATE INDEX tasks_by_submitted ON tasks (submitted_ms);
    CREATE INDEX tasks_by_token ON tasks (filter_token) WHERE filter_token IS NOT NULL;
    )sql",
    // 2: settings the API changes at run time (operating mode, machine id, applied license).
    R"sql(
    CREATE TABLE settings (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    )sql",
    // 3: the Service API statistics: per-bucket counters (stats.h), so a restart keeps the day.
    // Only non-zero counters have a row; a bucket is named by its start (Unix milliseconds).
    R"sql(
    CREATE TABLE stats (
      bucket_start_ms INTEGER NOT NULL,
      name            TEXT NOT NULL,
      value           INTEGER NOT NULL,
      PRIMARY KEY (bucket_start_ms, name)
    ) WITHOUT ROWID;
    )sql",
    // 4: the sample store (one row per kept file, content-addressed), local retro hunts and their
    // matches (retro_hunt.h). A hunt's matches go with it when old hunts are pruned.
    R"sql(
    CREATE TABLE samples (
      sha256             TEXT PRIMARY KEY,
      file_name          TEXT NOT NULL DEFAULT '',
      size               INTEGER NOT NULL,
      first_submitted_ms INTEGER NOT NULL,
      last_submitted_ms  INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX samples_by_last_submitted ON samples (last_submitted_ms);
    CREATE TABLE retro_hunts (
      id               INTEGER PRIMARY KEY AUTOINCREMENT,
      state            TEXT NOT NULL CHECK (state IN ('STARTING','RUNNING','COMPLETED','STOPPED')),
      started_ms       INTEGER NOT NULL,
      stopped_ms       INTEGER,
      started_username TEXT,
      stopped_username TEXT,
      samples          INTEGER NOT NULL DEFAULT 0,
      processed        INTEGER NOT NULL DEFAULT 0,
      cursor           TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE retro_matches (
      hunt_id INTEGER NOT NULL REFERENCES retro_hunts (id) ON DELETE CASCADE,
      sha256  TEXT NOT NULL,
      ruleset TEXT NOT NULL,
      rule    TEXT NOT NULL,
      PRIMARY KEY (hunt_id, sha256, ruleset, rule)
    ) WITHOUT ROWID;
    )sql",
};

}  // namespace

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Db::~Db() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  if (db_ != nullptr) sqlite3_close(db_);
}

std::unique_ptr<Db> Db::open(const std::string& path, bool writer, bool durable, std::string& error) {
  auto db = std::unique_ptr<Db>(new Db());
  const int flags = SQLITE_OPEN_READWRITE | (writer ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db->db_, flags, nullptr) != SQLITE_OK) {
    error = "cannot open " + path + ": " + (db->db_ != nullptr ? sqlite3_errmsg(db->db_) : "out of memory");
    return nullptr;
  }
  // Waiting on another process's lock (an external sqlite3 shell) rather than failing at once.
  sqlite3_busy_timeout(db->db_, 5000);
  // WAL: readers never block the writer nor each other. synchronous NORMAL keeps every committed
  // transaction across a process crash (kill -9) without an fsync per commit; FULL adds the fsync
  // that survives a power loss too.
  if (writer && !db->exec("PRAGMA journal_mode=WAL", error)) return nullptr;
  if (!db->exec(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", error)) return nullptr;
  if (!db->exec("PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY", error)) return nullptr;
  return db;
}

sqlite3_stmt* Db::prepare(const char* sql) {
  for (auto& [text, stmt] : statements_) {
    if (text == sql) {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      return stmt;
    }
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) return nullptr;
  statements_.emplace_back(sql, stmt);
  return stmt;
}

bool Db::exec(const char* sql, std::string& error) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    error = message != nullptr ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return false;
  }
  return true;
}

Tx::Tx(Db& db) : db_(db) {
  std::string error;
  ok_ = db_.exec("BEGIN IMMEDIATE", error);
}

Tx::~Tx() {
  if (ok_ && !committed_) {
    std::string error;
    db_.exec("ROLLBACK", error);
  }
}

bool Tx::commit() {
  std::string error;
  committed_ = ok_ && db_.exec("COMMIT", error);
  return committed_;
}

std::unique_ptr<Store> Store::open(const std::string& path, bool durable, std::string& error) {
  auto store = std::unique_ptr<Store>(new Store());
  store->path_ = path;
  store->durable_ = durable;
  store->writer_ = Db::open(path, true, durable, error);
  if (!store->writer_) return nullptr;
  Db& db = *store->writer_;

  sqlite3_stmt* version_stmt = db.prepare("PRAGMA user_version");
  int version = 0;
  if (version_stmt != nullptr && sqlite3_step(version_stmt) == SQLITE_ROW) version = sqlite3_column_int(version_stmt, 0);
  if (version_stmt != nullptr) sqlite3_reset(version_stmt);
  const int latest = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);
  if (version > latest) {
    error = path + " has schema version " + std::to_string(version) + ", newer than this Worker knows (" +
            std::to_string(latest) + ")";
    return nullptr;
  }
  for (int v = version; v < latest; ++v) {
    Tx tx(db);
    const std::string bump = "PRAGMA user_version=" + std::to_string(v + 1);
    if (!tx.ok() || !db.exec(kMigrations[v], error) || !db.exec(bump.c_str(), error) || !tx.commit()) {
      error = "migrating " + path + " to schema version " + std::to_string(v + 1) + ": " + error;
      return nullptr;
    }
  }
  return store;
}

Store::Lease::~Lease() {
  std::lock_guard<std::mutex> lock(store_.pool_mutex_);
  store_.readers_.push_back(std::move(db_));
}

Store::Lease Store::reader() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!readers_.empty()) {
      std::unique_ptr<Db> db = std::move(readers_.back());
      readers_.pop_back();
      return Lease(*this, std::move(db));
    }
  }
  std::string error;
  std::unique_ptr<Db> db = Db::open(path_, false, durable_, error);
  if (!db) throw std::runtime_error("cannot open a reader connection: " + error);
  return Lease(*this, std::move(db));
}

const char* state_name(TaskState state) {
  switch (state) {
    case TaskState::Queued: return "queued";
    case TaskState::Running: return "running";
    case TaskState::Done: return "done";
    case TaskState::Failed: return "failed";
    case TaskState::Cancelled: return "cancelled";
  }
  return "queued";
}

}  // namespace worker
