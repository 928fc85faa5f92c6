// input/: where a scan's root bytes come from, without copying them.
//
// A Source is a read-only ByteSpan plus whatever keeps it alive: nothing for a caller's buffer (the
// caller keeps it alive for the scan), an mmap for regular files, or a bounded buffer filled by
// read(2) for pipes, sockets and other files that cannot be mapped. Empty input is a valid Source.
//
// Thread-safety: a Source is owned by one scan; its bytes are never written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/checked_reader.h"
#include "util/status.h"

namespace assay {

class Source {
 public:
  Source() = default;
  ~Source();
  Source(Source&& other) noexcept;
  Source& operator=(Source&& other) noexcept;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // Borrows the caller's bytes; they must outlive the scan.
  static Source borrow(const void* data, size_t size);
  // Maps `fd` when it is a regular file; otherwise reads it to its end, failing with TooLarge past
  // `max_read_bytes`. The fd is not closed and its offset is only moved by the read fallback.
  static Result<Source> from_fd(int fd, uint64_t max_read_bytes);
  static Result<Source> from_path(const std::string& path, uint64_t max_read_bytes);

  ByteSpan bytes() const { return bytes_; }

  // Gives back the pages of [offset, offset + length) once the scan has read them for the last time,
  // when the bytes are our own mapping of a file: they stay in the page cache, and touching them
  // again faults them back in. Does nothing for a caller's buffer or a read buffer (not ours to
  // drop). This is what keeps a multi-gigabyte input from becoming the process's resident size.
  void release(size_t offset, size_t length) const;

 private:
  ByteSpan bytes_;
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  std::vector<uint8_t> read_buffer_;
};

}  // namespace assay
