// sample_store.cpp: see sample_store.h.
#include "sample_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "log.h"
#include "spool.h"

namespace worker {
namespace {

constexpr size_t kEvictPage = 64;
constexpr const char* kTempPrefix = ".tmp-";

bool make_dir(const std::string& path, std::string& error) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void sync_dir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// Copies `from` into a new file `to` (O_EXCL); fsyncs it when `durable`.
bool copy_file(const std::string& from, const std::string& to, bool durable, std::string& error) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    error = "cannot open " + from + ": " + std::strerror(errno);
    return false;
  }
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    error = "cannot create " + to + ": " + std::strerror(errno);
    ::close(in);
    return false;
  }
  std::vector<char> buffer(256 * 1024);
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    if (!write_all(out, buffer.data(), static_cast<size_t>(n))) {
      ok = false;
      break;
    }
  }
  if (ok && durable && ::fsync(out) != 0) ok = false;
  if (!ok) error = "cannot copy " + from + " to " + to + ": " + std::strerror(errno);
  ::close(in);
  if (::close(out) != 0) ok = false;
  if (!ok) ::unlink(to.c_str());
  return ok;
}

}  // namespace

bool is_sha256_hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

SampleStore::SampleStore(const SampleStoreConfig& config, Store& store, std::string dir, bool durable)
    : config_(config), store_(store), dir_(std::move(dir)), durable_(durable) {}

std::string SampleStore::path_of(const std::string& sha256) const {
  return dir_ + "/" + sha256.substr(0, 2) + "/" + sha256;
}

bool SampleStore::init(std::string& error) {
  if (!enabled()) return true;
  if (!make_dir(dir_, error)) return false;
  // Files without a row: left by a crash between linking a file and recording it, or between
  // deleting a row and its file; temporary copies a crash interrupted.
  size_t orphans = 0;
  if (DIR* top = ::opendir(dir_.c_str())) {
    while (const dirent* sub = ::readdir(top)) {
      const std::string prefix = sub->d_name;
      if (prefix == "." || prefix == "..") continue;
      const std::string sub_dir = dir_ + "/" + prefix;
      DIR* d = ::opendir(sub_dir.c_str());
      if (d == nullptr) continue;
      while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const bool ours = is_sha256_hex(name) && name.compare(0, 2, prefix) == 0;
        if ((!ours || !store_.sample_known(name)) && ::unlink((sub_dir + "/" + name).c_str()) == 0) ++orphans;
      }
      ::closedir(d);
    }
    ::closedir(top);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  total_bytes_ = store_.sample_bytes();
  const size_t evicted = evict_locked(now_ms());
  log_line("sample store " + dir_ + ": " + std::to_string(total_bytes_) + " bytes kept; removed " +
           std::to_string(orphans) + " orphaned file(s), evicted " + std::to_string(evicted) + " sample(s)");
  return true;
}

void SampleStore::start() {
  if (!enabled()) return;
  sweeper_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(sweeper_mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(config_.sweep_interval_ms), [this] { return stopping_; })) {
      lock.unlock();
      enforce_budgets(now_ms());
      lock.lock();
    }
  });
}

void SampleStore::stop() {
  {
    std::lock_guard<std::mutex> lock(sweeper_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
}

void SampleStore::keep(const assay_report* report, const std::string& path, const std::string& file_name,
                       int64_t now) {
  if (!enabled() || report == nullptr) return;
  assay_object_info root{};
  root.struct_size = sizeof root;
  if (assay_report_object_info(report, 0, &root) != ASSAY_OK || root.sha256 == nullptr) return;
  keep(root.sha256, static_cast<int64_t>(root.size), path, file_name, now);
}

bool SampleStore::keep(const std::string& sha256, int64_t size, const std::string& path, const std::string& file_name,
                       int64_t now) {
  if (!enabled()) return false;
  if (!is_sha256_hex(sha256)) return false;
  if (size < 0 || static_cast<uint64_t>(size) > config_.max_bytes) {
    log_line("sample " + sha256 + " not kept: larger than sample_store.max_bytes");
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    const std::string target = path_of(sha256);
    std::string error;
    struct stat st{};
    if (::stat(target.c_str(), &st) != 0 && !place_file(path, target, error)) {
      log_line("sample " + sha256 + " not kept: " + error);
      return false;
    }
    bool is_new = false;
    store_.note_sample(sha256, size, file_name, now, is_new);
    if (is_new) total_bytes_ += size;
    evict_locked(now);
    return true;
  } catch (const std::exception& e) {
    log_line("sample " + sha256 + " not kept: " + e.what());
    return false;
  }
}

bool SampleStore::place_file(const std::string& from, const std::string& to, std::string& error) {
  const std::string sub_dir = to.substr(0, to.rfind('/'));
  if (!make_dir(sub_dir, error)) return false;
  // A hard link is atomic and shares the spooled bytes; the spool then deletes only its own name.
  if (::link(from.c_str(), to.c_str()) == 0 || errno == EEXIST) {
    if (durable_) sync_dir(sub_dir);
    return true;
  }
  // Another file system (or one without links): a copy under a temporary name, renamed into place,
  // so the final name never shows a partial file.
  const std::string temp = sub_dir + "/" + kTempPrefix + to.substr(to.rfind('/') + 1);
  ::unlink(temp.c_str());
  if (!copy_file(from, temp, durable_, error)) return false;
  if (::rename(temp.c_str(), to.c_str()) != 0) {
    error = "cannot rename " + temp + ": " + std::strerror(errno);
    ::unlink(temp.c_str());
    return false;
  }
  if (durable_) sync_dir(sub_dir);
  return true;
}

size_t SampleStore::enforce_budgets(int64_t now) {
  if (!enabled()) return 0;
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    return evict_locked(now);
  } catch (const std::exception& e) {
    log_line(std::string("sample store eviction: ") + e.what());
    return 0;
  }
}

size_t SampleStore::evict_locked(int64_t now) {
  const int64_t oldest_allowed = now - config_.max_age_s * 1000;
  size_t evicted = 0;
  for (;;) {
    const std::vector<SampleRow> page = store_.least_recent_samples(kEvictPage);
    size_t taken = 0;
    for (const SampleRow& row : page) {
      const bool over_size = total_bytes_ > 0 && static_cast<uint64_t>(total_bytes_) > config_.max_bytes;
      if (!over_size && row.last_submitted_ms >= oldest_allowed) break;
      // The row first: a crash after it leaves a file without a row, which init() removes.
      store_.delete_sample(row.sha256);
      if (is_sha256_hex(row.sha256)) ::unlink(path_of(row.sha256).c_str());
      total_bytes_ -= row.size;
      ++taken;
    }
    evicted += taken;
    if (taken < kEvictPage) break;
  }
  return evicted;
}

}  // namespace worker
