// retention.cpp: see retention.h.
#include "retention.h"

#include <chrono>
#include <string>

#include "app.h"
#include "log.h"

namespace worker {

void Sweeper::sweep_once() {
  try {
    const SweepResult r = app_.store.sweep(now_ms(), app_.config.retention);
    for (const std::string& name : r.spool_to_delete) app_.spool.remove(name);
    if (r.cancelled > 0 || r.expired > 0) {
      log_line("retention: cancelled " + std::to_string(r.cancelled) + " task(s) past the unprocessed task limit, " +
               "removed " + std::to_string(r.expired) + " expired task(s)");
    }
  } catch (const std::exception& e) {
    log_line(std::string("retention: sweep failed: ") + e.what());
  }
}

void Sweeper::start() {
  thread_ = std::thread([this] {
    const auto interval = std::chrono::milliseconds(app_.config.retention.sweep_interval_ms);
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      if (wake_.wait_for(lock, interval, [&] { return stopping_; })) break;
      lock.unlock();
      sweep_once();
      lock.lock();
    }
  });
}

void Sweeper::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace worker
