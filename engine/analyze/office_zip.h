// Reads a few small members of a zip package for the OOXML/ODF analyzer: the central directory is
// walked once (at most kMaxMembers names kept), a stored member is borrowed from the package's bytes,
// a deflated one is inflated with zlib into a buffer that never grows past the caller's cap. The
// package's children are extracted by the zip unpacker (libarchive); this reader exists so the
// analyzer can look at docProps/*.xml, meta.xml and *.rels without depending on unpacking order.
//
// Ownership: a ZipPackage borrows the package bytes; member names are views into them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/checked_reader.h"

namespace assay {

class ZipPackage {
 public:
  struct Member {
    std::string_view name;
    uint16_t flags = 0;
    uint16_t method = 0;  // 0 stored, 8 deflated
    uint64_t compressed_size = 0;
    uint64_t size = 0;
    uint64_t local_header = 0;  // offset of the local file header in the package
  };
  static constexpr size_t kMaxMembers = 1 << 16;

  // The package's central directory, or nothing (with `problem` set) when there is none to read.
  static std::optional<ZipPackage> open(ByteSpan bytes, std::string& problem);

  const std::vector<Member>& members() const { return members_; }
  // The first member called exactly `name`.
  const Member* find(std::string_view name) const;
  // The member's data, at most `max_bytes` of it (more is cut off and `problem` says so): borrowed
  // when stored, inflated into `out` when deflated. Nothing for encrypted members, other methods
  // and data that is not there.
  std::optional<ByteSpan> read(const Member& member, std::vector<uint8_t>& out, size_t max_bytes,
                               std::string& problem) const;

 private:
  explicit ZipPackage(ByteSpan bytes) : bytes_(bytes) {}

  ByteSpan bytes_;
  uint64_t shift_ = 0;  // bytes prepended to the archive (self-extractors): offsets move by this much
  std::vector<Member> members_;
};

}  // namespace assay
