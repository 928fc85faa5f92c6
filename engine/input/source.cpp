#include "input/source.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace assay {
namespace {

Error io_error(const std::string& what) { return Error{ErrorCode::Io, what + ": " + std::strerror(errno)}; }

}  // namespace

Source::~Source() {
  if (mapping_ != nullptr) munmap(mapping_, mapping_size_);
}

Source::Source(Source&& other) noexcept { *this = std::move(other); }

Source& Source::operator=(Source&& other) noexcept {
  if (this == &other) return *this;
  if (mapping_ != nullptr) munmap(mapping_, mapping_size_);
  mapping_ = std::exchange(other.mapping_, nullptr);
  mapping_size_ = std::exchange(other.mapping_size_, 0);
  read_buffer_ = std::move(other.read_buffer_);
  bytes_ = std::exchange(other.bytes_, ByteSpan{});
  // A moved vector keeps its heap block, so a span into it stays valid.
  return *this;
}

Source Source::borrow(const void* data, size_t size) {
  Source source;
  source.bytes_ = ByteSpan(static_cast<const uint8_t*>(data), size);
  return source;
}

Result<Source> Source::from_fd(int fd, uint64_t max_read_bytes) {
  struct stat info {};
  if (fstat(fd, &info) != 0) return io_error("fstat");
  Source source;
  if (S_ISDIR(info.st_mode)) return Error{ErrorCode::InvalidArgument, "is a directory"};
  if (S_ISREG(info.st_mode)) {
    if (info.st_size == 0) return source;  // nothing to map; an empty object
    void* mapping = mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping != MAP_FAILED) {
      // Sequential first pass (hashing), then random access by unpackers: let the kernel read ahead.
      // A file too large to be analysed is only hashed, once, front to back.
      const bool hash_only = static_cast<uint64_t>(info.st_size) > max_read_bytes;
      madvise(mapping, static_cast<size_t>(info.st_size), hash_only ? MADV_SEQUENTIAL : MADV_WILLNEED);
      source.mapping_ = mapping;
      source.mapping_size_ = static_cast<size_t>(info.st_size);
      source.bytes_ = ByteSpan(static_cast<const uint8_t*>(mapping), source.mapping_size_);
      return source;
    }
    // Some regular files (e.g. on exotic filesystems) refuse mmap: fall through to read(2).
  }
  std::vector<uint8_t> buffer;
  size_t used = 0;
  for (;;) {
    if (buffer.size() - used < 64 * 1024) buffer.resize(buffer.size() + std::max<size_t>(buffer.size(), 256 * 1024));
    const ssize_t got = read(fd, buffer.data() + used, buffer.size() - used);
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("read");
    }
    if (got == 0) break;
    used += static_cast<size_t>(got);
    if (used > max_read_bytes) {
      return Error{ErrorCode::TooLarge, "input is larger than max_object_bytes (" + std::to_string(max_read_bytes) +
                                            " bytes) and cannot be mapped"};
    }
  }
  buffer.resize(used);
  buffer.shrink_to_fit();
  source.read_buffer_ = std::move(buffer);
  source.bytes_ = ByteSpan(source.read_buffer_.data(), source.read_buffer_.size());
  return source;
}

void Source::release(size_t offset, size_t length) const {
  if (mapping_ == nullptr || offset >= mapping_size_) return;
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t end = length >= mapping_size_ - offset ? mapping_size_ : offset + length;
  // Only whole pages inside the range; the mapping's last, partial page belongs to it entirely.
  const size_t first = (offset + page - 1) / page * page;
  const size_t last = end == mapping_size_ ? (end + page - 1) / page * page : end / page * page;
  if (first >= last) return;
  // A private, read-only mapping has no modified pages, so dropping them loses nothing.
  madvise(static_cast<uint8_t*>(mapping_) + first, last - first, MADV_DONTNEED);
}

Result<Source> Source::from_path(const std::string& path, uint64_t max_read_bytes) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return io_error("open '" + path + "'");
  auto source = from_fd(fd, max_read_bytes);
  close(fd);  // the mapping (if any) outlives the descriptor
  return source;
}

}  // namespace assay
