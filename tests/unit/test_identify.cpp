// Unit tests for identify/: the vocabulary table and the built-in sniffer (sniff_format).
//
// Every input is built here byte by byte, minimal but structurally real, plus the hostile variants a
// sniffer meets in the wild: truncated headers, offsets past the end, loops, bogus directories.

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "identify/identify.h"

namespace {

using assay::FileFormat;
using Bytes = std::vector<uint8_t>;

// A string_view over a literal that keeps embedded NUL bytes.
template <size_t N>
constexpr std::string_view bin(const char (&text)[N]) {
  return std::string_view(text, N - 1);
}

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

void put(Bytes& b, size_t offset, std::string_view text) {
  if (b.size() < offset + text.size()) b.resize(offset + text.size());
  std::memcpy(b.data() + offset, text.data(), text.size());
}
void put_uint(Bytes& b, size_t offset, uint64_t value, size_t width, bool big_endian = false) {
  if (b.size() < offset + width) b.resize(offset + width);
  for (size_t i = 0; i < width; ++i) {
    const size_t shift = 8 * (big_endian ? width - 1 - i : i);
    b[offset + i] = static_cast<uint8_t>(value >> shift);
  }
}
void put_le16(Bytes& b, size_t offset, uint64_t v) { put_uint(b, offset, v, 2); }
void put_le32(Bytes& b, size_t offset, uint64_t v) { put_uint(b, offset, v, 4); }
void put_le64(Bytes& b, size_t offset, uint64_t v) { put_uint(b, offset, v, 8); }
void put_be32(Bytes& b, size_t offset, uint64_t v) { put_uint(b, offset, v, 4, true); }

// What sniff() returns: a FileFormat that prints as its table row ("PE/Dll #3") when a check fails,
// where doctest would print a bare enum value.
struct Sniffed {
  FileFormat format;
  friend bool operator==(Sniffed s, FileFormat f) { return s.format == f; }
};
std::ostream& operator<<(std::ostream& out, Sniffed s) {
  const auto& info = assay::format_info(s.format);
  return out << info.file_type << "/" << info.file_subtype << " #" << static_cast<int>(s.format);
}

Sniffed sniff(const Bytes& b, std::string_view name = {}) {
  return {assay::sniff_format(assay::ByteSpan(b.data(), b.size()), name)};
}
Sniffed sniff(std::string_view text, std::string_view name = {}) {
  return {
      assay::sniff_format(assay::ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()), name)};
}

Bytes prefix(const Bytes& b, size_t length) {
  return Bytes(b.begin(), b.begin() + static_cast<long>(length));
}

// ---- builders ------------------------------------------------------------------------------------

// MZ stub + PE signature + COFF header + optional header magic.
Bytes make_pe(uint16_t optional_magic, uint16_t characteristics, uint16_t machine = 0x14c) {
  Bytes b(0x40 + 24 + 0xe0, 0);
  put(b, 0, "MZ");
  put_le32(b, 0x3c, 0x40);
  put(b, 0x40, bin("PE\0\0"));
  put_le16(b, 0x44, machine);
  put_le16(b, 0x54, 0xe0);  // SizeOfOptionalHeader
  put_le16(b, 0x56, characteristics);
  put_le16(b, 0x58, optional_magic);
  return b;
}

struct ElfLayout {
  bool is64;
  bool big;
};

struct ProgramHeader {
  uint32_t type;
  uint64_t offset;
  uint64_t size;
};

// An ELF header, optional program headers and a dynamic section built from (tag, value) pairs.
Bytes make_elf(ElfLayout l, uint16_t type, const std::vector<ProgramHeader>& phdrs = {},
               const std::vector<std::pair<uint64_t, uint64_t>>& dynamic = {}) {
  const size_t word = l.is64 ? 8 : 4;
  const size_t header_size = l.is64 ? 64 : 52;
  const size_t phentsize = l.is64 ? 56 : 32;
  Bytes b(header_size, 0);
  put(b, 0,
      "\x7f"
      "ELF");
  b[4] = l.is64 ? 2 : 1;
  b[5] = l.big ? 2 : 1;
  b[6] = 1;
  put_uint(b, 16, type, 2, l.big);
  put_uint(b, 18, l.is64 ? 62 : 3, 2, l.big);
  put_uint(b, 20, 1, 4, l.big);
  if (!phdrs.empty() || !dynamic.empty()) {
    const size_t phoff = header_size;
    const size_t dyn_offset = phoff + (phdrs.size() + (dynamic.empty() ? 0 : 1)) * phentsize;
    put_uint(b, l.is64 ? 32 : 28, phoff, word, l.big);
    put_uint(b, l.is64 ? 54 : 42, phentsize, 2, l.big);
    put_uint(b, l.is64 ? 56 : 44, phdrs.size() + (dynamic.empty() ? 0 : 1), 2, l.big);
    std::vector<ProgramHeader> all = phdrs;
    if (!dynamic.empty()) all.push_back({2, dyn_offset, dynamic.size() * 2 * word});
    for (size_t i = 0; i < all.size(); ++i) {
      const size_t at = phoff + i * phentsize;
      b.resize(at + phentsize, 0);
      put_uint(b, at, all[i].type, 4, l.big);
      put_uint(b, at + (l.is64 ? 8 : 4), all[i].offset, word, l.big);
      put_uint(b, at + (l.is64 ? 32 : 16), all[i].size, word, l.big);
    }
    for (size_t i = 0; i < dynamic.size(); ++i) {
      put_uint(b, dyn_offset + i * 2 * word, dynamic[i].first, word, l.big);
      put_uint(b, dyn_offset + i * 2 * word + word, dynamic[i].second, word, l.big);
    }
  }
  return b;
}

constexpr uint64_t kDtSoname = 14;
constexpr uint64_t kDtFlags1 = 0x6ffffffb;
constexpr uint64_t kDf1Pie = 0x08000000;
constexpr uint32_t kPtInterp = 3;

Bytes make_macho(uint32_t magic, uint32_t filetype, bool big_endian) {
  Bytes b(32, 0);
  put_uint(b, 0, magic, 4, big_endian);
  put_uint(b, 4, 0x01000007, 4, big_endian);  // x86_64
  put_uint(b, 12, filetype, 4, big_endian);
  return b;
}

struct ZipMember {
  std::string name;
  std::string data;
  uint16_t method = 0;
  uint16_t flags = 0;
};

// Local headers, then a central directory naming the members plus `central_only` names, then the end
// record. `zip64` writes the end record with 0xffffffff fields and real values in a zip64 record.
Bytes make_zip(const std::vector<ZipMember>& members, const std::vector<std::string>& central_only = {},
               bool zip64 = false) {
  Bytes b;
  std::vector<size_t> offsets;
  for (const ZipMember& m : members) {
    const size_t at = b.size();
    offsets.push_back(at);
    put(b, at, bin("PK\3\4"));
    put_le16(b, at + 4, 20);
    put_le16(b, at + 6, m.flags);
    put_le16(b, at + 8, m.method);
    put_le32(b, at + 18, m.data.size());
    put_le32(b, at + 22, m.data.size());
    put_le16(b, at + 26, m.name.size());
    put_le16(b, at + 28, 0);
    put(b, at + 30, m.name);
    put(b, at + 30 + m.name.size(), m.data);
  }
  const size_t directory = b.size();
  size_t entries = 0;
  const auto central = [&](const std::string& name, size_t local_offset) {
    const size_t at = b.size();
    put(b, at, bin("PK\1\2"));
    put_le16(b, at + 28, name.size());
    put_le16(b, at + 30, 0);
    put_le16(b, at + 32, 0);
    put_le32(b, at + 42, local_offset);
    put(b, at + 46, name);
    ++entries;
  };
  for (size_t i = 0; i < members.size(); ++i) central(members[i].name, offsets[i]);
  for (const std::string& name : central_only) central(name, 0);
  const size_t directory_size = b.size() - directory;
  if (zip64) {
    const size_t record = b.size();
    put(b, record, bin("PK\6\6"));
    put_le64(b, record + 4, 44);
    put_le64(b, record + 24, entries);
    put_le64(b, record + 32, entries);
    put_le64(b, record + 40, directory_size);
    put_le64(b, record + 48, directory);
    const size_t locator = b.size();
    put(b, locator, bin("PK\6\7"));
    put_le64(b, locator + 8, record);
    put_le32(b, locator + 16, 1);
  }
  const size_t end = b.size();
  put(b, end, bin("PK\5\6"));
  put_le16(b, end + 8, zip64 ? 0xffff : entries);
  put_le16(b, end + 10, zip64 ? 0xffff : entries);
  put_le32(b, end + 12, zip64 ? 0xffffffff : directory_size);
  put_le32(b, end + 16, zip64 ? 0xffffffff : directory);
  put_le16(b, end + 20, 0);
  return b;
}

constexpr uint32_t kNoStream = 0xffffffff;

struct CfbEntry {
  std::u16string name;
  uint8_t type = 2;  // 1 storage, 2 stream, 5 root
  uint32_t left = kNoStream, right = kNoStream, child = kNoStream;
  std::array<uint8_t, 16> clsid{};
};

// A compound file: header, FAT in sector 0, the directory from sector 1 on (chained through the FAT).
Bytes make_cfb(const std::vector<CfbEntry>& entries, unsigned shift = 9) {
  const size_t sector = size_t{1} << shift;
  const size_t per_sector = sector / 128;
  const size_t directory_sectors = (entries.size() + per_sector - 1) / per_sector;
  Bytes b((2 + directory_sectors) * sector, 0);
  put(b, 0, bin("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"));
  put_le16(b, 24, 0x3e);
  put_le16(b, 26, shift == 9 ? 3 : 4);
  put_le16(b, 28, 0xfffe);
  put_le16(b, 30, shift);
  put_le16(b, 32, 6);
  put_le32(b, 44, 1);  // one FAT sector
  put_le32(b, 48, 1);  // the directory starts in sector 1
  put_le32(b, 56, 4096);
  put_le32(b, 60, 0xfffffffe);
  put_le32(b, 68, 0xfffffffe);
  for (size_t i = 0; i < 109; ++i) put_le32(b, 76 + 4 * i, i == 0 ? 0 : 0xffffffff);
  const size_t fat = sector;  // sector 0
  for (size_t i = 0; i < per_sector * 32; ++i) put_le32(b, fat + 4 * i, 0xffffffff);
  put_le32(b, fat, 0xfffffffd);  // sector 0 is the FAT itself
  for (size_t s = 1; s <= directory_sectors; ++s)
    put_le32(b, fat + 4 * s, s == directory_sectors ? 0xfffffffe : s + 1);
  for (size_t i = 0; i < entries.size(); ++i) {
    const size_t at = 2 * sector + i * 128;
    const CfbEntry& e = entries[i];
    for (size_t k = 0; k < e.name.size(); ++k) put_le16(b, at + 2 * k, e.name[k]);
    put_le16(b, at + 64, (e.name.size() + 1) * 2);
    b[at + 66] = e.type;
    b[at + 67] = 1;
    put_le32(b, at + 68, e.left);
    put_le32(b, at + 72, e.right);
    put_le32(b, at + 76, e.child);
    std::memcpy(b.data() + at + 80, e.clsid.data(), 16);
  }
  return b;
}

CfbEntry root_entry(uint32_t child) {
  CfbEntry root;
  root.name = u"Root Entry";
  root.type = 5;
  root.child = child;
  return root;
}

CfbEntry stream(std::u16string name, uint32_t left = kNoStream, uint32_t right = kNoStream) {
  CfbEntry e;
  e.name = std::move(name);
  e.left = left;
  e.right = right;
  return e;
}

// A 512-byte tar header with a correct checksum; `magic` goes at 257 ("" for old v7 archives).
Bytes make_tar_header(std::string_view name, std::string_view magic) {
  Bytes b(512, 0);
  put(b, 0, name);
  put(b, 100, bin("0000644\0"));
  put(b, 108, bin("0001750\0"));
  put(b, 116, bin("0001750\0"));
  put(b, 124, bin("00000000006\0"));
  put(b, 136, bin("14507250710\0"));
  b[156] = '0';
  put(b, 257, magic);
  put(b, 148, "        ");
  unsigned sum = 0;
  for (const uint8_t c : b) sum += c;
  char field[8];
  std::snprintf(field, sizeof field, "%06o", sum);
  put(b, 148, std::string_view(field, 6));
  b[154] = '\0';
  b[155] = ' ';
  return b;
}

// MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames.
constexpr uint32_t kMp3Header = 0xfffb9000;
constexpr size_t kMp3FrameLength = 417;

std::string utf16le(std::string_view ascii, bool bom = true) {
  std::string out = bom ? std::string("\xff\xfe") : std::string();
  for (const char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

}  // namespace

// ---- the table -----------------------------------------------------------------------------------

TEST_CASE("every format in the table has a file_type, and the table round-trips") {
  // New formats are appended after Binary: saved reports store a format's index, so rows never move.
  REQUIRE(assay::format_count() >= static_cast<size_t>(FileFormat::Binary) + 1);
  for (size_t i = 0; i < assay::format_count(); ++i) {
    const FileFormat format = assay::format_at(i);
    CAPTURE(i);
    CHECK(static_cast<size_t>(format) == i);
    CHECK_FALSE(assay::format_info(format).file_type.empty());
    CHECK_FALSE(assay::format_info(format).file_subtype.empty());
  }
  CHECK(assay::format_info(FileFormat::PeDll).file_subtype == "Dll");
  CHECK(assay::format_info(FileFormat::Unknown).identification.empty());
}

TEST_CASE("empty input is Empty") {
  CHECK(sniff(Bytes{}) == FileFormat::Empty);
  CHECK(sniff(Bytes{}, "empty.js") == FileFormat::Empty);
}

// ---- executables ---------------------------------------------------------------------------------

TEST_CASE("PE: 32/64-bit, exe/dll from the optional header magic and Characteristics") {
  CHECK(sniff(make_pe(0x10b, 0x0102)) == FileFormat::PeExe);
  CHECK(sniff(make_pe(0x10b, 0x2102)) == FileFormat::PeDll);
  CHECK(sniff(make_pe(0x20b, 0x0022, 0x8664)) == FileFormat::PePlusExe);
  CHECK(sniff(make_pe(0x20b, 0x2022, 0x8664)) == FileFormat::PePlusDll);
  // The name never overrides a binary signature.
  CHECK(sniff(make_pe(0x10b, 0x0102), "invoice.pdf.js") == FileFormat::PeExe);
}

TEST_CASE("PE: an MZ file stays PE whatever it embeds") {
  Bytes b = make_pe(0x10b, 0x0102);
  put(b, 0x200, bin("PK\3\4"));
  put(b, 0x300, "%PDF-1.7");
  CHECK(sniff(b) == FileFormat::PeExe);
}

TEST_CASE("PE: hostile and truncated headers fall back to Dos") {
  Bytes past_end = make_pe(0x10b, 0x0102);
  put_le32(past_end, 0x3c, past_end.size() + 100);
  CHECK(sniff(past_end) == FileFormat::Dos);

  Bytes huge = make_pe(0x10b, 0x0102);
  put_le32(huge, 0x3c, 0xfffffff0);
  CHECK(sniff(huge) == FileFormat::Dos);

  Bytes at_end = make_pe(0x10b, 0x0102);  // "PE\0\0" is the last thing in the file
  at_end.resize(0x44);
  CHECK(sniff(at_end) == FileFormat::Dos);

  Bytes rom = make_pe(0x107, 0x0102);  // neither PE32 nor PE32+
  CHECK(sniff(rom) == FileFormat::Dos);

  Bytes dos(64, 0);  // a plain DOS program: no e_lfanew at all
  put(dos, 0, "MZ");
  CHECK(sniff(dos) == FileFormat::Dos);

  // The optional header is cut off: the machine decides between PE and PE+.
  CHECK(sniff(prefix(make_pe(0x20b, 0x2022, 0x8664), 0x58)) == FileFormat::PePlusDll);
  CHECK(sniff(prefix(make_pe(0x10b, 0x0102, 0x14c), 0x58)) == FileFormat::PeExe);
}

TEST_CASE("PE: a short text starting with MZ is not a DOS program") {
  CHECK(sniff("MZ is a nice place\n") == FileFormat::PlainText);
}

TEST_CASE("ELF: e_type, both classes and byte orders") {
  for (const ElfLayout l :
       {ElfLayout{true, false}, ElfLayout{true, true}, ElfLayout{false, false}, ElfLayout{false, true}}) {
    CAPTURE(l.is64);
    CAPTURE(l.big);
    CHECK(sniff(make_elf(l, 1)) == FileFormat::ElfRelocatable);
    CHECK(sniff(make_elf(l, 2)) == FileFormat::ElfExecutable);
    CHECK(sniff(make_elf(l, 3)) == FileFormat::ElfSharedObject);
    CHECK(sniff(make_elf(l, 4)) == FileFormat::ElfCore);
    CHECK(sniff(make_elf(l, 0xfe00)) == FileFormat::Unknown);  // OS-specific type: let libmagic say
  }
}

TEST_CASE("ELF: PIE executables are ET_DYN told apart by DF_1_PIE or an interpreter without soname") {
  for (const ElfLayout l :
       {ElfLayout{true, false}, ElfLayout{true, true}, ElfLayout{false, false}, ElfLayout{false, true}}) {
    CAPTURE(l.is64);
    CAPTURE(l.big);
    CHECK(sniff(make_elf(l, 3, {}, {{kDtFlags1, kDf1Pie}, {0, 0}})) == FileFormat::ElfExecutable);
    CHECK(sniff(make_elf(l, 3, {{kPtInterp, 0, 28}})) == FileFormat::ElfExecutable);
    // libc.so.6 has an interpreter (it runs) but is a library: its soname says so.
    CHECK(sniff(make_elf(l, 3, {{kPtInterp, 0, 28}}, {{kDtSoname, 1}, {0, 0}})) ==
          FileFormat::ElfSharedObject);
    CHECK(sniff(make_elf(l, 3, {}, {{kDtSoname, 1}, {kDtFlags1, 0x1}, {0, 0}})) ==
          FileFormat::ElfSharedObject);
    // A modern linker writes DT_FLAGS_1 without the PIE bit for a plugin that has an interpreter.
    CHECK(sniff(make_elf(l, 3, {{kPtInterp, 0, 28}}, {{kDtFlags1, 0x1}, {0, 0}})) ==
          FileFormat::ElfSharedObject);
  }
}

TEST_CASE("ELF: truncated and hostile headers") {
  const Bytes full = make_elf({true, false}, 2);
  CHECK(sniff(prefix(full, 16)) == FileFormat::Unknown);  // ident only
  CHECK(sniff(prefix(full, 17)) == FileFormat::Unknown);  // half an e_type
  CHECK(sniff(prefix(full, 18)) == FileFormat::ElfExecutable);

  Bytes bad_class = make_elf({true, false}, 2);
  bad_class[4] = 7;
  CHECK(sniff(bad_class) == FileFormat::Unknown);

  // Program headers claimed far past the end, or thousands of them: still just a shared object.
  Bytes far = make_elf({true, false}, 3, {{kPtInterp, 0, 28}});
  put_le64(far, 32, 0xffffffffffff0000);
  CHECK(sniff(far) == FileFormat::ElfSharedObject);
  Bytes many = make_elf({true, false}, 3, {{1, 0, 0}});
  put_le16(many, 56, 0xffff);
  CHECK(sniff(many) == FileFormat::ElfSharedObject);
  // A dynamic segment whose offset and size run past the end.
  Bytes dyn = make_elf({true, false}, 3, {{2, 0xfffffffffffffff0, 0xffffffffffffffff}});
  CHECK(sniff(dyn) == FileFormat::ElfSharedObject);
}

TEST_CASE("Mach-O: thin files in both byte orders, 32 and 64-bit") {
  for (const uint32_t magic : {0xfeedfaceu, 0xfeedfacfu}) {
    for (const bool big : {true, false}) {
      CAPTURE(magic);
      CAPTURE(big);
      CHECK(sniff(make_macho(magic, 1, big)) == FileFormat::MachOObject);
      CHECK(sniff(make_macho(magic, 2, big)) == FileFormat::MachOExecutable);
      CHECK(sniff(make_macho(magic, 6, big)) == FileFormat::MachODylib);
      CHECK(sniff(make_macho(magic, 8, big)) == FileFormat::MachOBundle);
      CHECK(sniff(make_macho(magic, 4, big)) == FileFormat::Unknown);  // core: no row of its own
    }
  }
  CHECK(sniff(prefix(make_macho(0xfeedfacf, 2, false), 12)) == FileFormat::Unknown);  // cut before filetype
}

TEST_CASE("Mach-O fat versus Java class files (both 0xcafebabe)") {
  Bytes fat(48, 0);
  put_be32(fat, 0, 0xcafebabe);
  put_be32(fat, 4, 2);
  put_be32(fat, 8, 0x01000007);
  CHECK(sniff(fat) == FileFormat::MachOFat);
  put_be32(fat, 0, 0xcafebabf);
  CHECK(sniff(fat) == FileFormat::MachOFat);

  Bytes java(48, 0);
  put_be32(java, 0, 0xcafebabe);
  put_be32(java, 4, 0x00000034);  // minor 0, major 52 (Java 8)
  CHECK(sniff(java) == FileFormat::Unknown);
  CHECK(sniff(prefix(fat, 6)) == FileFormat::Unknown);  // count cut off
}

// ---- ZIP family ----------------------------------------------------------------------------------

TEST_CASE("ZIP: plain, and refined by member names") {
  CHECK(sniff(make_zip({{"a.txt", "hello"}})) == FileFormat::Zip);
  CHECK(sniff(make_zip({{"META-INF/", ""}, {"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"}})) ==
        FileFormat::Jar);
  CHECK(sniff(make_zip({{"AndroidManifest.xml", "x"}, {"META-INF/MANIFEST.MF", "x"}})) == FileFormat::Apk);
  CHECK(sniff(make_zip({{"META-INF/MANIFEST.MF", "x"}, {"classes.dex", "dex\n035"}})) == FileFormat::Apk);
  CHECK(sniff(make_zip({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", "<w/>"}})) ==
        FileFormat::Docx);
  CHECK(sniff(make_zip({{"[Content_Types].xml", "<Types/>"}, {"xl/workbook.xml", "<w/>"}})) ==
        FileFormat::Xlsx);
  CHECK(sniff(make_zip({{"[Content_Types].xml", "<Types/>"}, {"ppt/presentation.xml", "<p/>"}})) ==
        FileFormat::Pptx);
  // word/ without [Content_Types].xml is just a zip with a folder called word.
  CHECK(sniff(make_zip({{"word/notes.txt", "x"}})) == FileFormat::Zip);
  CHECK(sniff(make_zip({{"[Content_Types].xml", "<Types/>"}})) == FileFormat::Zip);
}

TEST_CASE("ZIP: OpenDocument from a stored first member called mimetype") {
  const std::string base = "application/vnd.oasis.opendocument.";
  CHECK(sniff(make_zip({{"mimetype", base + "text"}, {"content.xml", "<x/>"}})) == FileFormat::Odt);
  CHECK(sniff(make_zip({{"mimetype", base + "spreadsheet"}, {"content.xml", "<x/>"}})) == FileFormat::Ods);
  CHECK(sniff(make_zip({{"mimetype", base + "presentation"}, {"content.xml", "<x/>"}})) == FileFormat::Odp);
  CHECK(sniff(make_zip({{"mimetype", base + "graphics"}})) == FileFormat::Zip);  // ODG: no row
  CHECK(sniff(make_zip({{"mimetype", base + "text", 8}})) == FileFormat::Zip);   // not stored
  CHECK(sniff(make_zip({{"content.xml", "x"}, {"mimetype", base + "text"}})) ==
        FileFormat::Zip);  // not first
}

TEST_CASE("ZIP: names only in the central directory count") {
  // The local headers say nothing; the directory at the end names classes.dex.
  CHECK(sniff(make_zip({{"a.txt", "x"}}, {"classes.dex"})) == FileFormat::Apk);
  // The walk over local headers stops at a data descriptor; the directory still decides.
  CHECK(sniff(make_zip({{"x.bin", "", 8, 0x0008}, {"META-INF/MANIFEST.MF", "x"}})) == FileFormat::Jar);
  // More members than the local-header walk looks at.
  std::vector<ZipMember> many;
  for (int i = 0; i < 20; ++i) many.push_back({"word/media/image" + std::to_string(i) + ".png", "x"});
  CHECK(sniff(make_zip(many, {"[Content_Types].xml"})) == FileFormat::Docx);
  // Zip64 end records.
  CHECK(sniff(make_zip({{"a.txt", "x"}}, {"META-INF/MANIFEST.MF"}, true)) == FileFormat::Jar);
}

TEST_CASE("ZIP: empty archives, spanning markers, comments") {
  Bytes empty(22, 0);
  put(empty, 0, bin("PK\5\6"));
  CHECK(sniff(empty) == FileFormat::Zip);
  CHECK(sniff(prefix(empty, 10)) == FileFormat::Unknown);  // a cut end record is nothing

  Bytes spanned = bytes_of(bin("PK\7\x08"));
  const Bytes jar = make_zip({{"META-INF/MANIFEST.MF", "x"}});
  spanned.insert(spanned.end(), jar.begin(), jar.end());
  CHECK(sniff(spanned) == FileFormat::Jar);

  Bytes commented = make_zip({{"a.txt", "x"}}, {"AndroidManifest.xml"});
  put_le16(commented, commented.size() - 2, 7);
  put(commented, commented.size(), "comment");
  CHECK(sniff(commented) == FileFormat::Apk);
}

TEST_CASE("ZIP: bogus central directories are ignored, not trusted") {
  Bytes bogus_size = make_zip({{"META-INF/MANIFEST.MF", "x"}}, {"classes.dex"});
  put_le32(bogus_size, bogus_size.size() - 10, 0xfffffff0);  // directory larger than the file
  CHECK(sniff(bogus_size) == FileFormat::Jar);               // the local header still counts

  Bytes bogus_comment = make_zip({{"a.txt", "x"}}, {"classes.dex"});
  put_le16(bogus_comment, bogus_comment.size() - 2, 0xffff);  // comment runs past the end
  CHECK(sniff(bogus_comment) == FileFormat::Zip);

  Bytes garbage_directory = make_zip({{"a.txt", "x"}});
  put_le32(garbage_directory, garbage_directory.size() - 10, 4);  // points into the end record itself
  CHECK(sniff(garbage_directory) == FileFormat::Zip);

  Bytes zip64_without_record = make_zip({{"a.txt", "x"}}, {"classes.dex"});
  put_le32(zip64_without_record, zip64_without_record.size() - 6, 0xffffffff);
  CHECK(sniff(zip64_without_record) == FileFormat::Zip);

  Bytes lying_sizes = make_zip({{"a.txt", "x"}, {"b.txt", "y"}});
  put_le32(lying_sizes, 18, 0xfffffff0);  // first member claims 4 GiB of data
  put_le16(lying_sizes, 26, 0xffff);      // and a name longer than the file
  CHECK(sniff(lying_sizes) == FileFormat::Zip);

  const Bytes truncated = prefix(make_zip({{"AndroidManifest.xml", "x"}}), 20);  // inside the first header
  CHECK(sniff(truncated) == FileFormat::Zip);
}

// ---- OLE2 ----------------------------------------------------------------------------------------

TEST_CASE("OLE2: Word, Excel, PowerPoint from the root's streams") {
  CHECK(sniff(make_cfb({root_entry(1), stream(u"WordDocument", 2), stream(u"1Table")})) == FileFormat::Doc);
  CHECK(sniff(make_cfb({root_entry(1), stream(u"Workbook")})) == FileFormat::Xls);
  CHECK(sniff(make_cfb({root_entry(1), stream(u"Book")})) == FileFormat::Xls);
  CHECK(sniff(make_cfb({root_entry(2), stream(u"Current User"), stream(u"PowerPoint Document", 1)})) ==
        FileFormat::Ppt);
  CHECK(sniff(make_cfb({root_entry(1), stream(u"Contents")})) == FileFormat::Ole2);
  CHECK(sniff(make_cfb({root_entry(1), stream(u"WORDDOCUMENT")})) == FileFormat::Doc);  // names ignore case
}

TEST_CASE("OLE2: 4096-byte sectors and a directory spanning several sectors") {
  CHECK(sniff(make_cfb({root_entry(1), stream(u"Workbook")}, 12)) == FileFormat::Xls);
  // Six entries need two 512-byte sectors; the root's only child lives in the second.
  std::vector<CfbEntry> entries = {root_entry(5), stream(u"a"), stream(u"b"),
                                   stream(u"c"),  stream(u"d"), stream(u"WordDocument")};
  CHECK(sniff(make_cfb(entries)) == FileFormat::Doc);
}

TEST_CASE("OLE2: streams of embedded objects do not decide the outer type") {
  CfbEntry pool;
  pool.name = u"ObjectPool";
  pool.type = 1;
  pool.child = 2;
  // Excel workbook embedding a Word document: WordDocument is a grandchild of the root.
  CHECK(sniff(make_cfb({root_entry(1), pool, stream(u"WordDocument"), stream(u"Workbook")})) ==
        FileFormat::Ole2);
  pool.right = 3;
  CHECK(sniff(make_cfb({root_entry(1), pool, stream(u"WordDocument"), stream(u"Workbook")})) ==
        FileFormat::Xls);
}

TEST_CASE("OLE2: Windows Installer by root CLSID or mangled table names") {
  CfbEntry root = root_entry(1);
  root.clsid = {0x84, 0x10, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00,
                0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
  CHECK(sniff(make_cfb({root, stream(u"\x4840\x3f3f\x4577")})) == FileFormat::Msi);
  root.clsid[0] = 0x85;  // some other class
  CHECK(sniff(make_cfb({root, stream(u"Contents")})) == FileFormat::Ole2);
  CHECK(sniff(make_cfb({root, stream(u"\x4840\x3f3f\x4577")})) == FileFormat::Msi);
}

TEST_CASE("OLE2: hostile headers and directories") {
  Bytes far = make_cfb({root_entry(1), stream(u"WordDocument")});
  put_le32(far, 48, 0x7ffffff0);  // directory sector far beyond the file
  CHECK(sniff(far) == FileFormat::Ole2);

  Bytes bad_shift = make_cfb({root_entry(1), stream(u"WordDocument")});
  put_le16(bad_shift, 30, 31);
  CHECK(sniff(bad_shift) == FileFormat::Ole2);

  Bytes header_only = prefix(make_cfb({root_entry(1), stream(u"WordDocument")}), 512);
  CHECK(sniff(header_only) == FileFormat::Ole2);
  CHECK(sniff(prefix(header_only, 8)) == FileFormat::Ole2);

  // A FAT chain that loops on itself, and a root whose tree links in a cycle.
  std::vector<CfbEntry> entries = {root_entry(5), stream(u"a"), stream(u"b"),
                                   stream(u"c"),  stream(u"d"), stream(u"WordDocument")};
  Bytes loop = make_cfb(entries);
  put_le32(loop, 512 + 4, 1);              // sector 1 -> sector 1
  CHECK(sniff(loop) == FileFormat::Ole2);  // the child in sector 2 is never reached
  CHECK(sniff(make_cfb({root_entry(1), stream(u"a", 2, 1), stream(u"b", 1, 2)})) == FileFormat::Ole2);

  Bytes not_root = make_cfb({root_entry(1), stream(u"WordDocument")});
  not_root[1024 + 66] = 2;  // entry 0 is not a root storage
  CHECK(sniff(not_root) == FileFormat::Ole2);

  Bytes long_name = make_cfb({root_entry(1), stream(u"WordDocument")});
  put_le16(long_name, 1024 + 128 + 64, 0xfff0);  // name length beyond the 64-byte field
  CHECK(sniff(long_name) == FileFormat::Ole2);
}

// ---- archives and compressors --------------------------------------------------------------------

TEST_CASE("archives and compressors with fixed magic") {
  CHECK(sniff(bin("7z\xbc\xaf\x27\x1c\x00\x04")) == FileFormat::SevenZip);
  CHECK(sniff(bin("Rar!\x1a\x07\x00\xcf\x90\x73")) == FileFormat::Rar4);
  CHECK(sniff(bin("Rar!\x1a\x07\x01\x00\x33\x92")) == FileFormat::Rar5);
  CHECK(sniff(bin("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")) == FileFormat::Gzip);
  CHECK(sniff(bin("\xfd"
                  "7zXZ\x00\x00\x04\xe6\xd6\xb4\x46")) == FileFormat::Xz);
  CHECK(sniff(bin("LZIP\x01\x0c\x00")) == FileFormat::Lzip);
  CHECK(sniff("LZIP is a compressor\n") == FileFormat::PlainText);
  CHECK(sniff(bin("\x28\xb5\x2f\xfd\x24\x06\x31\x00")) == FileFormat::Zstd);
  CHECK(sniff(bin("\x04\x22\x4d\x18\x64\x40\xa7")) == FileFormat::Lz4);
  CHECK(sniff(bin("\x02\x21\x4c\x18\x10\x00\x00\x00")) == FileFormat::Lz4);
  CHECK(sniff(bin("\x1f\x9d\x90\x68\x65")) == FileFormat::UnixCompress);
  CHECK(sniff(bin("\x1f\x9d\x05\x68\x65")) == FileFormat::Unknown);  // code width 5: not compress
  CHECK(sniff(bin("\xed\xab\xee\xdb\x03\x00\x00\x00")) == FileFormat::Rpm);
  CHECK(sniff(bin("xar!\x00\x1c\x00\x01\x00\x00\x00\x00")) == FileFormat::Xar);
  CHECK(sniff(bin("MSCF\x00\x00\x00\x00\x40\x00\x00\x00")) == FileFormat::Cab);
  CHECK(sniff("MSCF is not a cabinet\n") == FileFormat::PlainText);
}

TEST_CASE("bzip2 needs a block or end-of-stream marker after the level") {
  CHECK(sniff(bin("BZh91AY&SY\x12\x34")) == FileFormat::Bzip2);
  CHECK(sniff(bin("BZh1\x17\x72\x45\x38\x50\x90\x00\x00\x00\x00")) == FileFormat::Bzip2);
  CHECK(sniff("BZh9 is not a stream header\n") == FileFormat::PlainText);
  CHECK(sniff(bin("BZh0"
                  "1AY&SY")) == FileFormat::PlainText);  // level 0 does not exist
}

TEST_CASE("zstd skippable frames: step over them to the real frame") {
  Bytes b(16, 0);
  put_le32(b, 0, 0x184d2a50);
  put_le32(b, 4, 4);
  put_le32(b, 12, 0x184d2204);  // an LZ4 frame follows
  CHECK(sniff(b) == FileFormat::Lz4);
  put_le32(b, 12, 0xfd2fb528);
  CHECK(sniff(b) == FileFormat::Zstd);
  put_le32(b, 4, 0xfffffff0);  // a skippable frame longer than the file: still zstd's magic
  CHECK(sniff(b) == FileFormat::Zstd);
}

TEST_CASE("LZMA-alone: conservative header check") {
  Bytes lzma = bytes_of(bin("\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x26\x1b\xca"));
  CHECK(sniff(lzma) == FileFormat::Lzma);
  Bytes odd_dictionary = lzma;
  put_le32(odd_dictionary, 1, 0x00012345);
  CHECK(sniff(odd_dictionary) == FileFormat::Unknown);
  Bytes bad_properties = lzma;
  bad_properties[0] = 0xe1;
  CHECK(sniff(bad_properties) == FileFormat::Unknown);
  Bytes nonzero_first_byte = lzma;
  nonzero_first_byte[13] = 0x42;
  CHECK(sniff(nonzero_first_byte) == FileFormat::Unknown);
  CHECK(sniff(prefix(lzma, 13)) == FileFormat::Unknown);
}

TEST_CASE("tar: ustar magic or a valid v7 checksum") {
  CHECK(sniff(make_tar_header("hello.txt", bin("ustar\0"
                                               "00"))) == FileFormat::Tar);
  CHECK(sniff(make_tar_header("hello.txt", "ustar  ")) == FileFormat::Tar);
  CHECK(sniff(make_tar_header("hello.txt", "")) == FileFormat::Tar);
  Bytes corrupt = make_tar_header("hello.txt", "");
  corrupt[0] = 'j';  // the checksum no longer adds up
  CHECK(sniff(corrupt) == FileFormat::Unknown);
  CHECK(sniff(prefix(make_tar_header("hello.txt", ""), 511)) == FileFormat::Unknown);
}

TEST_CASE("cpio: ASCII and binary headers") {
  CHECK(sniff("070701000000010000816400000000") == FileFormat::Cpio);
  CHECK(sniff("070702000000010000816400000000") == FileFormat::Cpio);
  CHECK(sniff("070707000001000001100644000000") == FileFormat::Cpio);
  CHECK(sniff("0707 is a date\n") == FileFormat::PlainText);

  Bytes little(40, 0);
  put_le16(little, 0, 0x71c7);
  put_le16(little, 20, 6);
  put(little, 26, bin("a.txt\0"));
  CHECK(sniff(little) == FileFormat::Cpio);
  Bytes big(40, 0);
  put_uint(big, 0, 0x71c7, 2, true);
  put_uint(big, 20, 6, 2, true);
  put(big, 26, bin("a.txt\0"));
  CHECK(sniff(big) == FileFormat::Cpio);
  Bytes unterminated = little;
  unterminated[31] = 'x';
  CHECK(sniff(unterminated) == FileFormat::Unknown);
}

TEST_CASE("ar and Debian packages") {
  Bytes deb = bytes_of("!<arch>\ndebian-binary   1342943816  0     0     100644  4         `\n2.0\n");
  CHECK(sniff(deb) == FileFormat::Deb);
  Bytes deb_gnu = bytes_of("!<arch>\ndebian-binary/  0           0     0     644     4         `\n2.0\n");
  CHECK(sniff(deb_gnu) == FileFormat::Deb);
  Bytes ar = bytes_of("!<arch>\nhello.o/        0           0     0     644     4         `\nabcd");
  CHECK(sniff(ar) == FileFormat::Ar);
  CHECK(sniff("!<arch>\n") == FileFormat::Ar);
}

TEST_CASE("ISO 9660 at each of its fixed offsets") {
  for (const size_t offset : {size_t{0x8001}, size_t{0x8801}, size_t{0x9001}}) {
    CAPTURE(offset);
    Bytes iso(offset + 0x800, 0);
    iso[offset - 1] = 1;
    put(iso, offset, "CD001");
    CHECK(sniff(iso) == FileFormat::Iso9660);
  }
  Bytes short_iso(0x8003, 0);
  put(short_iso, 0x8001, "CD");  // cut inside the identifier
  CHECK(sniff(short_iso) == FileFormat::Unknown);
}

TEST_CASE("LZH: method id at offset 2 and a plausible header level") {
  Bytes level0(40, 0);
  level0[0] = 0x22;
  put(level0, 2, "-lh5-");
  CHECK(sniff(level0) == FileFormat::Lzh);
  Bytes level2(40, 0);
  put_le16(level2, 0, 0x30);
  put(level2, 2, "-lh0-");
  level2[20] = 2;
  CHECK(sniff(level2) == FileFormat::Lzh);
  Bytes bad_method = level0;
  put(bad_method, 2, "-lh9-");
  CHECK(sniff(bad_method) == FileFormat::Unknown);
  Bytes bad_level = level0;
  bad_level[20] = 9;
  CHECK(sniff(bad_level) == FileFormat::Unknown);
}

// ---- documents -----------------------------------------------------------------------------------

TEST_CASE("PDF at the start or behind junk within the first KiB") {
  CHECK(sniff("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n") == FileFormat::Pdf);
  Bytes junk(300, 0x01);
  put(junk, 300, "%PDF-1.4\n");
  CHECK(sniff(junk) == FileFormat::Pdf);
  Bytes too_late(1100, 0x01);
  put(too_late, 1100, "%PDF-1.4\n");
  CHECK(sniff(too_late) == FileFormat::Unknown);
  CHECK(sniff("This file mentions %PDF- without a version.\n") == FileFormat::PlainText);
  CHECK(sniff(bin("{\\rtf1\\ansi\\deff0 hello}")) == FileFormat::Rtf);
}

// ---- images, audio, video ------------------------------------------------------------------------

TEST_CASE("images") {
  CHECK(sniff(bin("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")) == FileFormat::Png);
  CHECK(sniff(bin("\xff\xd8\xff\xe0\x00\x10JFIF\x00")) == FileFormat::Jpeg);
  CHECK(sniff(bin("GIF87a\x01\x00\x01\x00")) == FileFormat::Gif);
  CHECK(sniff(bin("GIF89a\x01\x00\x01\x00")) == FileFormat::Gif);
  CHECK(sniff(bin("II*\x00\x08\x00\x00\x00")) == FileFormat::Tiff);
  CHECK(sniff(bin("MM\x00*\x00\x00\x00\x08")) == FileFormat::Tiff);

  Bytes bmp(60, 0);
  put(bmp, 0, "BM");
  put_le32(bmp, 2, 60);
  put_le32(bmp, 10, 54);
  put_le32(bmp, 14, 40);
  CHECK(sniff(bmp) == FileFormat::Bmp);
  put_le32(bmp, 14, 41);
  CHECK(sniff(bmp) == FileFormat::Unknown);
  CHECK(sniff("BMW and Audi are car makers.\n") == FileFormat::PlainText);

  Bytes ico(40, 0);
  put_le16(ico, 2, 1);
  put_le16(ico, 4, 1);
  ico[6] = 16;
  ico[7] = 16;
  put_le16(ico, 10, 1);
  put_le16(ico, 12, 32);
  put_le32(ico, 14, 1128);
  put_le32(ico, 18, 22);
  CHECK(sniff(ico) == FileFormat::Ico);
  Bytes no_images = ico;
  put_le16(no_images, 4, 0);
  CHECK(sniff(no_images) == FileFormat::Unknown);
  Bytes overlapping = ico;
  put_le32(overlapping, 18, 8);  // image data inside the directory
  CHECK(sniff(overlapping) == FileFormat::Unknown);
  CHECK(sniff(prefix(ico, 10)) == FileFormat::Unknown);
}

TEST_CASE("RIFF forms") {
  CHECK(sniff(bin("RIFF\x24\x00\x00\x00WEBPVP8 ")) == FileFormat::WebP);
  CHECK(sniff(bin("RIFF\x24\x00\x00\x00WAVEfmt ")) == FileFormat::Wav);
  CHECK(sniff(bin("RIFF\x24\x00\x00\x00"
                  "AVI LIST")) == FileFormat::Avi);
  CHECK(sniff(bin("RIFF\x24\x00\x00\x00RMIDdata")) == FileFormat::Unknown);
  CHECK(sniff(bin("RIFF\x24\x00")) == FileFormat::Unknown);
}

TEST_CASE("MP3: ID3 tags and raw frame sync") {
  CHECK(sniff(bin("ID3\x04\x00\x00\x00\x00\x00\x0a"
                  "0123456789\xff\xfb\x90\x00")) == FileFormat::Mp3);
  CHECK(sniff(bin("ID3\x03\x00\x00\x00\x00\x00\x04"
                  "abcdfLaC\x00\x00")) == FileFormat::Flac);                    // tagged FLAC
  CHECK(sniff(bin("ID3\x09\x00\x00\x00\x00\x00\x00")) == FileFormat::Unknown);  // no such ID3 version

  Bytes frames(2 * kMp3FrameLength + 4, 0);
  put_be32(frames, 0, kMp3Header);
  put_be32(frames, kMp3FrameLength, kMp3Header);
  put_be32(frames, 2 * kMp3FrameLength, kMp3Header);
  CHECK(sniff(frames) == FileFormat::Mp3);
  Bytes lone_sync = frames;
  put_be32(lone_sync, kMp3FrameLength, 0x12345678);  // no second frame where the first one ends
  CHECK(sniff(lone_sync) == FileFormat::Unknown);
  CHECK(sniff(prefix(frames, 100)) == FileFormat::Unknown);  // not even one whole frame
  Bytes reserved = frames;
  put_be32(reserved, 0, 0xffeb9000);  // version bits 01 are reserved
  CHECK(sniff(reserved) == FileFormat::Unknown);
}

TEST_CASE("audio and video containers") {
  CHECK(sniff(bin("fLaC\x00\x00\x00\x22")) == FileFormat::Flac);
  CHECK(sniff(bin("OggS\x00\x02\x00\x00")) == FileFormat::Ogg);
  CHECK(sniff(bin("\x00\x00\x00\x18"
                  "ftypisom\x00\x00\x02\x00isomiso2")) == FileFormat::Mp4);
  CHECK(sniff(bin("\x00\x00\x00\x14"
                  "ftypqt  \x00\x00\x00\x00qt  ")) == FileFormat::Mp4);
  CHECK(sniff(bin("\x00\x00\x00\x18"
                  "ftyp\x01\x02\x03\x04")) == FileFormat::Unknown);  // unprintable brand
  CHECK(sniff(bin("\x1a\x45\xdf\xa3\x9f\x42\x86\x81")) == FileFormat::Matroska);
  CHECK(sniff(bin("FLV\x01\x05\x00\x00\x00\x09\x00")) == FileFormat::Flv);
  CHECK(sniff(bin("FLV\x01\x05\x00\x00\x00\x02\x00")) == FileFormat::Unknown);  // header shorter than itself
}

// ---- text ----------------------------------------------------------------------------------------

TEST_CASE("text: shebang interpreters") {
  CHECK(sniff("#!/bin/sh\necho hi\n") == FileFormat::ShellScript);
  CHECK(sniff("#! /bin/bash -e\necho hi\n") == FileFormat::ShellScript);
  CHECK(sniff("#!/usr/bin/zsh\r\necho hi\r\n") == FileFormat::ShellScript);
  CHECK(sniff("#!/usr/bin/env python3\nprint(1)\n") == FileFormat::PythonScript);
  CHECK(sniff("#!/usr/bin/python3.11 -u\nprint(1)\n") == FileFormat::PythonScript);
  CHECK(sniff("#!/usr/bin/perl -w\nprint 1;\n") == FileFormat::PerlScript);
  CHECK(sniff("#!/usr/bin/perl5.36-x86_64-linux-gnu\nprint 1;\n") == FileFormat::PerlScript);
  CHECK(sniff("#!/usr/bin/python3-dbg\nprint(1)\n") == FileFormat::PythonScript);
  CHECK(sniff("#!/usr/bin/shellcheck\n") == FileFormat::PlainText);  // "sh" must be the whole name
  CHECK(sniff("#!/usr/bin/env ruby\nputs 1\n") == FileFormat::RubyScript);
  CHECK(sniff("#!/usr/bin/php\n<?php echo 1;\n") == FileFormat::PhpScript);
  CHECK(sniff("#!/usr/bin/env node\nconsole.log(1)\n") == FileFormat::NodeScript);
  CHECK(sniff("#!/usr/bin/env -S nodejs --harmony\n1\n") == FileFormat::NodeScript);
  CHECK(sniff("#!/usr/bin/env LANG=C perl\n1\n") == FileFormat::PerlScript);
  // An interpreter we do not name, or Rust's inner attribute: plain text, or the name decides.
  CHECK(sniff("#!/usr/bin/awk -f\n{ print }\n") == FileFormat::PlainText);
  CHECK(sniff("#!/usr/bin/awk -f\n{ print }\n", "x.sh") == FileFormat::ShellScript);
  CHECK(sniff("#![allow(dead_code)]\nfn main() {}\n") == FileFormat::PlainText);
  // The shebang wins over the name.
  CHECK(sniff("#!/bin/sh\necho hi\n", "script.py") == FileFormat::ShellScript);
}

TEST_CASE("text: PHP, HTML, XML") {
  CHECK(sniff("<?php\necho 'hi';\n") == FileFormat::PhpScript);
  CHECK(sniff("  \n<?PHP system($_GET['c']); ?>") == FileFormat::PhpScript);
  CHECK(sniff("<!DOCTYPE html>\n<html><body>hi</body></html>\n") == FileFormat::Html);
  CHECK(sniff("\xef\xbb\xbf  <HTML>\n<p>x</p>") == FileFormat::Html);
  CHECK(sniff("<!-- saved from url=(0014)about:internet -->\n<html>\n") == FileFormat::Html);
  CHECK(sniff("<script>document.write('x')</script>") == FileFormat::Html);
  CHECK(sniff("<head><title>x</title></head>") == FileFormat::Html);
  CHECK(sniff("<html><body><?php echo 1; ?></body></html>") == FileFormat::PhpScript);
  CHECK(sniff("<header-note>not html</header-note>\n") == FileFormat::PlainText);
  CHECK(sniff("<?xml version=\"1.0\"?>\n<root/>\n") == FileFormat::Xml);
  CHECK(sniff("<?xml version=\"1.0\"?>\n<!DOCTYPE html>\n<html/>") == FileFormat::Xml);
  CHECK(sniff("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>") ==
        FileFormat::Xml);
}

TEST_CASE("text: email needs two header lines including a mail header") {
  CHECK(sniff("Received: from mx.example.com\n\tby mail.example.org\nFrom: a@example.com\nSubject: "
              "hi\n\nbody\n") == FileFormat::Email);
  CHECK(sniff("Return-Path: <a@example.com>\r\nDelivered-To: b@example.com\r\n\r\nbody") ==
        FileFormat::Email);
  CHECK(sniff("From a@example.com Thu Jan  1 00:00:00 2024\nSubject: hi\n\nbody\n") == FileFormat::Mbox);
  CHECK(sniff("MIME-Version: 1.0\nContent-Type: text/plain\n\nbody\n") == FileFormat::Email);
  CHECK(sniff("From: me\n\nJust one header.\n") == FileFormat::PlainText);
  CHECK(sniff("Content-Type: text/plain\nContent-Length: 4\n\nbody") == FileFormat::PlainText);  // HTTP-ish
  CHECK(sniff("Dear John: thanks.\nFrom: me\n") == FileFormat::PlainText);
  CHECK(sniff("From the author:\nNote: this is prose.\n") == FileFormat::PlainText);
}

TEST_CASE("text: JSON") {
  CHECK(sniff("{\"name\": \"assay\", \"version\": [1, 2.5e3, -3], \"ok\": true, \"x\": null}") ==
        FileFormat::Json);
  CHECK(sniff("  [\n  {\"a\": \"b\\\"c\"},\n  []\n]\n") == FileFormat::Json);
  CHECK(sniff("{}") == FileFormat::Json);
  CHECK(sniff("{\"a\":1}\n{\"a\":2}\n") == FileFormat::Json);  // JSON Lines
  CHECK(sniff("[Section]\nkey=value\n") == FileFormat::PlainText);
  CHECK(sniff("{ this is not json }") == FileFormat::PlainText);
  CHECK(sniff("{\"a\": 1,}") == FileFormat::PlainText);
  CHECK(sniff("{\"a\": 1} trailing") == FileFormat::PlainText);
  CHECK(sniff("{\"a\": 1") == FileFormat::PlainText);  // the whole input, unterminated
  // Longer than the text prefix: cut mid-document without an error so far.
  std::string long_json = "{\"data\": \"" + std::string(6000, 'x') + "\"}";
  CHECK(sniff(long_json) == FileFormat::Json);
  std::string long_array = "[";
  for (int i = 0; i < 2000; ++i) long_array += "12345,";
  long_array += "0]";
  CHECK(sniff(long_array) == FileFormat::Json);
}

TEST_CASE("text: the name breaks ties for scripts without a marker") {
  const std::string_view body = "some commands\nmore commands\n";
  CHECK(sniff(body) == FileFormat::PlainText);
  CHECK(sniff(body, "run.ps1") == FileFormat::PowerShell);
  CHECK(sniff(body, "Mod.PSM1") == FileFormat::PowerShell);
  CHECK(sniff(body, "a.vbs") == FileFormat::VbScript);
  CHECK(sniff(body, "a.vbe") == FileFormat::VbScript);
  CHECK(sniff(body, "dir/a.js") == FileFormat::JavaScript);
  CHECK(sniff(body, "a.jse") == FileFormat::JavaScript);
  CHECK(sniff(body, "a.mjs") == FileFormat::JavaScript);
  CHECK(sniff(body, "C:\\x\\RUN.BAT") == FileFormat::Batch);
  CHECK(sniff(body, "a.cmd") == FileFormat::Batch);
  CHECK(sniff(body, "a.sh") == FileFormat::ShellScript);
  CHECK(sniff(body, "a.py") == FileFormat::PythonScript);
  CHECK(sniff(body, "a.pl") == FileFormat::PerlScript);
  CHECK(sniff(body, "a.rb") == FileFormat::RubyScript);
  CHECK(sniff(body, "a.php") == FileFormat::PhpScript);
  CHECK(sniff(body, "a.txt") == FileFormat::PlainText);
  CHECK(sniff(body, "js") == FileFormat::PlainText);  // no extension at all
}

TEST_CASE("text: content hints without a helpful name") {
  CHECK(sniff("@echo off\r\nset X=1\r\n") == FileFormat::Batch);
  CHECK(sniff("  @ECHO OFF\ncopy a b\n") == FileFormat::Batch);
  CHECK(sniff("param(\n  [string]$Path\n)\nGet-Item $Path\n") == FileFormat::PowerShell);
  CHECK(sniff("[CmdletBinding()]\nparam()\n") == FileFormat::PowerShell);
  CHECK(sniff("$x = 1\nWrite-Host \"hello\"\n") == FileFormat::PowerShell);
  CHECK(sniff("$p = $env:TEMP\n") == FileFormat::PowerShell);
  CHECK(sniff("Dim shell\nSet shell = CreateObject(\"WScript.Shell\")\nshell.Run \"calc\"\n") ==
        FileFormat::VbScript);
  CHECK(sniff("On Error Resume Next\nx = 1\n") == FileFormat::VbScript);
  CHECK(sniff("var shell = WScript.CreateObject(\"WScript.Shell\");\nshell.Run(\"calc\");\n") ==
        FileFormat::JavaScript);
  CHECK(sniff("function f(a) {\n  return a + 1;\n}\nvar x = f(1);\n") == FileFormat::JavaScript);
  CHECK(sniff("document.write(unescape('%3Cscript%3E'));\n") == FileFormat::JavaScript);
  CHECK(sniff("const f = (x) => x * 2;\n") == FileFormat::JavaScript);
  CHECK(sniff("eval(atob('YWxlcnQoMSk='))") == FileFormat::JavaScript);
}

TEST_CASE("text: English prose stays PlainText") {
  CHECK(sniff("The function of this document is to describe the var and const sections.\n") ==
        FileFormat::PlainText);
  CHECK(sniff("Set the table. Dim the lights.\nWe went to the window. The document.\n") ==
        FileFormat::PlainText);
  CHECK(sniff("Let me know: the param (if any) is optional.\n") == FileFormat::PlainText);
  CHECK(sniff("Hello, world!\n") == FileFormat::PlainText);
  CHECK(sniff("x") == FileFormat::PlainText);
}

TEST_CASE("text: other languages do not pass for JavaScript") {
  CHECK(sniff("my %h = (a => 1, b => 2);\nmy $x = eval($y);\n") == FileFormat::PlainText);            // Perl
  CHECK(sniff("static const int x = 1;\nconst char* f(const char* s);\n") == FileFormat::PlainText);  // C
  CHECK(sniff("node = self.document.createElement(name)\nconsole = 1\n") == FileFormat::PlainText);  // Python
  CHECK(sniff("These functions (and others) are documented; let it be.\n") == FileFormat::PlainText);
  CHECK(sniff("if (a == b) x = 1;\nvar == 2;\n") == FileFormat::PlainText);
}

TEST_CASE("text versus binary") {
  CHECK(sniff("caf\xc3\xa9 na\xc3\xafve \xe2\x82\xac 5 \xf0\x9f\x98\x80\n") ==
        FileFormat::PlainText);  // UTF-8
  CHECK(sniff("Gr\xfc\xdf"
              "e aus M\xfcnchen, sch\xf6ne Stra\xdf"
              "e und sehr viel mehr Text hier.\n") == FileFormat::PlainText);  // a little Latin-1
  CHECK(sniff("\x1b[1;31mred\x1b[0m and a form feed\f\n") == FileFormat::PlainText);
  CHECK(sniff(bin("hello\0world")) == FileFormat::Unknown);
  CHECK(sniff(bin("\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f")) == FileFormat::Unknown);
  CHECK(sniff("\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc\xfe\xff\xc0\xaf") == FileFormat::Unknown);
  CHECK(sniff("\xef\xbb\xbf") == FileFormat::PlainText);  // a BOM alone
  CHECK(sniff("\xef\xbb\xbf#!/bin/sh\necho\n") == FileFormat::ShellScript);
  // A UTF-8 character split by the 4 KiB prefix bound is not held against the text.
  std::string split(4095, 'a');
  split += "\xc3\xa9 more";
  CHECK(sniff(split) == FileFormat::PlainText);
}

TEST_CASE("text: UTF-16 with a BOM") {
  CHECK(sniff(utf16le("Write-Host \"hi\"\r\n")) == FileFormat::PowerShell);
  CHECK(sniff(utf16le("plain words\r\n")) == FileFormat::PlainText);
  CHECK(sniff(utf16le("<html><body>x</body></html>")) == FileFormat::Html);
  CHECK(sniff(utf16le("plain words\r\n"), "x.vbs") == FileFormat::VbScript);
  std::string big_endian = "\xfe\xff";
  for (const char c : std::string_view("@echo off\r\n")) {
    big_endian.push_back('\0');
    big_endian.push_back(c);
  }
  CHECK(sniff(big_endian) == FileFormat::Batch);
  // NUL code units are binary, not text.
  CHECK(sniff(bin("\xff\xfe\x00\x00\x01\x00\x02\x00")) == FileFormat::Unknown);
  CHECK(sniff(utf16le("no BOM here", false)) == FileFormat::Unknown);
}

// ---- robustness ----------------------------------------------------------------------------------

TEST_CASE("every prefix and many corruptions of every sample are sniffed safely") {
  std::vector<Bytes> samples = {
      make_pe(0x20b, 0x2022, 0x8664),
      make_elf({true, false}, 3, {{kPtInterp, 0, 28}}, {{kDtSoname, 1}, {kDtFlags1, kDf1Pie}, {0, 0}}),
      make_elf({false, true}, 3, {{kPtInterp, 0, 28}}, {{kDtFlags1, kDf1Pie}, {0, 0}}),
      make_zip({{"mimetype", "application/vnd.oasis.opendocument.text"}, {"a", "b"}}, {"classes.dex"}),
      make_zip({{"a.txt", "x"}}, {"META-INF/MANIFEST.MF"}, true),
      make_cfb(
          {root_entry(5), stream(u"a"), stream(u"b"), stream(u"c"), stream(u"d"), stream(u"WordDocument")}),
      make_tar_header("hello.txt", ""),
      bytes_of("{\"a\": [1, 2, {\"b\": null}]}"),
      bytes_of("Received: x\nFrom: y\n\nbody"),
  };
  for (const Bytes& sample : samples) {
    for (size_t length = 0; length <= sample.size(); ++length) {
      const FileFormat format = sniff(prefix(sample, length)).format;
      REQUIRE(static_cast<size_t>(format) < assay::format_count());
      if (length == 0) CHECK(format == FileFormat::Empty);
    }
    // Deterministic corruption: set each byte in turn to 0xff and to 0x00.
    for (size_t i = 0; i < sample.size(); i += 3) {
      for (const uint8_t value : {uint8_t{0xff}, uint8_t{0x00}}) {
        Bytes corrupt = sample;
        corrupt[i] = value;
        REQUIRE(static_cast<size_t>(sniff(corrupt).format) < assay::format_count());
      }
    }
  }
}
