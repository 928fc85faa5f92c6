// retro_hunt.h: local retro hunting -- the current YARA rules run over every stored sample
// (sample_store.h) in the background, while live analysis goes on.
//
// One hunt at a time. START records a hunt (STARTING), counts the samples first submitted up to
// that instant (what the hunt covers), and turns RUNNING; hunt threads then take the samples in
// SHA-256 order, a page from the store at a time, and run assay_scan_rules_fd over each: the rules
// only, over the sample and everything unpacked from it, because an archive's members are where rules
// usually match (and a full analysis would hash, identify and render for nothing). Each (sample,
// ruleset, rule) that matches is recorded once per hunt. A hunt ends COMPLETED when every sample is
// done, or STOPPED by STOP; the last state, times, user names and counts stay in the store with a
// bounded history of earlier hunts.
//
// Yielding to live uploads: hunt threads run under SCHED_IDLE, so an analysis thread that wants a
// core gets it at once, and they also pause while tasks wait in the analysis queue.
//
// Durability: the hunt's row records a cursor, the SHA-256 up to which every sample is done (moved
// on as each page completes), with the count done. A Worker stopped or killed mid-hunt finds the hunt
// STARTING or RUNNING at the next start and resumes it from the cursor (retro_hunt.resume_on_start,
// the default; samples after the cursor may be scanned twice, their matches are kept once), or
// records it STOPPED; it is never left RUNNING with nothing running it.
//
// Thread-safety: every public method may be called from any thread. recover() before start(),
// shutdown() once at the end.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "assay.h"
#include "store.h"

namespace worker {

struct App;
class SampleStore;

class RetroHunt {
 public:
  RetroHunt(App& app, SampleStore& samples);
  ~RetroHunt() { shutdown(); }
  RetroHunt(const RetroHunt&) = delete;
  RetroHunt& operator=(const RetroHunt&) = delete;

  // At start: an unfinished hunt is kept to resume (start() resumes it), or recorded STOPPED.
  void recover();
  // Resumes the hunt recover() kept, if any. Call once the analysis threads run.
  void start();
  // The Worker stops: hunt threads put down their samples; a running hunt stays RUNNING in the
  // store with its cursor, for the next start.
  void shutdown();

  enum class StartOutcome { Started, AlreadyRunning, StoreOff, Failed };
  StartOutcome start_hunt(const std::optional<std::string>& username);
  // Stops the running hunt and waits until its threads have put down their samples. Returns the
  // newest hunt's state afterwards (a hunt that was not running keeps its state), nullopt when no
  // hunt was ever recorded.
  std::optional<std::string> stop_hunt(const std::optional<std::string>& username);

  // The newest hunts, newest first, at most `limit`; a running hunt's `processed` is the live count.
  std::vector<HuntRow> status(size_t limit);

 private:
  struct Batch {
    std::vector<SampleRow> samples;
    size_t handed_out = 0;
    size_t done = 0;
  };
  struct Item {
    uint64_t batch;  // sequence number of its batch
    SampleRow sample;
  };

  void launch(HuntRow hunt);       // mutex_ held; starts the coordinator
  void coordinate();               // the coordinator thread: counts, runs the hunt threads, ends the hunt
  void hunt_thread();              // one hunt thread
  std::optional<Item> next_item();
  void complete(const Item& item);
  void wait_for_live_work();       // pauses while the analysis queue holds tasks
  bool save(const HuntRow& hunt);  // logs a failure
  bool stopping() const;

  App& app_;
  SampleStore& samples_;

  mutable std::mutex mutex_;       // everything below
  std::condition_variable changed_;
  bool running_ = false;           // a coordinator is working on current_
  bool stop_requested_ = false;    // STOP: end as STOPPED, at stop_ms_, by stop_username_
  int64_t stop_ms_ = 0;
  std::optional<std::string> stop_username_;
  bool shutting_down_ = false;     // the Worker stops: leave the hunt RUNNING
  bool failed_ = false;            // a store error: end as STOPPED
  std::optional<HuntRow> resume_;  // kept by recover() for start()
  HuntRow current_;
  std::deque<Batch> batches_;      // handed out but not all done, oldest first
  uint64_t first_batch_ = 0;       // sequence number of batches_.front()
  std::string fetched_after_;      // the last SHA-256 fetched from the store
  bool exhausted_ = false;         // no more samples to fetch
  std::thread coordinator_;

  std::atomic<int64_t> processed_{0};  // live count of the running hunt
};

// An ISO 8601 UTC time with microseconds, as the seed shows them: "2019-05-13T16:02:35.209000+00:00".
std::string iso_time(int64_t unix_ms);

}  // namespace worker
