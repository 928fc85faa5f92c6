// spool.h: the scratch directory where uploads and downloads wait for analysis.
//
// Names are generated here (random, never from the client's file name), files are created with
// O_EXCL and mode 0600, and every file is deleted after analysis, on failure, on cancellation and on
// deletion of its task. At start, files no task refers to (left by a crash between writing a file
// and recording its task) are deleted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace worker {

class Spool {
 public:
  explicit Spool(std::string dir) : dir_(std::move(dir)) {}

  // Creates the directory if needed. False with `error` set when it cannot be used.
  bool init(std::string& error);
  // A new empty file for writing; returns its fd (-1 with `error` set) and sets `name`. Tasks
  // record the name only, never a path, so the data directory may be moved or spelt differently
  // between runs.
  int create(const char* prefix, std::string& name, std::string& error) const;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // The file a submit-url task downloads into (one per task id; a retry overwrites it).
  static std::string download_name(int64_t task_id);
  // Deletes a spooled file by name; a missing file is not an error.
  void remove(const std::string& name) const;
  // Deletes every file in the directory whose name is not in `keep`; returns how many.
  size_t remove_orphans(const std::vector<std::string>& keep) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// Writes all of `data` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, const char* data, size_t length);

}  // namespace worker
