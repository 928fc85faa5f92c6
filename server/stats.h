// stats.h: the Worker's processing statistics (GET /srv/tiscale/v1/stats), over rolling windows.
//
// Every counter is kept per bucket of time (a minute by default, `stats.bucket_ms`). A window of N
// minutes is the current bucket plus the N buckets before it, so an event is counted in "1m" for one
// to two minutes after it happened, never less than a minute. The mean queue size is the sum of
// the queue-size samples over the number of samples in the window's buckets.
//
// Recording is in memory (a mutex and an addition, no I/O), so it can sit on every request. A
// background thread samples the analysis queue about once a second and writes the buckets changed
// since the last write to the store every `stats.flush_interval_ms`, and once more at stop(), so a
// restart keeps the day; a crash loses at most one flush interval. Buckets older than a day are
// dropped, from memory and from the store.
//
// Thread-safety: every method may be called from any thread. start() and stop() once each, from
// the thread that owns the Worker's start and stop.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "config.h"
#include "store.h"

namespace worker {

// The counters. The names in stats.cpp are those of the stats answer and of the store's rows; the
// two queue entries are the raw material of mean_queue_size and are not shown as such.
enum class Counter : size_t {
  UploadSuccess,          // upload and submit-url answered 200
  UploadFailure,          // upload and submit-url answered anything else
  FilesSubmitted,         // tasks accepted
  BytesSubmitted,         // their bytes (submit-url: counted when the download completes)
  FilesProcessed,         // analyses that produced a report
  BytesProcessed,
  FilesUnpacked,          // objects found inside the processed files (the report's non-root objects)
  BytesUnpacked,
  FileProcessingFailure,  // tasks that failed (download or analysis)
  GeneralUserFailure,     // every 4xx answer
  GeneralServiceFailure,  // every 5xx answer
  NotAvailable,           // uploads and submit-urls refused because the Worker is not healthy
  CallbackSuccess,        // reports delivered to the callback server
  CallbackFailure,
  QueueSizeSum,           // sum of the analysis queue's size over the samples taken
  QueueSamples,           // number of samples taken
};
inline constexpr size_t kCounterCount = static_cast<size_t>(Counter::QueueSamples) + 1;

// The name of a counter in the stats answer and in the store.
const char* counter_name(Counter counter);

// The rolling windows: their names and their length in buckets.
inline constexpr size_t kWindowCount = 5;
inline constexpr std::array<const char*, kWindowCount> kWindowNames = {"1m", "10m", "1h", "8h", "1d"};
inline constexpr std::array<int64_t, kWindowCount> kWindowBuckets = {1, 10, 60, 480, 1440};

// Every counter summed over every window.
struct StatsSnapshot {
  std::array<std::array<int64_t, kWindowCount>, kCounterCount> sums{};
  int64_t get(Counter counter, size_t window) const { return sums[static_cast<size_t>(counter)][window]; }
  // mean_queue_size of a window; 0 when no sample was taken in it.
  double mean_queue_size(size_t window) const;
};

class Stats {
 public:
  Stats(Store& store, const StatsConfig& config);
  ~Stats();
  Stats(const Stats&) = delete;
  Stats& operator=(const Stats&) = delete;

  // Reads the last day's buckets from the store. False with `error` set when it cannot.
  bool load(std::string& error);

  // Adds `amount` to a counter in the current bucket. Cheap (a mutex, no I/O): fine on every request.
  void record(Counter counter, int64_t amount = 1);

  StatsSnapshot snapshot() const;

  // Starts the thread that samples `queue_size` and writes to the store.
  void start(std::function<int64_t()> queue_size);
  // Stops that thread and writes what is left. Safe to call more than once (later calls do nothing),
  // or without start() (then nothing is written).
  void stop();
  // Writes the buckets changed since the last write and drops those older than a day. False with
  // `error` set when the store refused (the buckets stay marked, to be written next time).
  bool flush(std::string& error);

 private:
  struct Bucket {
    std::array<int64_t, kCounterCount> values{};
    bool dirty = false;
  };
  int64_t bucket_start(int64_t now) const { return now - ((now % bucket_ms_) + bucket_ms_) % bucket_ms_; }
  // Buckets starting before this are older than the longest window (a day).
  int64_t oldest_kept(int64_t now) const;
  void add_locked(Counter counter, int64_t amount);  // with mutex_ held
  void run();

  Store& store_;
  const int64_t bucket_ms_;
  const int64_t flush_interval_ms_;

  mutable std::mutex mutex_;      // guards buckets_ and the current-bucket cache
  std::map<int64_t, Bucket> buckets_;  // by start time (Unix ms)
  int64_t current_start_ = INT64_MIN;  // the bucket record() wrote to last, so most records skip the map lookup
  Bucket* current_ = nullptr;

  std::mutex flush_mutex_;        // one flush at a time (the thread's and stop()'s)
  std::function<int64_t()> queue_size_;
  std::thread thread_;
  std::mutex thread_mutex_;       // guards stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace worker
