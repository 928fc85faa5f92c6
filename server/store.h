// store.h: the durable task store (SQLite, WAL).
//
// Every task state lives here, and every transition is one SQL transaction, so whatever instant the
// process dies at, a task is in exactly one state: queued (its file is in the spool), running
// (claimed by an analysis thread; `attempts` counts claims), done (the report is stored), failed or
// cancelled (with the reason in `error`). A restart (recover()) sends running tasks back to the
// queue once, and fails them with a reason the second time.
//
// Writes go through one connection behind a mutex: SQLite allows a single writer anyway, and an
// in-process mutex hands the lock over at once where SQLite's busy handler would sleep for
// milliseconds. Reads use a small pool of their own connections, which WAL lets run beside the
// writer.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config.h"

namespace worker {

int64_t now_ms();

// A connection and its cached prepared statements. One thread at a time.
class Db {
 public:
  ~Db();
  static std::unique_ptr<Db> open(const std::string& path, bool writer, bool durable, std::string& error);
  sqlite3* handle() const { return db_; }
  // The cached statement for `sql` (a string literal: cached by address), reset and unbound.
  sqlite3_stmt* prepare(const char* sql);
  bool exec(const char* sql, std::string& error);
  std::string error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_ = nullptr;
  std::vector<std::pair<const char*, sqlite3_stmt*>> statements_;
};

struct NewTask {
  std::string source;  // "upload" or "url"
  std::string spool_name;  // upload: the spooled file's name in the spool directory
  std::string file_name;   // the report's root name
  std::string url;         // url: what to download, the expected hash, extra request headers (JSON)
  std::string url_hash;
  std::string url_headers;
  std::string filter_token;  // X-TiScale-Token without "Token "
  std::optional<std::string> custom_data;  // valid JSON text
  std::optional<std::string> user_data;
  std::string direct_sender;
  std::string forwarded_for;  // JSON array text
  uint64_t size = 0;
};

struct ClaimedTask {
  int64_t id = 0;
  int attempts = 0;
  int64_t submitted_ms = 0;
  std::string source, spool_name, file_name, url, url_hash, url_headers;
  std::optional<std::string> user_data;  // for the callback when the task ends
};

enum class TaskState { Queued, Running, Done, Failed, Cancelled };

struct TaskRecord {
  int64_t id = 0;
  TaskState state = TaskState::Queued;
  int64_t submitted_ms = 0;
  std::optional<int64_t> processed_ms;
  std::string direct_sender;
  std::string forwarded_for;  // JSON array text
  std::optional<std::string> custom_data;
  std::string error;
  std::vector<uint8_t> report;  // assay_report_save bytes, when done
};

struct TaskSummary {
  int64_t id = 0;
  int64_t submitted_ms = 0;
  std::optional<int64_t> processed_ms;
};

struct Recovery {
  std::vector<int64_t> queued;              // to run, oldest first
  std::vector<int64_t> retried;             // were running: queued again (second attempt)
  std::vector<int64_t> failed;              // were running on their second attempt: failed
  std::vector<std::string> spool_to_delete; // files of the failed ones
};

struct SweepResult {
  int64_t cancelled = 0;
  int64_t expired = 0;
  std::vector<std::string> spool_to_delete;
};

// One counter's value in one statistics bucket (stats.h); the bucket is named by its start time.
struct StatRow {
  int64_t bucket_start_ms = 0;
  std::string name;
  int64_t value = 0;
};

// A sample kept by the sample store (sample_store.h), content-addressed by SHA-256 (lower-case hex).
// The row lives as long as the stored file: an evicted sample that comes back starts a new row.
struct SampleRow {
  std::string sha256;
  std::string file_name;  // the latest submission's file name (a hunt's `filename` external), never a path
  int64_t size = 0;
  int64_t first_submitted_ms = 0;
  int64_t last_submitted_ms = 0;
};

// One local retro hunt (retro_hunt.h). `state` is the API's word: STARTING, RUNNING, COMPLETED,
// STOPPED. `cursor` is where an interrupted hunt resumes: every sample whose SHA-256 sorts at or
// before it is done, and `processed` counts them ("" before the first batch is done).
struct HuntRow {
  int64_t id = 0;
  std::string state;
  int64_t started_ms = 0;
  std::optional<int64_t> stopped_ms;
  std::optional<std::string> started_username, stopped_username;
  int64_t samples = 0;
  int64_t processed = 0;
  std::string cursor;
};

// A rule that matched a stored sample during a hunt.
struct MatchRow {
  std::string sha256, ruleset, rule;
  int64_t hunt_id = 0;
  int64_t hunt_started_ms = 0;
};

class Store {
 public:
  static std::unique_ptr<Store> open(const std::string& path, bool durable, std::string& error);

  // Accepts a task (state queued) and returns its id; 0 on failure (message in `error`).
  int64_t insert(const NewTask& task, int64_t now, std::string& error);
  // queued -> running; nullopt when the task is gone or no longer queued (deleted, cancelled).
  std::optional<ClaimedTask> claim(int64_t id, int64_t now);
  // running -> done with the report; false when the task was deleted meanwhile.
  bool finish(int64_t id, const uint8_t* report, size_t length, int64_t now);
  // queued or running -> failed with `reason`.
  bool fail(int64_t id, const std::string& reason, int64_t now);
  // running -> queued without counting the attempt (a clean shutdown that could not wait).
  bool requeue(int64_t id);

  // Visible (not expired) tasks only; the limits decide what has expired.
  std::optional<TaskRecord> get(int64_t id, int64_t now, const RetentionConfig& limits);
  std::vector<TaskSummary> list(int64_t now, int64_t min_age_s, const std::optional<std::string>& token,
                                const RetentionConfig& limits);
  // Deletes one task; false when unknown. `spool` receives the file to delete (queued tasks only: a
  // running task's file is deleted by its analysis thread).
  bool remove(int64_t id, std::string& spool);
  // Deletes tasks submitted at least `age_s` seconds ago; returns how many.
  int64_t remove_older(int64_t now, int64_t age_s, std::vector<std::string>& spool);

  Recovery recover(int64_t now);
  SweepResult sweep(int64_t now, const RetentionConfig& limits);
  std::vector<std::string> referenced_spool_names();
  int64_t count_state(TaskState state);

  // Task ids (store_ids.cpp): makes the next new task's id at least `first` (never lowers it), so
  // the Workers of a fleet number their tasks in disjoint ranges and an id names its Worker.
  bool start_task_ids_at(int64_t first, std::string& error);

  // Run-time settings (store_settings.cpp): nullopt when unset; put_setting false on a write error.
  std::optional<std::string> get_setting(const std::string& key);
  bool put_setting(const std::string& key, const std::string& value);

  // Statistics buckets (store_stats.cpp). load_stats: every row of the buckets that start at or
  // after `since_ms`. save_stats: writes `rows` (replacing the values stored for the same bucket
  // and name) and deletes the buckets that start before `prune_before_ms`, in one transaction.
  std::vector<StatRow> load_stats(int64_t since_ms);
  bool save_stats(const std::vector<StatRow>& rows, int64_t prune_before_ms, std::string& error);

  // The sample store's rows (store_retro.cpp, schema version 4). note_sample: a submission of
  // `sha256` at `now` -- a new row (`is_new` true) or last_submitted and file_name moved on. Throws
  // on a store error, like every sample and hunt query but insert_hunt, save_hunt and add_matches.
  void note_sample(const std::string& sha256, int64_t size, const std::string& file_name, int64_t now, bool& is_new);
  std::vector<SampleRow> least_recent_samples(size_t limit);  // oldest last submission first
  void delete_sample(const std::string& sha256);
  bool sample_known(const std::string& sha256);
  int64_t sample_bytes();  // the sum of every row's size
  // A hunt's work: samples first submitted at or before `submitted_by_ms`, in SHA-256 order, after `after`.
  // Rows carry sha256 and file_name only.
  std::vector<SampleRow> sample_page(const std::string& after, int64_t submitted_by_ms, size_t limit);
  int64_t count_samples(int64_t submitted_by_ms);

  // Retro hunts and their matches (store_retro.cpp). insert_hunt returns the new id (0 on error);
  // save_hunt writes every field but id and started_ms. hunts(): newest first.
  int64_t insert_hunt(const HuntRow& hunt);
  bool save_hunt(const HuntRow& hunt);
  std::vector<HuntRow> hunts(size_t limit);
  // Records (ruleset, rule) pairs that matched `sha256` in hunt `hunt_id` (a pair already recorded
  // is kept once).
  bool add_matches(int64_t hunt_id, const std::string& sha256,
                   const std::vector<std::pair<std::string, std::string>>& matches);
  // One page of matches, newest hunt first, then by SHA-256, ruleset and rule; `total` counts all.
  // `hunt_id` 0: every hunt's.
  std::vector<MatchRow> matches(int64_t hunt_id, int64_t offset, int64_t limit, int64_t& total);
  // Deletes all but the newest `keep` hunts, with their matches.
  void prune_hunts(int64_t keep);

 private:
  // A reader connection, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(Store& store, std::unique_ptr<Db> db) : store_(store), db_(std::move(db)) {}
    ~Lease();
    Db* operator->() const { return db_.get(); }
    Db& operator*() const { return *db_; }

   private:
    Store& store_;
    std::unique_ptr<Db> db_;
  };
  Lease reader();

  std::string path_;
  bool durable_ = false;
  std::mutex write_mutex_;
  std::unique_ptr<Db> writer_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Db>> readers_;
};

const char* state_name(TaskState state);

}  // namespace worker
