// sample_store.h: processed samples kept on disk for local retro hunting (retro_hunt.h).
//
// Off by default (sample_store.enabled or --sample-store). When on, every file an analysis thread
// processed successfully is kept once, content-addressed by the SHA-256 the engine computed:
// <data_dir>/samples/<first 2 hex digits>/<sha256>. The file on disk is never named after anything a
// client sent; the client's file name is only a column of the `samples` table (a hunt's `filename`
// external). The spooled upload is hard-linked into place before the spool deletes its own name (a
// copy, written to a temporary name and renamed, when a link is impossible), so keeping a sample
// costs no copy on one file system. The table records each sample's size, first and last submission.
//
// Budgets: a sample not submitted again for sample_store.max_age_s is evicted, and when the total
// exceeds sample_store.max_bytes the least recently submitted samples go first. The size budget is
// enforced whenever a sample is kept; the age budget then too, every sweep_interval_ms (a thread of
// its own), at start and when a hunt starts. Eviction deletes the row before the file, and keeping
// links the file before writing the row, so a crash can only leave a file without a row; init()
// deletes those (and any temporary file) at start.
//
// Thread-safety: every method may be called from any thread; keeping and evicting are serialised so
// a sample cannot be kept while its own eviction is half done. start() and stop() once each.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "assay.h"
#include "config.h"
#include "store.h"

namespace worker {

class SampleStore {
 public:
  // `dir`: the samples directory; `durable`: fsync copies and directories (durable_sync).
  SampleStore(const SampleStoreConfig& config, Store& store, std::string dir, bool durable);
  ~SampleStore() { stop(); }
  SampleStore(const SampleStore&) = delete;
  SampleStore& operator=(const SampleStore&) = delete;

  bool enabled() const { return config_.enabled; }

  // Makes the directory, deletes files no row names, loads the byte total and enforces the budgets.
  // Does nothing when disabled. False with `error` set when the directory cannot be used.
  bool init(std::string& error);
  // The age sweeper thread (only when enabled).
  void start();
  void stop();

  // Keeps the analysed file at `path` (the spool file, before it is deleted) as the report's root
  // sample, then enforces the budgets. `file_name` is the submission's file name. Never throws;
  // a failure is logged and the analysis goes on. Nothing happens when disabled.
  void keep(const assay_report* report, const std::string& path, const std::string& file_name, int64_t now);
  // The same with the SHA-256 (64 lower-case hex digits) and size given.
  bool keep(const std::string& sha256, int64_t size, const std::string& path, const std::string& file_name,
            int64_t now);

  // Where a sample's file is (whether or not it exists).
  std::string path_of(const std::string& sha256) const;
  const std::string& dir() const { return dir_; }
  // Evicts what is over the budgets now; returns how many samples went.
  size_t enforce_budgets(int64_t now);

 private:
  size_t evict_locked(int64_t now);  // mutex_ held
  bool place_file(const std::string& from, const std::string& to, std::string& error);  // mutex_ held

  const SampleStoreConfig& config_;
  Store& store_;
  const std::string dir_;
  const bool durable_;
  std::mutex mutex_;         // keeping and evicting; guards total_bytes_
  int64_t total_bytes_ = 0;  // the sum of the rows' sizes
  std::thread sweeper_;
  std::mutex sweeper_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

// True when `s` is 64 lower-case hex digits (a SHA-256 as the engine writes it).
bool is_sha256_hex(const std::string& s);

}  // namespace worker
