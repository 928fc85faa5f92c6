// Archives and compressors with a little structure: bzip2, zstd/LZ4 skippable frames, ar and .deb,
// LHA, cpio, LZMA-alone and the v7 tar header checksum.

#include <cstdint>
#include <string_view>

#include "identify/sniff_internal.h"

namespace assay::sniff {

// ---- Archives and compressors with a little structure --------------------------------------------

FileFormat sniff_bzip2(ByteSpan b) {
  const auto level = b.u8(3);
  if (!level || *level < '1' || *level > '9') return FileFormat::Unknown;
  // The stream continues with a block header (BCD pi) or, when empty, the end marker (sqrt pi).
  const bool ok = agrees_with(b, 4, lit("\x31\x41\x59\x26\x53\x59")) ||
                  agrees_with(b, 4, lit("\x17\x72\x45\x38\x50\x90"));
  return ok ? FileFormat::Bzip2 : FileFormat::Unknown;
}

// Zstandard skippable frames (magic 0x184D2A50..5F) are also used in front of LZ4 frames; step over
// a few to see which real frame follows.
FileFormat sniff_skippable_frames(ByteSpan b) {
  const auto is_skippable = [](uint32_t magic) { return (magic & 0xfffffff0) == 0x184d2a50; };
  if (!is_skippable(b.le32(0).value_or(0))) return FileFormat::Unknown;
  size_t pos = 0;
  for (int hop = 0; hop < 4; ++hop) {
    const auto magic = b.le32(pos);
    if (!magic) break;
    if (*magic == 0xfd2fb528) return FileFormat::Zstd;
    if (*magic == 0x184d2204 || *magic == 0x184c2102) return FileFormat::Lz4;
    if (!is_skippable(*magic)) break;
    const auto length = b.le32(pos + 4);
    if (!length || *length > b.size() - pos - 8) break;
    pos += 8 + *length;
  }
  return FileFormat::Zstd;  // the skippable-frame magic itself belongs to the zstd format
}

FileFormat sniff_ar(ByteSpan b) {
  // dpkg's .deb is an ar archive whose first member is "debian-binary".
  const bool deb = b.matches(8, "debian-binary") && (b.matches(21, " ") || b.matches(21, "/"));
  return deb ? FileFormat::Deb : FileFormat::Ar;
}

FileFormat sniff_lzh(ByteSpan b) {
  const auto kind = b.u8(4);
  const auto method = b.u8(5);
  if (!b.matches(2, "-l") || !b.matches(6, "-") || !kind || !method) return FileFormat::Unknown;
  const bool lh = *kind == 'h' && ((*method >= '0' && *method <= '7') || *method == 'd');
  const bool lz = *kind == 'z' && (*method == 's' || *method == '4' || *method == '5');
  const auto level = b.u8(20);
  if ((!lh && !lz) || !level || *level > 3) return FileFormat::Unknown;
  if (*level < 2 && b.u8(0).value_or(0) < 20) return FileFormat::Unknown;  // byte 0 is the header size
  return FileFormat::Lzh;
}

// Binary cpio: 26-byte header, magic 070707 (octal) in either byte order, then a NUL-terminated name.
FileFormat sniff_binary_cpio(ByteSpan b) {
  const bool little = b.le16(0) == uint16_t{0x71c7};
  const bool big = b.be16(0) == uint16_t{0x71c7};
  if (!little && !big) return FileFormat::Unknown;
  const auto name_size = little ? b.le16(20) : b.be16(20);
  if (!name_size || *name_size == 0 || *name_size > 4096) return FileFormat::Unknown;
  return b.u8(26 + *name_size - 1u) == uint8_t{0} ? FileFormat::Cpio : FileFormat::Unknown;
}

namespace {

bool is_hex_digit(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

FileFormat sniff_ascii_cpio(ByteSpan b) {
  const auto next = b.u8(6);
  if (b.starts_with("070707")) {
    return next && *next >= '0' && *next <= '7' ? FileFormat::Cpio : FileFormat::Unknown;
  }
  if (b.starts_with("070701") || b.starts_with("070702")) {
    return next && is_hex_digit(*next) ? FileFormat::Cpio : FileFormat::Unknown;
  }
  return FileFormat::Unknown;
}

// LZMA-alone has no magic: a properties byte, a dictionary size and an uncompressed size. Accept only
// what encoders write: dictionary 2^n or 2^n + 2^(n-1) from 4 KiB to 1.5 GiB, a known or "unknown"
// (all ones) size below 1 TiB, and the range coder's first byte, which is always zero.
FileFormat sniff_lzma(ByteSpan b) {
  const auto properties = b.u8(0);
  const auto dictionary = b.le32(1);
  const auto unpacked = b.le64(5);
  const auto first_coded = b.u8(13);
  if (!properties || !dictionary || !unpacked || !first_coded) return FileFormat::Unknown;
  const auto power_of_two = [](uint32_t v) { return v != 0 && (v & (v - 1)) == 0; };
  const uint32_t dict = *dictionary;
  const bool dict_ok = dict >= 4096 && dict <= 0x60000000 &&
                       (power_of_two(dict) || (dict % 3 == 0 && power_of_two(dict / 3)));
  const bool size_ok = *unpacked == UINT64_MAX || *unpacked < (uint64_t{1} << 40);
  const bool ok = *properties < 225 && dict_ok && size_ok && *first_coded == 0;
  return ok ? FileFormat::Lzma : FileFormat::Unknown;
}

// "ustar" at 257 marks POSIX and GNU tar; a v7 header has no magic, only its checksum: the octal sum
// of the 512 header bytes with the checksum field counted as spaces (some old tars summed signed).
bool tar_checksum_ok(ByteSpan b) {
  const auto header = b.exact(0, 512);
  if (!header || header->u8(0) == uint8_t{0}) return false;
  uint32_t stored = 0;
  size_t digits = 0;
  for (const char c : header->sub(148, 8).as_chars()) {
    if (c >= '0' && c <= '7') {
      stored = stored * 8 + static_cast<uint32_t>(c - '0');
      ++digits;
    } else if (c == ' ' && digits == 0) {
      continue;
    } else if (c == ' ' || c == '\0') {
      break;
    } else {
      return false;
    }
  }
  if (digits == 0) return false;
  uint32_t unsigned_sum = 0;
  int32_t signed_sum = 0;
  size_t i = 0;
  for (const char c : header->as_chars()) {
    const char counted = (i >= 148 && i < 156) ? ' ' : c;
    unsigned_sum += static_cast<unsigned char>(counted);
    signed_sum += static_cast<signed char>(counted);
    ++i;
  }
  return stored == unsigned_sum || stored == static_cast<uint32_t>(signed_sum);
}

}  // namespace assay::sniff
