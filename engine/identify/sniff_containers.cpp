// Containers whose members decide the format: the ZIP family (Office Open XML, ODF, JAR, APK), OLE2
// compound files (legacy Office, MSI, Outlook .msg) and TNEF mail attachments.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "identify/sniff_internal.h"

namespace assay::sniff {

// ---- ZIP family -----------------------------------------------------------------------------------

namespace {

constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndRecordSize = 22;
constexpr size_t kEndSearchSpan = 65535 + kEndRecordSize;  // the end record ends the file, after a comment
constexpr size_t kMaxLocalHeaders = 8;
constexpr size_t kMaxCentralEntries = 4096;
constexpr size_t kMaxEndCandidates = 256;
constexpr uint16_t kZipDataDescriptor = 0x0008;

// What the member names seen so far say about the archive.
struct ZipEvidence {
  FileFormat odf = FileFormat::Unknown;
  bool android = false;
  bool manifest = false;
  bool content_types = false;
  bool word = false;
  bool excel = false;
  bool powerpoint = false;

  void note(std::string_view name) {
    if (name == "AndroidManifest.xml" || name == "classes.dex") android = true;
    else if (name == "META-INF/MANIFEST.MF") manifest = true;
    else if (name == "[Content_Types].xml") content_types = true;
    else if (name.starts_with("word/")) word = true;
    else if (name.starts_with("xl/")) excel = true;
    else if (name.starts_with("ppt/")) powerpoint = true;
  }
  FileFormat verdict() const {
    if (odf != FileFormat::Unknown) return odf;
    if (android) return FileFormat::Apk;  // before Jar: most APKs also carry META-INF/MANIFEST.MF
    if (content_types && word) return FileFormat::Docx;
    if (content_types && excel) return FileFormat::Xlsx;
    if (content_types && powerpoint) return FileFormat::Pptx;
    if (manifest) return FileFormat::Jar;
    return FileFormat::Zip;
  }
};

// ODF puts an uncompressed member "mimetype" first precisely so that sniffers can read it.
FileFormat odf_from_mimetype(ByteSpan b, std::string_view name, uint16_t method, size_t data, uint32_t size) {
  if (name != "mimetype" || method != 0) return FileFormat::Unknown;
  struct Kind {
    std::string_view mime;
    FileFormat format;
  };
  static constexpr Kind kKinds[] = {
      {"application/vnd.oasis.opendocument.text", FileFormat::Odt},
      {"application/vnd.oasis.opendocument.spreadsheet", FileFormat::Ods},
      {"application/vnd.oasis.opendocument.presentation", FileFormat::Odp},
  };
  for (const Kind& kind : kKinds) {
    if (size == kind.mime.size() && b.matches(data, kind.mime)) return kind.format;
  }
  return FileFormat::Unknown;
}

void scan_local_headers(ByteSpan b, size_t pos, ZipEvidence& evidence) {
  for (size_t i = 0; i < kMaxLocalHeaders; ++i) {
    if (!b.matches(pos, lit("PK\3\4"))) return;
    const auto flags = b.le16(pos + 6);
    const auto method = b.le16(pos + 8);
    const auto packed_size = b.le32(pos + 18);
    const auto name_length = b.le16(pos + 26);
    const auto extra_length = b.le16(pos + 28);
    if (!flags || !method || !packed_size || !name_length || !extra_length) return;
    const auto name = b.exact(pos + kLocalHeaderSize, *name_length);
    if (!name) return;
    const size_t data = pos + kLocalHeaderSize + *name_length + *extra_length;
    if (i == 0) evidence.odf = odf_from_mimetype(b, name->as_chars(), *method, data, *packed_size);
    evidence.note(name->as_chars());
    // With a data descriptor the real sizes follow the data, so the next header cannot be found.
    if ((*flags & kZipDataDescriptor) != 0 || *packed_size > b.size() - pos) return;
    pos = data + *packed_size;
  }
}

// The end-of-central-directory record lies in the last 64 KiB + 22 bytes, followed by its comment.
std::optional<size_t> find_end_record(ByteSpan b) {
  if (b.size() < kEndRecordSize) return std::nullopt;
  const auto comment_fits = [&](size_t pos) {
    const auto comment_length = b.le16(pos + 20);
    return comment_length && *comment_length <= b.size() - pos - kEndRecordSize;
  };
  // Most archives carry no comment: the record is then exactly at the end.
  const size_t last = b.size() - kEndRecordSize;
  if (b.matches(last, lit("PK\5\6")) && comment_fits(last)) return last;
  // Otherwise search forwards (memchr-fast, unlike rfind) and keep the last record whose comment fits.
  const size_t window_start = b.size() > kEndSearchSpan ? b.size() - kEndSearchSpan : 0;
  const std::string_view window = b.sub(window_start, last - window_start + 4).as_chars();
  std::optional<size_t> found;
  size_t candidates = 0;
  for (size_t at = window.find(lit("PK\5\6")); at != std::string_view::npos && candidates < kMaxEndCandidates;
       at = window.find(lit("PK\5\6"), at + 1), ++candidates) {
    if (comment_fits(window_start + at)) found = window_start + at;
  }
  return found;
}

void scan_central_directory(ByteSpan b, ZipEvidence& evidence) {
  const auto end_record = find_end_record(b);
  if (!end_record) return;
  const auto size32 = b.le32(*end_record + 12);
  const auto offset32 = b.le32(*end_record + 16);
  if (!size32 || !offset32) return;
  uint64_t directory_size = *size32;
  size_t directory_end = *end_record;
  if (*size32 == 0xffffffff || *offset32 == 0xffffffff) {
    // Zip64: the real sizes are in the zip64 end record, normally right before its 20-byte locator.
    if (*end_record < 20 + 56 || !b.matches(*end_record - 20, lit("PK\6\7"))) return;
    const size_t record = *end_record - 20 - 56;
    if (!b.matches(record, lit("PK\6\6"))) return;
    const auto size64 = b.le64(record + 40);
    if (!size64) return;
    directory_size = *size64;
    directory_end = record;
  }
  // The directory ends where the end record starts. Counting back from there instead of trusting the
  // stored offset also handles data prepended to the archive (self-extractors).
  if (directory_size > directory_end) return;  // bogus: claims more than precedes it
  size_t pos = directory_end - static_cast<size_t>(directory_size);
  const size_t window_start = b.size() > kEndSearchSpan ? b.size() - kEndSearchSpan : 0;
  if (pos < window_start) {
    // Only the tail of a large directory is examined: resynchronise on the next entry signature.
    const size_t hit = b.sub(window_start, directory_end - window_start).as_chars().find(lit("PK\1\2"));
    if (hit == std::string_view::npos) return;
    pos = window_start + hit;
  }
  for (size_t i = 0; i < kMaxCentralEntries && pos < directory_end; ++i) {
    if (!b.matches(pos, lit("PK\1\2"))) return;
    const auto name_length = b.le16(pos + 28);
    const auto extra_length = b.le16(pos + 30);
    const auto comment_length = b.le16(pos + 32);
    if (!name_length || !extra_length || !comment_length) return;
    const auto name = b.exact(pos + kCentralHeaderSize, *name_length);
    if (!name) return;
    evidence.note(name->as_chars());
    if (evidence.android) return;  // nothing outranks it
    pos += kCentralHeaderSize + *name_length + *extra_length + *comment_length;
  }
}

}  // namespace

FileFormat sniff_zip(ByteSpan b) {
  if (b.starts_with(lit("PK\5\6"))) return b.size() >= kEndRecordSize ? FileFormat::Zip : FileFormat::Unknown;
  // A spanned or split archive starts with a 4-byte marker before the first local header.
  const size_t first = (b.starts_with(lit("PK\7\x08")) || b.starts_with(lit("PK00"))) ? 4 : 0;
  if (!b.matches(first, lit("PK\3\4"))) return FileFormat::Unknown;
  ZipEvidence evidence;
  scan_local_headers(b, first, evidence);
  if (evidence.odf == FileFormat::Unknown) scan_central_directory(b, evidence);
  return evidence.verdict();
}

// ---- OLE2 / Compound File Binary ------------------------------------------------------------------

namespace {

constexpr size_t kCfbHeaderDifat = 76;  // the first 109 FAT sector numbers live in the header
constexpr size_t kCfbHeaderDifatCount = 109;
constexpr size_t kCfbEntrySize = 128;
constexpr size_t kMaxDirectorySectors = 8;
constexpr size_t kMaxDirectoryVisits = 128;
constexpr uint32_t kCfbMaxRegularSector = 0xfffffffa;
constexpr uint32_t kCfbNoStream = 0xffffffff;
constexpr uint16_t kMsiMangledPrefix = 0x4840;  // MSI table streams have encoded names starting here

// The first few sectors of the directory chain, located without following long FAT chains.
class CfbDirectory {
 public:
  explicit CfbDirectory(ByteSpan bytes) : b_(bytes) {
    const auto shift = b_.le16(30);
    const auto first = b_.le32(48);
    if (!shift || !first || (*shift != 9 && *shift != 12)) return;
    shift_ = *shift;
    uint32_t sector = *first;
    while (count_ < sectors_.size() && sector < kCfbMaxRegularSector) {
      for (size_t i = 0; i < count_; ++i) {
        if (sectors_[i] == sector) return;  // a loop in the chain
      }
      sectors_[count_++] = sector;
      const auto next = next_sector(sector);
      if (!next) return;
      sector = *next;
    }
  }

  // Offset of directory entry `id`, when its 128 bytes are present.
  std::optional<size_t> entry(uint32_t id) const {
    if (shift_ == 0) return std::nullopt;
    const size_t per_sector = (size_t{1} << shift_) / kCfbEntrySize;
    const size_t index = id / per_sector;
    if (index >= count_) return std::nullopt;
    const auto start = sector_offset(sectors_[index]);
    if (!start) return std::nullopt;
    const size_t offset = *start + (id % per_sector) * kCfbEntrySize;
    if (!b_.exact(offset, kCfbEntrySize)) return std::nullopt;
    return offset;
  }

 private:
  std::optional<size_t> sector_offset(uint32_t sector) const {
    const uint64_t offset = (static_cast<uint64_t>(sector) + 1) << shift_;  // sector 0 follows the header
    if (offset >= b_.size()) return std::nullopt;
    return static_cast<size_t>(offset);
  }
  std::optional<uint32_t> next_sector(uint32_t sector) const {
    const size_t per_fat_sector = (size_t{1} << shift_) / 4;
    const size_t fat_index = sector / per_fat_sector;
    if (fat_index >= kCfbHeaderDifatCount) return std::nullopt;  // would need the DIFAT chain: stop
    const auto fat_sector = b_.le32(kCfbHeaderDifat + 4 * fat_index);
    if (!fat_sector) return std::nullopt;
    const auto fat_offset = sector_offset(*fat_sector);
    if (!fat_offset) return std::nullopt;
    return b_.le32(*fat_offset + (sector % per_fat_sector) * 4);
  }

  ByteSpan b_;
  uint16_t shift_ = 0;
  std::array<uint32_t, kMaxDirectorySectors> sectors_{};
  size_t count_ = 0;
};

// Root CLSIDs of Windows Installer databases: .msi {000C1084-...}, .mst {000C1082-...} and
// .msp {000C1086-...}, all -0000-0000-C000-000000000046, in their on-disk (mixed-endian) form.
bool is_msi_clsid(ByteSpan clsid) {
  static constexpr std::string_view kTail = lit("\x0c\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46");
  const auto first = clsid.u8(0);
  const bool known = first && (*first == 0x84 || *first == 0x82 || *first == 0x86);
  return known && clsid.matches(1, lit("\x10")) && clsid.matches(2, kTail);
}

// Compares a directory entry's UTF-16LE name with a lower-case ASCII name, ignoring case as CFB does.
bool entry_name_is(ByteSpan name_units, std::string_view expected) {
  if (name_units.size() != expected.size() * 2) return false;
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto unit = name_units.le16(2 * i);
    if (!unit || *unit > 0x7f || sniff::ascii_lower(static_cast<char>(*unit)) != expected[i]) return false;
  }
  return true;
}

// Outlook .msg ([MS-OXMSG]): MAPI property streams "__substg1.0_<tag>" sit directly below the root.
bool entry_name_is_mapi_property(ByteSpan name_units) {
  constexpr std::string_view kPrefix = "__substg1.0_";
  return name_units.size() > kPrefix.size() * 2 &&
         entry_name_is(name_units.prefix(kPrefix.size() * 2), kPrefix);
}

}  // namespace

FileFormat sniff_ole2(ByteSpan b) {
  const CfbDirectory directory(b);
  const auto root = directory.entry(0);
  if (!root || b.u8(*root + 66) != uint8_t{5}) return FileFormat::Ole2;  // entry 0 must be the root
  if (is_msi_clsid(b.sub(*root + 80, 16))) return FileFormat::Msi;

  // Walk only the root's children (its red-black tree): streams of embedded objects live in deeper
  // storages and must not make, say, a workbook with an embedded document look like a Word file.
  bool word = false, excel = false, powerpoint = false, msi = false;
  bool outlook = false;
  std::array<uint32_t, 32> stack{};
  size_t depth = 0;
  if (const auto child = b.le32(*root + 76); child && *child != kCfbNoStream) stack[depth++] = *child;
  for (size_t visits = 0; depth > 0 && visits < kMaxDirectoryVisits; ++visits) {
    const auto entry = directory.entry(stack[--depth]);
    if (!entry) continue;
    const auto name_bytes = b.le16(*entry + 64);  // includes the terminating NUL
    if (name_bytes && *name_bytes >= 2 && *name_bytes <= 64) {
      const ByteSpan units = b.sub(*entry, *name_bytes - 2u);
      word = word || entry_name_is(units, "worddocument");
      excel = excel || entry_name_is(units, "workbook") || entry_name_is(units, "book");
      powerpoint = powerpoint || entry_name_is(units, "powerpoint document");
      msi = msi || units.le16(0) == kMsiMangledPrefix;
      outlook = outlook || entry_name_is_mapi_property(units) || entry_name_is(units, "__properties_version1.0");
    }
    for (const size_t link : {size_t{68}, size_t{72}}) {  // left and right siblings
      const auto sibling = b.le32(*entry + link);
      if (sibling && *sibling != kCfbNoStream && depth < stack.size()) stack[depth++] = *sibling;
    }
  }
  if (msi) return FileFormat::Msi;
  if (outlook) return FileFormat::Outlook;
  if (word) return FileFormat::Doc;
  if (powerpoint) return FileFormat::Ppt;
  if (excel) return FileFormat::Xls;
  return FileFormat::Ole2;
}

// ---- TNEF -----------------------------------------------------------------------------------------

// TNEF (winmail.dat): the signature 0x223e9f78, a two-byte key, then the first attribute's level
// (1 message, 2 attachment).
FileFormat sniff_tnef(ByteSpan b) {
  const auto level = b.u8(6);
  return !level || *level == 1 || *level == 2 ? FileFormat::Tnef : FileFormat::Unknown;
}

}  // namespace assay::sniff
