// The built-in format dispatcher: magic bytes plus light structure checks, no allocation.
//
// Order matters. Strong signatures at offset 0 come first, so an MZ or ZIP file stays the outer
// format whatever it embeds; then the formats found at fixed offsets (ISO 9660, tar, a PDF header
// behind junk); then text; and only then the weak binary signatures (raw MPEG audio frames,
// LZMA-alone, binary cpio), whose few magic bits would otherwise swallow text.
//
// Every read goes through ByteSpan's checked accessors: the input is hostile and may be cut anywhere,
// so a missing field means "not this format" (or the less specific format), never a crash.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "identify/identify.h"
#include "identify/sniff_internal.h"

namespace assay {
namespace {

// A string_view over a literal that keeps embedded NUL bytes ("PE\0\0" is four bytes, not two).
template <size_t N>
constexpr std::string_view lit(const char (&text)[N]) {
  return std::string_view(text, N - 1);
}

// True when the bytes at `offset` agree with `pattern` as far as the input goes: used where a file
// cut inside a signature should still count, but different bytes should not.
bool agrees_with(ByteSpan b, size_t offset, std::string_view pattern) {
  const std::string_view have = b.sub(offset, pattern.size()).as_chars();
  return have == pattern.substr(0, have.size());
}

// ---- PE / DOS -------------------------------------------------------------------------------------

constexpr uint16_t kImageFileDll = 0x2000;

// Machines whose images are always PE32+; consulted only when the optional header is cut off.
bool is_pe_plus_machine(uint16_t machine) {
  return machine == 0x8664 /* AMD64 */ || machine == 0xaa64 /* ARM64 */ || machine == 0x0200 /* IA64 */;
}

FileFormat sniff_mz(ByteSpan b) {
  const auto e_lfanew = b.le32(0x3c);
  if (!e_lfanew || !b.matches(*e_lfanew, lit("PE\0\0"))) return FileFormat::Dos;
  const size_t pe = *e_lfanew;  // matches() proved pe + 4 <= size, so the sums below cannot wrap
  const auto machine = b.le16(pe + 4);
  const auto characteristics = b.le16(pe + 22);
  if (!machine || !characteristics) return FileFormat::Dos;  // COFF header cut off: no usable PE
  bool plus = false;
  if (const auto magic = b.le16(pe + 24)) {
    if (*magic == 0x20b) {
      plus = true;
    } else if (*magic != 0x10b) {
      return FileFormat::Dos;  // ROM image or garbage where the optional header should be
    }
  } else {
    plus = is_pe_plus_machine(*machine);
  }
  const bool dll = (*characteristics & kImageFileDll) != 0;
  if (plus) return dll ? FileFormat::PePlusDll : FileFormat::PePlusExe;
  return dll ? FileFormat::PeDll : FileFormat::PeExe;
}

// ---- ELF ------------------------------------------------------------------------------------------

constexpr uint32_t kPtDynamic = 2;
constexpr uint32_t kPtInterp = 3;
constexpr uint64_t kDtNull = 0;
constexpr uint64_t kDtSoname = 14;
constexpr uint64_t kDtFlags1 = 0x6ffffffb;
constexpr uint64_t kDf1Pie = 0x08000000;
constexpr size_t kMaxProgramHeaders = 64;
constexpr size_t kMaxDynamicEntries = 512;

// Reads ELF fields in the file's own byte order and word size.
class ElfFields {
 public:
  ElfFields(ByteSpan bytes, bool is64, bool big_endian) : b_(bytes), is64_(is64), big_(big_endian) {}

  bool is64() const { return is64_; }
  std::optional<uint16_t> half(size_t offset) const { return big_ ? b_.be16(offset) : b_.le16(offset); }
  std::optional<uint32_t> word(size_t offset) const { return big_ ? b_.be32(offset) : b_.le32(offset); }
  // An address, offset or dynamic-tag field: 4 bytes in ELFCLASS32, 8 in ELFCLASS64.
  std::optional<uint64_t> addr(size_t offset) const {
    if (!is64_) {
      const auto value = word(offset);
      return value ? std::optional<uint64_t>(*value) : std::nullopt;
    }
    if (!big_) return b_.le64(offset);
    const auto high = b_.be32(offset);
    const auto low = high ? b_.be32(offset + 4) : std::nullopt;
    if (!low) return std::nullopt;
    return (static_cast<uint64_t>(*high) << 32) | *low;
  }

 private:
  ByteSpan b_;
  bool is64_;
  bool big_;
};

// PIE executables are ET_DYN like shared libraries. DF_1_PIE settles it. Linkers older than binutils
// 2.31 did not set it: without any DT_FLAGS_1, an interpreter and no DT_SONAME count instead
// (libc.so.6 has PT_INTERP but also a soname; PAM modules with an interpreter carry DT_FLAGS_1).
bool elf_dyn_is_executable(const ElfFields& elf, size_t size) {
  const bool is64 = elf.is64();
  const auto phoff = elf.addr(is64 ? 32 : 28);
  const auto phentsize = elf.half(is64 ? 54 : 42);
  const auto phnum = elf.half(is64 ? 56 : 44);
  if (!phoff || !phentsize || !phnum || *phoff >= size || *phentsize < (is64 ? 56u : 32u)) return false;

  bool has_interp = false;
  std::optional<uint64_t> dyn_offset;
  std::optional<uint64_t> dyn_size;
  for (size_t i = 0; i < *phnum && i < kMaxProgramHeaders; ++i) {
    const size_t header = static_cast<size_t>(*phoff) + i * *phentsize;  // < size + 4 MiB: no wrap
    const auto type = elf.word(header);
    if (!type) break;
    if (*type == kPtInterp) has_interp = true;
    if (*type == kPtDynamic) {
      dyn_offset = elf.addr(header + (is64 ? 8 : 4));
      dyn_size = elf.addr(header + (is64 ? 32 : 16));
    }
  }

  bool pie_flag = false;
  bool has_flags1 = false;
  bool has_soname = false;
  if (dyn_offset && dyn_size && *dyn_offset < size) {
    const size_t entry_size = is64 ? 16 : 8;
    const uint64_t count = *dyn_size / entry_size;
    for (uint64_t i = 0; i < count && i < kMaxDynamicEntries; ++i) {
      const size_t entry = static_cast<size_t>(*dyn_offset + i * entry_size);
      const auto tag = elf.addr(entry);
      const auto value = elf.addr(entry + entry_size / 2);
      if (!tag || !value || *tag == kDtNull) break;
      if (*tag == kDtSoname) has_soname = true;
      if (*tag == kDtFlags1) {
        has_flags1 = true;
        pie_flag = (*value & kDf1Pie) != 0;
      }
    }
  }
  return pie_flag || (!has_flags1 && has_interp && !has_soname);
}

FileFormat sniff_elf(ByteSpan b) {
  const auto elf_class = b.u8(4);
  const auto data = b.u8(5);
  if (!elf_class || !data || (*elf_class != 1 && *elf_class != 2) || (*data != 1 && *data != 2)) {
    return FileFormat::Unknown;
  }
  const ElfFields elf(b, *elf_class == 2, *data == 2);
  const auto type = elf.half(16);
  if (!type) return FileFormat::Unknown;  // cut off after the ident: no subtype to name
  switch (*type) {
    case 1: return FileFormat::ElfRelocatable;
    case 2: return FileFormat::ElfExecutable;
    case 3:
      return elf_dyn_is_executable(elf, b.size()) ? FileFormat::ElfExecutable : FileFormat::ElfSharedObject;
    case 4: return FileFormat::ElfCore;
    default: return FileFormat::Unknown;
  }
}

// ---- Mach-O ---------------------------------------------------------------------------------------

FileFormat macho_from_filetype(uint32_t filetype) {
  switch (filetype) {
    case 1: return FileFormat::MachOObject;      // MH_OBJECT
    case 2: return FileFormat::MachOExecutable;  // MH_EXECUTE
    case 3:                                      // MH_FVMLIB
    case 6:                                      // MH_DYLIB
    case 7:                                      // MH_DYLINKER: dyld is loaded like a library
    case 9:                                      // MH_DYLIB_STUB
      return FileFormat::MachODylib;
    case 8:   // MH_BUNDLE
    case 11:  // MH_KEXT_BUNDLE
      return FileFormat::MachOBundle;
    default:  // core, preload, dSYM, fileset: libmagic describes them better than a wrong subtype
      return FileFormat::Unknown;
  }
}

// Fat binaries share 0xcafebabe with Java class files: there the next word is the class version
// (major >= 45), in a fat header it is the architecture count, which is small.
constexpr uint32_t kMaxFatArchs = 30;

FileFormat sniff_macho(ByteSpan b) {
  const auto magic = b.be32(0);
  if (!magic) return FileFormat::Unknown;
  std::optional<uint32_t> filetype;
  switch (*magic) {
    case 0xfeedface:
    case 0xfeedfacf: filetype = b.be32(12); break;
    case 0xcefaedfe:
    case 0xcffaedfe: filetype = b.le32(12); break;
    case 0xcafebabe:
    case 0xcafebabf: {
      // FAT_MAGIC_64 is Mach-O's alone: any count is a (perhaps hostile) fat header, whose table the
      // fat reader caps and checks.
      const auto archs = b.be32(4);
      const uint32_t most = *magic == 0xcafebabf ? UINT32_MAX : kMaxFatArchs;
      return (archs && *archs >= 1 && *archs <= most) ? FileFormat::MachOFat : FileFormat::Unknown;
    }
    default: return FileFormat::Unknown;
  }
  return filetype ? macho_from_filetype(*filetype) : FileFormat::Unknown;
}

// ---- ZIP family -----------------------------------------------------------------------------------

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

bool is_hex_digit(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

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

// ---- Images, audio, video -------------------------------------------------------------------------

FileFormat sniff_bmp(ByteSpan b) {
  const auto info_size = b.le32(14);
  if (!info_size) return FileFormat::Unknown;
  switch (*info_size) {  // BITMAPCOREHEADER, OS/2 2.x, BITMAPINFOHEADER and its V2..V5 successors
    case 12: case 16: case 40: case 52: case 56: case 64: case 108: case 124: return FileFormat::Bmp;
    default: return FileFormat::Unknown;
  }
}

FileFormat sniff_ico(ByteSpan b) {
  const auto count = b.le16(4);
  const auto reserved = b.u8(9);
  const auto planes = b.le16(10);
  const auto bits = b.le16(12);
  const auto bytes = b.le32(14);
  const auto offset = b.le32(18);
  if (!count || !reserved || !planes || !bits || !bytes || !offset || *count == 0) return FileFormat::Unknown;
  const bool bits_ok = *bits == 0 || *bits == 1 || *bits == 2 || *bits == 4 || *bits == 8 || *bits == 16 ||
                       *bits == 24 || *bits == 32;
  const bool ok = (*reserved == 0 || *reserved == 0xff) && *planes <= 1 && bits_ok && *bytes != 0 &&
                  *offset >= 6 + 16 * size_t{*count};
  return ok ? FileFormat::Ico : FileFormat::Unknown;
}

FileFormat sniff_riff(ByteSpan b) {
  if (b.matches(8, "WEBP")) return FileFormat::WebP;
  if (b.matches(8, "WAVE")) return FileFormat::Wav;
  if (b.matches(8, "AVI ")) return FileFormat::Avi;
  return FileFormat::Unknown;
}

// ID3v2 tag: version 2..4, then a "synchsafe" size (7 bits per byte). FLAC files are tagged too.
FileFormat sniff_id3(ByteSpan b) {
  const auto version = b.u8(3);
  const auto flags = b.u8(5);
  if (!version || !flags || *version < 2 || *version > 4 || b.u8(4) == uint8_t{0xff}) {
    return FileFormat::Unknown;
  }
  size_t tag_size = 0;
  for (size_t i = 6; i < 10; ++i) {
    const auto part = b.u8(i);
    if (!part || *part >= 0x80) return FileFormat::Unknown;
    tag_size = (tag_size << 7) | *part;
  }
  const size_t after = 10 + tag_size + ((*flags & 0x10) ? 10 : 0);  // 0x10: a footer follows
  return b.matches(after, "fLaC") ? FileFormat::Flac : FileFormat::Mp3;
}

struct MpegFrame {
  uint32_t version;
  uint32_t layer;
  uint32_t rate_index;
  size_t length;
};

// Decodes an MPEG audio frame header; nullopt for anything reserved, free-format or invalid.
std::optional<MpegFrame> parse_mpeg_frame(uint32_t h) {
  const uint32_t version = (h >> 19) & 3;  // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
  const uint32_t layer_bits = (h >> 17) & 3;
  const uint32_t bitrate_index = (h >> 12) & 15;
  const uint32_t rate_index = (h >> 10) & 3;
  if ((h >> 21) != 0x7ff || version == 1 || layer_bits == 0 || bitrate_index == 0 || bitrate_index == 15 ||
      rate_index == 3 || (h & 3) == 2) {
    return std::nullopt;
  }
  static constexpr uint16_t kKbps[2][3][15] = {
      {{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
       {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
       {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}},
      {{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
       {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
       {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}}};
  static constexpr uint32_t kRates[3] = {44100, 48000, 32000};
  const bool mpeg1 = version == 3;
  const uint32_t layer = 4 - layer_bits;
  const uint32_t bitrate = kKbps[mpeg1 ? 0 : 1][layer - 1][bitrate_index] * 1000u;
  const uint32_t rate = kRates[rate_index] >> (mpeg1 ? 0 : (version == 2 ? 1 : 2));
  const uint32_t padding = (h >> 9) & 1;
  size_t length = 0;
  if (layer == 1) length = (12 * bitrate / rate + padding) * 4;
  else if (layer == 3 && !mpeg1) length = 72 * bitrate / rate + padding;
  else length = 144 * bitrate / rate + padding;
  return MpegFrame{version, layer, rate_index, length};
}

// Raw MPEG audio: a sane frame header, the whole first frame present, and when the input is long
// enough, a second frame header of the same stream right after it.
FileFormat sniff_mpeg_audio(ByteSpan b) {
  const auto header = b.be32(0);
  const auto frame = header ? parse_mpeg_frame(*header) : std::nullopt;
  if (!frame || frame->length < 4 || b.size() < frame->length) return FileFormat::Unknown;
  if (const auto next_header = b.be32(frame->length)) {
    const auto next = parse_mpeg_frame(*next_header);
    if (!next || next->version != frame->version || next->layer != frame->layer ||
        next->rate_index != frame->rate_index) {
      return FileFormat::Unknown;
    }
  }
  return FileFormat::Mp3;
}

// ISO base media: an "ftyp" box first, with a sane size and a printable major brand.
FileFormat sniff_iso_media(ByteSpan b) {
  const auto box_size = b.be32(0);
  const auto brand = b.exact(8, 4);
  if (!box_size || !brand || (*box_size != 1 && (*box_size < 16 || *box_size > 4096))) {
    return FileFormat::Unknown;
  }
  for (const char c : brand->as_chars()) {
    if (c < 0x20 || c > 0x7e) return FileFormat::Unknown;
  }
  return FileFormat::Mp4;
}

FileFormat sniff_flv(ByteSpan b) {
  const auto flags = b.u8(4);
  const auto header_size = b.be32(5);
  const bool ok = flags && header_size && (*flags & 0xfa) == 0 && *header_size >= 9;
  return ok ? FileFormat::Flv : FileFormat::Unknown;
}

// TNEF (winmail.dat): the signature 0x223e9f78, a two-byte key, then the first attribute's level
// (1 message, 2 attachment).
FileFormat sniff_tnef(ByteSpan b) {
  const auto level = b.u8(6);
  return !level || *level == 1 || *level == 2 ? FileFormat::Tnef : FileFormat::Unknown;
}

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

FileFormat sniff_format(ByteSpan bytes, std::string_view name) {
  if (bytes.empty()) return FileFormat::Empty;
  FileFormat format = sniff_leading_magic(bytes);
  if (format == FileFormat::Unknown) format = sniff_fixed_offsets(bytes);
  if (format == FileFormat::Unknown) format = sniff::sniff_text(bytes, name);
  if (format == FileFormat::Unknown) format = sniff_weak_magic(bytes);
  return format;
}

}  // namespace assay
