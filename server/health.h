// health.h: whether the Worker's disks leave room to take new files ("not healthy" in the Service
// API): the spool's file system and the root file system must each be at most
// `health.max_disk_usage_percent` full, as sysinfo reports them (percent_used).
//
// healthy() sits on every upload, so statvfs runs at most once a second; in between, the last
// answer is given. Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

namespace worker {

// Percent of the file system holding `path` in use, as df counts it (blocks reserved for root are
// not usable), or 0 when it cannot be read.
double percent_used(const std::string& path);

class DiskHealth {
 public:
  DiskHealth(std::string scratch_dir, int64_t max_usage_percent)
      : scratch_dir_(std::move(scratch_dir)), max_usage_percent_(max_usage_percent) {}

  bool healthy() const;

 private:
  const std::string scratch_dir_;
  const int64_t max_usage_percent_;
  // When the disks were last looked at (steady clock, ms; 0: never) and what was found. Two
  // threads may both look when the second expires: harmless, they find the same.
  mutable std::atomic<int64_t> checked_ms_{0};
  mutable std::atomic<bool> healthy_{true};
};

}  // namespace worker
