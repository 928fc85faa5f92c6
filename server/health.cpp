// health.cpp: see health.h.
#include "health.h"

#include <sys/statvfs.h>

#include <chrono>
#include <cstdio>

#include "log.h"

namespace worker {
namespace {

constexpr int64_t kRecheckMs = 1000;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string percent_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", v);
  return buffer;
}

}  // namespace

double percent_used(const std::string& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0 || s.f_blocks == 0) return 0;
  const double total = static_cast<double>(s.f_blocks);
  const double used = total - static_cast<double>(s.f_bfree);
  const double usable = used + static_cast<double>(s.f_bavail);
  return usable > 0 ? 100.0 * used / usable : 0;
}

bool DiskHealth::healthy() const {
  const int64_t now = steady_ms();
  const int64_t checked = checked_ms_.load(std::memory_order_acquire);
  if (checked != 0 && now - checked < kRecheckMs) return healthy_.load(std::memory_order_relaxed);
  const double scratch = percent_used(scratch_dir_);
  const double root = percent_used("/");
  const double limit = static_cast<double>(max_usage_percent_);
  const bool healthy = scratch <= limit && root <= limit;
  // Logged when the state changes, since the answer to clients is only "not healthy".
  if (healthy_.exchange(healthy, std::memory_order_relaxed) != healthy) {
    log_line(std::string(healthy ? "healthy again" : "not healthy") + ": scratch space " + percent_text(scratch) +
             " used, root " + percent_text(root) + " used, limit " + std::to_string(max_usage_percent_) +
             "% (health.max_disk_usage_percent)");
  }
  checked_ms_.store(now, std::memory_order_release);
  return healthy;
}

}  // namespace worker
