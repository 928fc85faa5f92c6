// spool.cpp: see spool.h.
#include "spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

namespace worker {

bool Spool::init(std::string& error) {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    error = "cannot create the spool directory " + dir_ + ": " + std::strerror(errno);
    return false;
  }
  struct stat st{};
  if (::stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = dir_ + " is not a directory";
    return false;
  }
  return true;
}

int Spool::create(const char* prefix, std::string& out_name, std::string& error) const {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int attempt = 0; attempt < 8; ++attempt) {
    unsigned char random[12];
    if (RAND_bytes(random, sizeof random) != 1) {
      error = "no random bytes for a spool file name";
      return -1;
    }
    std::string name = std::string(prefix) + "-";
    for (unsigned char b : random) {
      name.push_back(kHex[b >> 4]);
      name.push_back(kHex[b & 15]);
    }
    const int fd = ::open(path(name).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      out_name = std::move(name);
      return fd;
    }
    if (errno != EEXIST) {
      error = "cannot create a spool file in " + dir_ + ": " + std::strerror(errno);
      return -1;
    }
  }
  error = "cannot find a free spool file name";
  return -1;
}

std::string Spool::download_name(int64_t task_id) { return "url-" + std::to_string(task_id); }

void Spool::remove(const std::string& name) const {
  // Names come from the database: refuse anything that could step outside the directory.
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") return;
  ::unlink(path(name).c_str());
}

size_t Spool::remove_orphans(const std::vector<std::string>& keep) const {
  const std::set<std::string> wanted(keep.begin(), keep.end());
  size_t removed = 0;
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return 0;
  while (const dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    if (wanted.count(e->d_name) == 0 && ::unlink(path(e->d_name).c_str()) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

bool write_all(int fd, const char* data, size_t length) {
  while (length > 0) {
    const ssize_t n = ::write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    length -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace worker
