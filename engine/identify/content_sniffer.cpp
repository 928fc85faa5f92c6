// The built-in format dispatcher: magic bytes plus light structure checks, no allocation.
//
// Order matters. Strong signatures at offset 0 come first, so an MZ or ZIP file stays the outer
// format whatever it embeds; then the formats found at fixed offsets (ISO 9660, tar, a PDF header
// behind junk); then text; and only then the weak binary signatures (raw MPEG audio frames,
// LZMA-alone, binary cpio), whose few magic bits would otherwise swallow text.
//
// Every read goes through ByteSpan's checked accessors: the input is hostile and may be cut anywhere,
// so a missing field means "not this format" (or the less specific format), never a crash.

#include <cstdint>
#include <optional>
#include <string_view>

#include "identify/identify.h"
#include "identify/sniff_internal.h"

namespace assay {
namespace sniff {
namespace {

// ---- Dispatch -------------------------------------------------------------------------------------

struct Signature {
  std::string_view magic;
  FileFormat format;
};

// Offset-0 signatures long or distinctive enough to need no further check.
constexpr Signature kPlainSignatures[] = {
    {lit("7z\xbc\xaf\x27\x1c"), FileFormat::SevenZip},
    {lit("Rar!\x1a\x07\x01\x00"), FileFormat::Rar5},
    {lit("Rar!\x1a\x07\x00"), FileFormat::Rar4},
    {lit("\x1f\x8b\x08"), FileFormat::Gzip},
    {lit("\xfd" "7zXZ\0"), FileFormat::Xz},
    {lit("\x28\xb5\x2f\xfd"), FileFormat::Zstd},
    {lit("\x04\x22\x4d\x18"), FileFormat::Lz4},
    {lit("\x02\x21\x4c\x18"), FileFormat::Lz4},  // legacy frame
    {lit("\xed\xab\xee\xdb"), FileFormat::Rpm},
    {lit("%PDF-"), FileFormat::Pdf},
    {lit("{\\rtf"), FileFormat::Rtf},
    {lit("\x89PNG\r\n\x1a\n"), FileFormat::Png},
    {lit("\xff\xd8\xff"), FileFormat::Jpeg},
    {lit("GIF87a"), FileFormat::Gif},
    {lit("GIF89a"), FileFormat::Gif},
    {lit("II*\0"), FileFormat::Tiff},
    {lit("MM\0*"), FileFormat::Tiff},
    {lit("II+\0"), FileFormat::Tiff},  // BigTIFF
    {lit("MM\0+"), FileFormat::Tiff},
    {lit("fLaC"), FileFormat::Flac},
    {lit("OggS\0"), FileFormat::Ogg},
    {lit("\x1a\x45\xdf\xa3"), FileFormat::Matroska},
    {lit("!<thin>\n"), FileFormat::Ar},
};

// Offset-0 signatures that pick a structure check.
struct CheckedSignature {
  std::string_view magic;
  FileFormat (*check)(ByteSpan);
};

constexpr CheckedSignature kCheckedSignatures[] = {
    {"PK", sniff_zip},
    {lit("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), sniff_ole2},
    {"BZh", sniff_bzip2},
    {"!<arch>\n", sniff_ar},
    {"0707", sniff_ascii_cpio},
    {"RIFF", sniff_riff},
    {"ID3", sniff_id3},
    {lit("\x00\x00\x01\x00"), sniff_ico},
    {"BM", sniff_bmp},
    {"FLV\x01", sniff_flv},
    {lit("\x78\x9f\x3e\x22"), sniff_tnef},
};

FileFormat sniff_leading_magic(ByteSpan b) {
  // Executables first: an MZ stub with a zip or PDF inside is still a program.
  if (b.starts_with("MZ") && b.size() >= 28) return sniff_mz(b);  // 28: the DOS header proper
  if (b.starts_with("\x7f" "ELF")) return sniff_elf(b);
  if (const FileFormat f = sniff_macho(b); f != FileFormat::Unknown) return f;

  // Comparing the first byte inline spares a memcmp call per table row.
  const char first = static_cast<char>(b.u8(0).value_or(0));
  for (const Signature& s : kPlainSignatures) {
    if (s.magic[0] == first && b.starts_with(s.magic)) return s.format;
  }
  for (const CheckedSignature& s : kCheckedSignatures) {
    if (s.magic[0] == first && b.starts_with(s.magic)) {
      if (const FileFormat f = s.check(b); f != FileFormat::Unknown) return f;
    }
  }
  if (b.starts_with("LZIP") && (agrees_with(b, 4, lit("\1")) || agrees_with(b, 4, lit("\0")))) {
    return FileFormat::Lzip;  // version 0 or 1
  }
  if (b.starts_with("\x1f\x9d")) {
    const auto flags = b.u8(2);  // low five bits: maximum code width, 9..16
    if (!flags || ((*flags & 0x1f) >= 9 && (*flags & 0x1f) <= 16)) return FileFormat::UnixCompress;
  }
  if (b.starts_with("MSCF") && b.le32(4) == uint32_t{0}) return FileFormat::Cab;  // reserved field is zero
  if (b.starts_with("xar!") && b.be16(4).value_or(0) >= 28) return FileFormat::Xar;
  if (b.matches(4, "ftyp")) return sniff_iso_media(b);
  if (const FileFormat f = sniff_skippable_frames(b); f != FileFormat::Unknown) return f;
  return sniff_lzh(b);
}

constexpr size_t kPdfHeaderWindow = 1024;  // readers accept "%PDF-" anywhere in the first KiB

// Formats found at fixed offsets rather than at the start.
FileFormat sniff_fixed_offsets(ByteSpan b) {
  for (const size_t offset : {size_t{0x8001}, size_t{0x8801}, size_t{0x9001}}) {
    if (b.matches(offset, "CD001")) return FileFormat::Iso9660;
  }
  if (b.matches(257, "ustar") || tar_checksum_ok(b)) return FileFormat::Tar;

  // A PDF behind junk (a common evasion): require a version ("%PDF-1.7") to avoid prose about PDF.
  const std::string_view head = b.prefix(kPdfHeaderWindow).as_chars();
  for (size_t at = head.find("%PDF-"); at != std::string_view::npos; at = head.find("%PDF-", at + 1)) {
    const auto digit = [&](size_t offset, char low) {
      const auto c = b.u8(offset);
      return c && *c >= low && *c <= '9';
    };
    if (digit(at + 5, '1') && b.matches(at + 6, ".") && digit(at + 7, '0')) return FileFormat::Pdf;
  }
  return FileFormat::Unknown;
}

// Signatures too weak to test before the text heuristics have had their say.
FileFormat sniff_weak_magic(ByteSpan b) {
  if (const FileFormat f = sniff_mpeg_audio(b); f != FileFormat::Unknown) return f;
  if (const FileFormat f = sniff_binary_cpio(b); f != FileFormat::Unknown) return f;
  return sniff_lzma(b);
}

}  // namespace
}  // namespace sniff

FileFormat sniff_format(ByteSpan bytes, std::string_view name) {
  if (bytes.empty()) return FileFormat::Empty;
  FileFormat format = sniff::sniff_leading_magic(bytes);
  if (format == FileFormat::Unknown) format = sniff::sniff_fixed_offsets(bytes);
  if (format == FileFormat::Unknown) format = sniff::sniff_text(bytes, name);
  if (format == FileFormat::Unknown) format = sniff::sniff_weak_magic(bytes);
  return format;
}

}  // namespace assay
