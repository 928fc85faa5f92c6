// Bounded zip member reader for the OOXML/ODF analyzer (see office_zip.h). Field offsets are those
// of PKWARE's APPNOTE.TXT (4.3.7 local file header, 4.3.12 central directory header, 4.3.16 end of
// central directory record).
#include "analyze/office_zip.h"

#include <zlib.h>

#include <algorithm>

namespace assay {
namespace {

constexpr std::string_view kEndSignature = "PK\x05\x06";
constexpr std::string_view kCentralSignature = "PK\x01\x02";
constexpr std::string_view kLocalSignature = "PK\x03\x04";
constexpr size_t kEndRecordSize = 22;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kMaxCommentSpan = 65535;
constexpr size_t kInflatePiece = 64 * 1024;
constexpr uint16_t kEncrypted = 0x0001;

// The end record is the last thing in the file, possibly followed by a comment of up to 64 KiB.
std::optional<size_t> find_end_record(ByteSpan bytes) {
  if (bytes.size() < kEndRecordSize) return std::nullopt;
  const size_t last = bytes.size() - kEndRecordSize;
  const size_t first = last > kMaxCommentSpan ? last - kMaxCommentSpan : 0;
  for (size_t at = last + 1; at-- > first;) {
    if (bytes.matches(at, kEndSignature)) {
      const auto comment = bytes.le16(at + 20);
      if (comment && at + kEndRecordSize + *comment <= bytes.size()) return at;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ZipPackage> ZipPackage::open(ByteSpan bytes, std::string& problem) {
  const auto end = find_end_record(bytes);
  if (!end) {
    problem = "zip: no end of central directory record";
    return std::nullopt;
  }
  const uint16_t count = *bytes.le16(*end + 10);
  const uint32_t directory_size = *bytes.le32(*end + 12);
  const uint32_t directory_offset = *bytes.le32(*end + 16);
  if (count == 0xffff || directory_size == 0xffffffff || directory_offset == 0xffffffff) {
    problem = "zip: ZIP64 packages are not read by the document analyzer";
    return std::nullopt;
  }
  ZipPackage package(bytes);
  // Data prepended to the archive moves every offset by the same amount; the end record tells how much.
  if (static_cast<uint64_t>(directory_offset) + directory_size <= *end) {
    package.shift_ = *end - (static_cast<uint64_t>(directory_offset) + directory_size);
  }
  size_t at = static_cast<size_t>(directory_offset + package.shift_);
  if (!bytes.matches(at, kCentralSignature) && count > 0) {
    at = directory_offset;
    package.shift_ = 0;
  }
  for (size_t i = 0; i < count; ++i) {
    if (package.members_.size() == kMaxMembers) {
      problem = "zip: more than " + std::to_string(kMaxMembers) + " members; the rest are not read";
      break;
    }
    const auto header = bytes.exact(at, kCentralHeaderSize);
    if (!header || !header->starts_with(kCentralSignature)) {
      problem = "zip: central directory entry " + std::to_string(i) + " is damaged";
      break;
    }
    const uint16_t name_length = *header->le16(28);
    const uint16_t extra_length = *header->le16(30);
    const uint16_t comment_length = *header->le16(32);
    const auto name = bytes.exact(at + kCentralHeaderSize, name_length);
    if (!name) {
      problem = "zip: central directory entry " + std::to_string(i) + " is cut off";
      break;
    }
    Member member;
    member.name = name->as_chars();
    member.flags = *header->le16(8);
    member.method = *header->le16(10);
    member.compressed_size = *header->le32(20);
    member.size = *header->le32(24);
    member.local_header = *header->le32(42) + package.shift_;
    package.members_.push_back(member);
    at += kCentralHeaderSize + name_length + extra_length + comment_length;
  }
  return package;
}

const ZipPackage::Member* ZipPackage::find(std::string_view name) const {
  for (const Member& member : members_) {
    if (member.name == name) return &member;
  }
  return nullptr;
}

std::optional<ByteSpan> ZipPackage::read(const Member& member, std::vector<uint8_t>& out, size_t max_bytes,
                                         std::string& problem) const {
  if ((member.flags & kEncrypted) != 0) {
    problem = "zip: member '" + std::string(member.name) + "' is encrypted";
    return std::nullopt;
  }
  const auto local = bytes_.exact(static_cast<size_t>(std::min<uint64_t>(member.local_header, SIZE_MAX)),
                                  kLocalHeaderSize);
  if (!local || !local->starts_with(kLocalSignature)) {
    problem = "zip: no local header for member '" + std::string(member.name) + "'";
    return std::nullopt;
  }
  const uint64_t data_at = member.local_header + kLocalHeaderSize + *local->le16(26) + *local->le16(28);
  // The central directory's sizes are authoritative (a local header may defer them to a descriptor).
  const ByteSpan data = bytes_.sub(static_cast<size_t>(std::min<uint64_t>(data_at, bytes_.size())),
                                   static_cast<size_t>(std::min<uint64_t>(member.compressed_size, SIZE_MAX)));
  if (data.size() < member.compressed_size) {
    problem = "zip: member '" + std::string(member.name) + "' runs past the end of the package";
  }
  if (member.method == 0) {
    if (data.size() > max_bytes) problem = "zip: member '" + std::string(member.name) + "' read in part";
    return data.prefix(max_bytes);
  }
  if (member.method != 8) {
    problem = "zip: member '" + std::string(member.name) + "' uses compression method " + std::to_string(member.method);
    return std::nullopt;
  }
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
    problem = "zip: zlib could not start";
    return std::nullopt;
  }
  out.clear();
  stream.next_in = const_cast<Bytef*>(data.data());
  stream.avail_in = static_cast<uInt>(std::min<size_t>(data.size(), UINT32_MAX));
  int status = Z_OK;
  while (status == Z_OK && out.size() < max_bytes) {
    const size_t piece = std::min(kInflatePiece, max_bytes - out.size());
    const size_t before = out.size();
    out.resize(before + piece);
    stream.next_out = out.data() + before;
    stream.avail_out = static_cast<uInt>(piece);
    status = inflate(&stream, Z_NO_FLUSH);
    out.resize(before + (piece - stream.avail_out));
    if (status == Z_BUF_ERROR && stream.avail_in == 0) break;  // input ended early
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END) {
    problem = out.size() >= max_bytes ? "zip: member '" + std::string(member.name) + "' read in part"
                                      : "zip: member '" + std::string(member.name) + "' does not inflate";
  }
  return ByteSpan(out.data(), out.size());
}

}  // namespace assay
