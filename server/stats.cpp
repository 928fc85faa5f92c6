// stats.cpp: see stats.h.
#include "stats.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "log.h"

namespace worker {
namespace {

// In the order of enum class Counter. The names are stored in the database: never rename one.
constexpr std::array<const char*, kCounterCount> kCounterNames = {
    "upload_success",          "upload_failure",        "files_submitted",  "bytes_submitted",
    "files_processed",         "bytes_processed",       "files_unpacked",   "bytes_unpacked",
    "file_processing_failure", "general_user_failure",  "general_service_failure",
    "not_available",           "callback_success",      "callback_failure", "queue_size_sum",
    "queue_samples",
};
static_assert(kCounterNames.back() != nullptr, "a counter has no name");

}  // namespace

const char* counter_name(Counter counter) { return kCounterNames[static_cast<size_t>(counter)]; }

double StatsSnapshot::mean_queue_size(size_t window) const {
  const int64_t samples = get(Counter::QueueSamples, window);
  return samples > 0 ? static_cast<double>(get(Counter::QueueSizeSum, window)) / static_cast<double>(samples) : 0.0;
}

Stats::Stats(Store& store, const StatsConfig& config)
    : store_(store), bucket_ms_(config.bucket_ms), flush_interval_ms_(config.flush_interval_ms) {}

Stats::~Stats() { stop(); }

int64_t Stats::oldest_kept(int64_t now) const { return bucket_start(now) - kWindowBuckets.back() * bucket_ms_; }

bool Stats::load(std::string& error) {
  std::vector<StatRow> rows;
  try {
    rows = store_.load_stats(oldest_kept(now_ms()));
  } catch (const std::exception& e) {
    error = std::string("reading the statistics: ") + e.what();
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (const StatRow& row : rows) {
    const auto found = std::find_if(kCounterNames.begin(), kCounterNames.end(),
                                    [&](const char* name) { return row.name == name; });
    if (found == kCounterNames.end()) continue;  // written by a newer Worker: not ours to show
    // Keyed by the stored start even when `stats.bucket_ms` has changed since: windows select
    // buckets by start time, so an unaligned bucket is still counted where it belongs.
    buckets_[row.bucket_start_ms].values[static_cast<size_t>(found - kCounterNames.begin())] = row.value;
  }
  return true;
}

void Stats::record(Counter counter, int64_t amount) {
  std::lock_guard<std::mutex> lock(mutex_);
  add_locked(counter, amount);
}

void Stats::add_locked(Counter counter, int64_t amount) {
  const int64_t start = bucket_start(now_ms());
  if (current_ == nullptr || start != current_start_) {
    current_ = &buckets_[start];
    current_start_ = start;
  }
  current_->values[static_cast<size_t>(counter)] += amount;
  current_->dirty = true;
}

StatsSnapshot Stats::snapshot() const {
  StatsSnapshot out;
  const int64_t now = now_ms();
  const int64_t current = bucket_start(now);
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = buckets_.lower_bound(oldest_kept(now)); it != buckets_.end(); ++it) {
    for (size_t w = 0; w < kWindowCount; ++w) {
      if (it->first < current - kWindowBuckets[w] * bucket_ms_) continue;
      for (size_t c = 0; c < kCounterCount; ++c) out.sums[c][w] += it->second.values[c];
    }
  }
  return out;
}

bool Stats::flush(std::string& error) {
  std::lock_guard<std::mutex> flushing(flush_mutex_);
  const int64_t prune_before = oldest_kept(now_ms());
  std::vector<StatRow> rows;
  std::vector<int64_t> written;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = buckets_.begin(); it != buckets_.end() && it->first < prune_before;) {
      if (&it->second == current_) current_ = nullptr;
      it = buckets_.erase(it);
    }
    for (auto& [start, bucket] : buckets_) {
      if (!bucket.dirty) continue;
      bucket.dirty = false;
      written.push_back(start);
      for (size_t c = 0; c < kCounterCount; ++c) {
        // Counters only grow, so a zero was never written and needs no row.
        if (bucket.values[c] != 0) rows.push_back({start, kCounterNames[c], bucket.values[c]});
      }
    }
  }
  // Outside the lock: records go on while the database writes. A bucket changed meanwhile is
  // dirty again and its newer (absolute) values are written next time.
  if (store_.save_stats(rows, prune_before, error)) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  for (int64_t start : written) {
    const auto it = buckets_.find(start);
    if (it != buckets_.end()) it->second.dirty = true;
  }
  return false;
}

void Stats::start(std::function<int64_t()> queue_size) {
  queue_size_ = std::move(queue_size);
  thread_ = std::thread([this] { run(); });
}

void Stats::run() {
  // About once a second, and at least ten times per bucket when buckets are short (tests), so each
  // window's mean rests on several samples.
  const auto sample_every = std::chrono::milliseconds(std::clamp<int64_t>(bucket_ms_ / 10, 10, 1000));
  const auto flush_every = std::chrono::milliseconds(flush_interval_ms_);
  // Woken for whichever comes first, so a write interval shorter than the sampling one is kept.
  const auto tick = std::min<std::chrono::milliseconds>(sample_every, std::max<std::chrono::milliseconds>(flush_every, std::chrono::milliseconds(10)));
  auto last_flush = std::chrono::steady_clock::now();
  auto last_sample = last_flush;
  bool failing = false;  // log a failing store once, not every interval
  std::unique_lock<std::mutex> lock(thread_mutex_);
  while (!wake_.wait_for(lock, tick, [&] { return stopping_; })) {
    lock.unlock();
    if (std::chrono::steady_clock::now() - last_sample >= sample_every) {
      last_sample = std::chrono::steady_clock::now();
      const int64_t size = queue_size_ ? queue_size_() : 0;
      // Both or neither: a snapshot between them would see a sum without its sample.
      std::lock_guard<std::mutex> buckets_lock(mutex_);
      add_locked(Counter::QueueSizeSum, size);
      add_locked(Counter::QueueSamples, 1);
    }
    if (std::chrono::steady_clock::now() - last_flush >= flush_every) {
      last_flush = std::chrono::steady_clock::now();
      std::string error;
      const bool ok = flush(error);
      if (!ok && !failing) log_line("stats: cannot write the statistics: " + error);
      failing = !ok;
    }
    lock.lock();
  }
}

void Stats::stop() {
  {
    std::lock_guard<std::mutex> lock(thread_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  // Never started (a start-up that ended early, --print-routes): nothing to write, and the store
  // is left untouched.
  if (!thread_.joinable()) return;
  thread_.join();
  std::string error;
  if (!flush(error)) log_line("stats: cannot write the statistics: " + error);
}

}  // namespace worker
