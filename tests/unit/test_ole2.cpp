// Units for the OLE2 readers: [MS-OVBA] decompression on the specification's examples and on broken
// containers; the compound file reader on hand-built files with hostile chains (loops, sectors outside
// the file, shared sectors, absurd counts and sizes, loops in the directory tree); the dir stream,
// property sets and MSI stream names.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "analyze/ole_properties.h"
#include "analyze/vba_project.h"
#include "unpack/ole2_cfb.h"
#include "unpack/ole2_text.h"
#include "unpack/unpacker.h"

namespace {

using assay::ByteSpan;
using assay::CfbFile;

std::vector<uint8_t> bytes_of(std::initializer_list<int> values) {
  std::vector<uint8_t> out;
  for (const int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

ByteSpan span(const std::vector<uint8_t>& v) { return ByteSpan(v.data(), v.size()); }

std::string decompress(const std::vector<uint8_t>& container, bool& whole, size_t max_out = 1 << 20) {
  std::vector<uint8_t> out;
  std::string problem;
  whole = assay::ovba_decompress(span(container), out, max_out, [](size_t) { return true; }, problem);
  return std::string(out.begin(), out.end());
}

constexpr uint32_t kEnd = 0xfffffffe, kFree = 0xffffffff, kFatMark = 0xfffffffd, kNone = 0xffffffff;

// A compound file written field by field: sector 0 holds the FAT, sector 1 the directory, sectors
// 2.. hold data. Tests then break exactly one thing.
struct Image {
  size_t sector_size;
  std::vector<uint8_t> bytes;

  explicit Image(size_t sectors, size_t size = 512) : sector_size(size), bytes(size * (sectors + 1), 0) {
    const uint8_t signature[] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    std::memcpy(bytes.data(), signature, sizeof signature);
    put16(24, 0x3e);
    put16(26, size == 512 ? 3 : 4);
    put16(28, 0xfffe);
    put16(30, size == 512 ? 9 : 12);
    put16(32, 6);
    put32(44, 1);       // one FAT sector
    put32(48, 1);       // directory at sector 1
    put32(56, 4096);    // mini stream cutoff
    put32(60, kEnd);    // no MiniFAT
    put32(68, kEnd);    // no DIFAT sectors
    for (size_t i = 0; i < 109; ++i) put32(76 + 4 * i, kFree);
    put32(76, 0);  // the FAT is sector 0
    for (size_t i = 0; i < size / 4; ++i) fat(static_cast<uint32_t>(i), kFree);
    fat(0, kFatMark);
    fat(1, kEnd);
    for (uint32_t id = 0; id < size / 128; ++id) entry(id, "", 0, kNone, kNone, kNone, 0, 0);
  }
  size_t sector(uint32_t n) const { return (n + 1) * sector_size; }
  void put16(size_t at, uint16_t v) {
    bytes[at] = v & 0xff;
    bytes[at + 1] = v >> 8;
  }
  void put32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = (v >> (8 * i)) & 0xff;
  }
  void fat(uint32_t s, uint32_t next) { put32(sector(0) + 4 * s, next); }
  void chain(std::initializer_list<uint32_t> sectors) {
    const uint32_t* p = sectors.begin();
    for (; p + 1 != sectors.end(); ++p) fat(*p, *(p + 1));
    fat(*p, kEnd);
  }
  void entry(uint32_t id, const std::string& name, uint8_t type, uint32_t left, uint32_t right, uint32_t child,
             uint32_t start, uint32_t size) {
    const size_t at = sector(1) + 128 * id;
    for (size_t i = 0; i < name.size(); ++i) put16(at + 2 * i, static_cast<uint8_t>(name[i]));
    put16(at + 64, static_cast<uint16_t>(name.empty() ? 0 : 2 * name.size() + 2));
    bytes[at + 66] = type;
    put32(at + 68, left);
    put32(at + 72, right);
    put32(at + 76, child);
    put32(at + 116, start);
    put32(at + 120, size);
  }
  void fill(uint32_t s, uint8_t value) { std::memset(bytes.data() + sector(s), value, sector_size); }
  // Root (entry 0) with one stream "A" (entry 1).
  void root_with_stream(uint32_t start, uint32_t size) {
    entry(0, "Root Entry", 5, kNone, kNone, 1, kEnd, 0);
    entry(1, "A", 2, kNone, kNone, kNone, start, size);
  }
  std::unique_ptr<CfbFile> open() const { return CfbFile::open(ByteSpan(bytes.data(), bytes.size())); }
};

bool any_problem_contains(const CfbFile& cfb, const std::string& text) {
  for (const std::string& problem : cfb.problems()) {
    if (problem.find(text) != std::string::npos) return true;
  }
  return false;
}

std::vector<uint8_t> copy_all(const CfbFile& cfb, uint32_t id) {
  std::vector<uint8_t> out;
  cfb.copy(id, out, SIZE_MAX, [](size_t) { return true; });
  return out;
}

}  // namespace

TEST_CASE("MS-OVBA 3.2.1: a container of literals only") {
  bool whole = false;
  const auto container = bytes_of({0x01, 0x19, 0xB0, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x00, 0x69,
                                   0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x00, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76,
                                   0x2E});
  CHECK(decompress(container, whole) == "abcdefghijklmnopqrstuv.");
  CHECK(whole);
}

TEST_CASE("MS-OVBA 3.2.2: normal compression with copy tokens") {
  bool whole = false;
  const auto container = bytes_of({0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64, 0x65, 0x82,
                                   0x66, 0x00, 0x70, 0x61, 0x67, 0x68, 0x69, 0x6A, 0x01, 0x38, 0x08, 0x61, 0x6B,
                                   0x6C, 0x00, 0x30, 0x6D, 0x6E, 0x6F, 0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x10,
                                   0x72, 0x73, 0x74, 0x75, 0x76, 0x10, 0x77, 0x78, 0x79, 0x7A, 0x00, 0x3C});
  CHECK(decompress(container, whole) == "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa");
  CHECK(whole);
}

TEST_CASE("MS-OVBA 3.2.3: maximum compression, one copy overlapping its own output") {
  bool whole = false;
  CHECK(decompress(bytes_of({0x01, 0x03, 0xB0, 0x02, 0x61, 0x45, 0x00}), whole) == std::string(73, 'a'));
  CHECK(whole);
}

TEST_CASE("MS-OVBA: a raw chunk holds 4096 bytes whatever follows") {
  std::vector<uint8_t> container = {0x01, 0xFF, 0x3F};
  for (int i = 0; i < 4096; ++i) container.push_back(static_cast<uint8_t>('A' + i % 26));
  container.insert(container.end(), {0x02, 0xB0, 0x00, 0x7A, 0x7A});  // then a compressed chunk "zz"
  bool whole = false;
  const std::string out = decompress(container, whole);
  CHECK(whole);
  REQUIRE(out.size() == 4098);
  CHECK(out.substr(4094) == "MNzz");
}

TEST_CASE("MS-OVBA: broken containers stop with a reason and keep what was decoded") {
  bool whole = true;
  // Not a container.
  CHECK(decompress(bytes_of({0x02, 0x03, 0xB0, 0x00, 0x61}), whole).empty());
  CHECK_FALSE(whole);
  // A chunk header whose signature bits are not 0b011.
  CHECK(decompress(bytes_of({0x01, 0x03, 0xA0, 0x00, 0x61, 0x62}), whole).empty());
  CHECK_FALSE(whole);
  // Cut off inside a chunk (3.2.2 without its last byte): the literals before are kept.
  const auto truncated = bytes_of({0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62});
  CHECK(decompress(truncated, whole) == "#aaab");
  CHECK_FALSE(whole);
  // A copy token reaching before the start of the chunk.
  CHECK(decompress(bytes_of({0x01, 0x03, 0xB0, 0x02, 0x61, 0x00, 0x10}), whole) == "a");
  CHECK_FALSE(whole);
  // A copy token with no second byte.
  CHECK(decompress(bytes_of({0x01, 0x02, 0xB0, 0x02, 0x61, 0x45}), whole) == "a");
  CHECK_FALSE(whole);
}

TEST_CASE("MS-OVBA: output is capped and every chunk is charged before it is kept") {
  std::vector<uint8_t> container = {0x01};
  for (int chunk = 0; chunk < 50; ++chunk) {
    // 1 literal + copy of 4095: each 6-byte chunk expands to 4096 bytes.
    container.insert(container.end(), {0x03, 0xB0, 0x02, 0x61, 0xFC, 0x0F});
  }
  bool whole = true;
  CHECK(decompress(container, whole).size() == 50 * 4096);
  CHECK(whole);
  CHECK(decompress(container, whole, 10000).size() == 10000);
  CHECK_FALSE(whole);
  std::vector<uint8_t> out;
  std::string problem;
  size_t charged = 0;
  const bool ok = assay::ovba_decompress(span(container), out, SIZE_MAX,
                                         [&](size_t n) {
                                           charged += n;
                                           return charged <= 3 * 4096;
                                         },
                                         problem);
  CHECK_FALSE(ok);
  CHECK(out.size() == 3 * 4096);
  CHECK(problem.find("limit") != std::string::npos);
}

TEST_CASE("CFB: a stream in consecutive sectors is borrowed, a scattered one is copied in chain order") {
  Image image(11);
  image.root_with_stream(2, 4096 + 100);
  for (uint32_t s = 2; s < 10; ++s) image.fill(s, static_cast<uint8_t>('a' + s));
  image.chain({2, 3, 4, 5, 6, 7, 8, 9, 10});
  image.fill(10, 'z');
  auto cfb = image.open();
  REQUIRE(cfb);
  CHECK(cfb->problems().empty());
  REQUIRE(cfb->streams().size() == 1);
  CHECK(cfb->path_of(1) == "A");
  const auto whole = cfb->contiguous(1);
  REQUIRE(whole);
  CHECK(whole->data() == image.bytes.data() + image.sector(2));
  CHECK(whole->size() == 4096 + 100);

  image.chain({2, 4, 3, 5, 6, 7, 8, 9, 10});
  cfb = image.open();
  CHECK(cfb->problems().empty());
  CHECK_FALSE(cfb->contiguous(1));
  const auto copied = copy_all(*cfb, 1);
  REQUIRE(copied.size() == 4096 + 100);
  CHECK(copied[0] == 'c');
  CHECK(copied[512] == 'e');
  CHECK(copied[1024] == 'd');
  CHECK(copied[4096] == 'z');
}

TEST_CASE("CFB: a loop in a stream's FAT chain ends the stream where it closes") {
  Image image(4);
  image.root_with_stream(2, 8192);
  image.fat(2, 3);
  image.fat(3, 2);
  auto cfb = image.open();
  REQUIRE(cfb);
  CHECK(any_problem_contains(*cfb, "reached twice"));
  CHECK(cfb->entry(1).readable == 1024);
  CHECK(copy_all(*cfb, 1).size() == 1024);
}

TEST_CASE("CFB: sectors outside the file and absurd sizes are cut to what exists") {
  Image image(4);
  image.root_with_stream(2, 0xfffffff0);  // about 4 GiB stated in a 2.5 KiB file
  image.fat(2, 3);
  image.fat(3, 0x00ffffff);
  auto cfb = image.open();
  REQUIRE(cfb);
  CHECK(any_problem_contains(*cfb, "outside the file"));
  CHECK(cfb->entry(1).readable == 1024);

  Image start_outside(3);
  start_outside.root_with_stream(0x7fffffff, 5000);
  cfb = start_outside.open();
  CHECK(cfb->entry(1).readable == 0);
  CHECK(copy_all(*cfb, 1).empty());
}

TEST_CASE("CFB: two streams sharing sectors do not both get them") {
  Image image(6);
  image.entry(0, "Root Entry", 5, kNone, kNone, 1, kEnd, 0);
  image.entry(1, "A", 2, kNone, 2, kNone, 2, 4096);
  image.entry(2, "B", 2, kNone, kNone, kNone, 4, 4096);
  image.chain({2, 3, 4, 5});
  auto cfb = image.open();
  REQUIRE(cfb);
  CHECK(cfb->entry(1).readable == 2048);
  CHECK(cfb->entry(2).readable == 0);
  CHECK(any_problem_contains(*cfb, "stream 'B'"));
}

TEST_CASE("CFB: loops in the directory tree are walked once") {
  Image image(3);
  image.entry(0, "Root Entry", 5, kNone, kNone, 1, kEnd, 0);
  image.entry(1, "S", 1, 2, 1, 2, 0, 0);         // a storage that is its own right sibling
  image.entry(2, "T", 2, 0, 1, kNone, kEnd, 0);  // a stream linking back to the root and to S
  auto cfb = image.open();
  REQUIRE(cfb);
  CHECK(any_problem_contains(*cfb, "linked twice"));
  CHECK(cfb->streams().size() == 1);
  CHECK(cfb->find("T"));
}

TEST_CASE("CFB: storages nested past the depth cap are not entered") {
  Image image(2);
  image.entry(0, "Root Entry", 5, kNone, kNone, 1, kEnd, 0);
  for (uint32_t id = 1; id < 3; ++id) image.entry(id, "D", 1, kNone, kNone, id + 1, 0, 0);
  image.entry(3, "Leaf", 2, kNone, kNone, kNone, kEnd, 0);
  auto cfb = image.open();
  REQUIRE(cfb->streams().size() == 1);
  CHECK(cfb->path_of(3) == "D/D/Leaf");
  CHECK(cfb->find("d/D/leaf") == std::optional<uint32_t>(3));

  // A chain of 40 storages in a 40-entry directory (sectors 1..10, 4 entries each).
  Image deep(12);
  deep.put32(48, 1);
  deep.chain({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  for (uint32_t id = 0; id < 40; ++id) {
    const size_t at = deep.sector(1) + 128 * id;
    deep.put16(at, 'D');
    deep.put16(at + 64, 4);
    deep.bytes[at + 66] = id == 0 ? 5 : 1;
    deep.put32(at + 68, kNone);
    deep.put32(at + 72, kNone);
    deep.put32(at + 76, id + 1 < 40 ? id + 1 : kNone);
  }
  cfb = deep.open();
  REQUIRE(cfb);
  CHECK(cfb->entries().size() == 40);
  CHECK(any_problem_contains(*cfb, "nested deeper"));
}

TEST_CASE("CFB: absurd header counts and a looping DIFAT cost nothing") {
  Image image(3);
  image.root_with_stream(2, 600);
  image.chain({2, 3});
  image.put32(44, 0xffffffff);  // FAT sectors
  image.put32(68, 2);           // the DIFAT starts at sector 2...
  image.put32(72, 0xffffffff);
  image.fill(2, 0xff);
  image.put32(image.sector(2) + 508, 2);  // ...and links to itself
  image.put32(64, 0xffffffff);            // MiniFAT sectors
  image.put32(60, 3);
  auto cfb = image.open();
  REQUIRE(cfb);
  CHECK(any_problem_contains(*cfb, "FAT sectors stated"));
  CHECK(any_problem_contains(*cfb, "DIFAT: sector 2 is reached twice"));

  Image bad_shift(2);
  bad_shift.put16(30, 40);
  cfb = bad_shift.open();
  REQUIRE(cfb);
  CHECK(cfb->entries().empty());
  CHECK(any_problem_contains(*cfb, "sector shift"));

  std::vector<uint8_t> tiny(100, 0);
  CHECK_FALSE(CfbFile::open(span(tiny)));
}

TEST_CASE("CFB: 4096-byte sectors and small streams in the mini stream") {
  Image image(4, 4096);
  // Root's mini stream lives in sector 3; the MiniFAT in sector 2; stream "A" is mini sectors 0-1.
  image.put32(60, 2);
  image.put32(64, 1);
  image.put32(40, 1);
  image.entry(0, "Root Entry", 5, kNone, kNone, 1, 3, 128);
  image.entry(1, "A", 2, kNone, kNone, kNone, 0, 100);
  image.chain({2});
  image.chain({3});
  for (size_t i = 0; i < 1024; ++i) image.put32(image.sector(2) + 4 * i, kFree);
  image.put32(image.sector(2), 1);
  image.put32(image.sector(2) + 4, kEnd);
  for (size_t i = 0; i < 128; ++i) image.bytes[image.sector(3) + i] = static_cast<uint8_t>(i);
  auto cfb = image.open();
  REQUIRE(cfb);
  CHECK(cfb->problems().empty());
  CHECK(cfb->sector_size() == 4096);
  CHECK(cfb->entry(1).in_mini_stream);
  const auto whole = cfb->contiguous(1);
  REQUIRE(whole);
  CHECK(whole->size() == 100);
  CHECK(*whole->u8(99) == 99);

  // A MiniFAT loop: mini sector 1 links back to 0.
  image.put32(image.sector(2) + 4, 0);
  image.entry(0, "Root Entry", 5, kNone, kNone, 1, 3, 4096);
  image.entry(1, "A", 2, kNone, kNone, kNone, 0, 1000);
  cfb = image.open();
  CHECK(any_problem_contains(*cfb, "reached twice"));
  CHECK(cfb->entry(1).readable == 128);
}

TEST_CASE("VBA dir: modules, stream names, text offsets and the irregular PROJECTVERSION record") {
  std::vector<uint8_t> dir;
  const auto record = [&](uint16_t id, const std::vector<uint8_t>& data) {
    dir.push_back(id & 0xff);
    dir.push_back(id >> 8);
    for (int i = 0; i < 4; ++i) dir.push_back(static_cast<uint8_t>(data.size() >> (8 * i)));
    dir.insert(dir.end(), data.begin(), data.end());
  };
  const auto text = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  record(0x0003, {0xe4, 0x04});  // code page 1252
  record(0x0004, text("Project"));
  dir.insert(dir.end(), {0x09, 0x00, 0x04, 0x00, 0x00, 0x00, 1, 0, 0, 0, 2, 0});  // PROJECTVERSION
  record(0x000F, {2, 0});
  record(0x0019, text("Module1"));
  record(0x001A, text("Module1"));
  record(0x0032, {'M', 0, 'o', 0, 'd', 0, '1', 0});
  record(0x0031, {0x10, 0x02, 0, 0});
  record(0x0021, {});
  record(0x002B, {});
  record(0x0019, text("Sheet1"));
  record(0x001A, text("Sheet1"));
  record(0x0031, {0, 0, 0, 0});
  record(0x0022, {});
  record(0x002B, {});
  record(0x0010, {});
  std::vector<std::string> problems;
  const assay::VbaProject project = assay::parse_vba_dir(span(dir), problems);
  CHECK(problems.empty());
  CHECK(project.codepage == 1252);
  CHECK(project.name == "Project");
  REQUIRE(project.modules.size() == 2);
  CHECK(project.modules[0].name == "Module1");
  CHECK(project.modules[0].stream_name == "Mod1");  // the Unicode form wins
  CHECK(project.modules[0].text_offset == 0x210);
  CHECK(project.modules[0].file_name() == "Module1.bas");
  CHECK(project.modules[1].file_name() == "Sheet1.cls");

  // Cut in the middle of a record: what came before is kept, the cut is a problem.
  dir.resize(dir.size() - 30);
  problems.clear();
  const assay::VbaProject cut = assay::parse_vba_dir(span(dir), problems);
  REQUIRE(cut.modules.size() == 2);
  CHECK(cut.modules[1].name == "Sheet1");
  CHECK(problems.size() == 2);  // the cut record and the unterminated module
}

TEST_CASE("Property sets: code page strings, FILETIME dates, and nothing read past the stream") {
  std::vector<uint8_t> stream(48, 0);
  stream[0] = 0xfe;
  stream[1] = 0xff;
  stream[24] = 1;  // one section
  const uint8_t fmtid[] = {0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10,
                           0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9};
  std::memcpy(stream.data() + 28, fmtid, 16);
  stream[44] = 48;  // section offset
  std::vector<uint8_t> section(8 + 3 * 8, 0);
  const auto put32 = [](std::vector<uint8_t>& v, size_t at, uint32_t x) {
    for (int i = 0; i < 4; ++i) v[at + i] = static_cast<uint8_t>(x >> (8 * i));
  };
  put32(section, 4, 3);
  const auto add = [&](uint32_t index, uint32_t id, const std::vector<uint8_t>& value) {
    put32(section, 8 + 8 * index, id);
    put32(section, 12 + 8 * index, static_cast<uint32_t>(section.size()));
    section.insert(section.end(), value.begin(), value.end());
  };
  add(0, 1, {0x02, 0, 0, 0, 0xe4, 0x04, 0, 0});                           // VT_I2 code page 1252
  add(1, 2, {0x1e, 0, 0, 0, 5, 0, 0, 0, 'C', 'a', 'f', 0xe9, 0, 0, 0, 0});  // VT_LPSTR "Café"
  const uint64_t ticks = 133486382450000000ull;                           // 2024-01-02T03:04:05Z
  std::vector<uint8_t> filetime = {0x40, 0, 0, 0};
  for (int i = 0; i < 8; ++i) filetime.push_back(static_cast<uint8_t>(ticks >> (8 * i)));
  add(2, 12, filetime);
  put32(section, 0, static_cast<uint32_t>(section.size()));
  stream.insert(stream.end(), section.begin(), section.end());

  std::vector<std::string> problems;
  const auto properties = assay::read_property_set(span(stream), ByteSpan(fmtid, 16), problems);
  CHECK(problems.empty());
  REQUIRE(properties.size() == 2);
  CHECK(std::get<std::string>(properties[0].value) == "Caf\xc3\xa9");
  CHECK(assay::filetime_to_iso8601(std::get<assay::OleProperty::FileTime>(properties[1].value).ticks) ==
        "2024-01-02T03:04:05Z");
  CHECK_FALSE(assay::filetime_to_iso8601(0));
  CHECK(assay::filetime_to_iso8601(10000000) == "1601-01-01T00:00:01Z");

  // A string claiming 4 GiB and a count of a billion properties: nothing is read out of bounds.
  put32(stream, 48 + 4, 1000000000);
  put32(stream, 48 + 8 + 8 * 3 + 8 + 4, 0xffffffff);
  problems.clear();
  const auto hostile = assay::read_property_set(span(stream), ByteSpan(fmtid, 16), problems);
  CHECK(hostile.size() <= 1);
  CHECK_FALSE(problems.empty());
}

TEST_CASE("MSI stream names decode two characters per code unit") {
  std::string encoded;
  const auto six = [](char c) -> uint32_t {
    if (c >= '0' && c <= '9') return static_cast<uint32_t>(c - '0');
    if (c >= 'A' && c <= 'Z') return static_cast<uint32_t>(c - 'A' + 10);
    if (c >= 'a' && c <= 'z') return static_cast<uint32_t>(c - 'a' + 36);
    return c == '.' ? 62 : 63;
  };
  const std::string name = "cab1.cab";
  for (size_t i = 0; i < name.size(); i += 2) {
    const uint32_t unit = i + 1 < name.size() ? 0x3800 + six(name[i]) + (six(name[i + 1]) << 6) : 0x4800 + six(name[i]);
    assay::append_utf8(encoded, unit);
  }
  CHECK(assay::msi_stream_name(encoded) == "cab1.cab");
  std::string table;
  assay::append_utf8(table, 0x4840);
  assay::append_utf8(table, 0x3800 + six('_') + (six('T') << 6));
  CHECK(assay::msi_stream_name(table) == "!_T");
  CHECK(assay::msi_stream_name("\x05SummaryInformation") == "\x05SummaryInformation");
  CHECK(CfbFile::display_name("\x05SummaryInformation") == "[5]SummaryInformation");
  CHECK(CfbFile::display_name("a/b") == "a_b");
}

TEST_CASE("OLE2 unpacker: contiguous streams borrow, scattered ones own a buffer charged to the budget") {
  Image image(11);
  image.root_with_stream(2, 4096 + 100);
  image.chain({2, 3, 4, 5, 6, 7, 8, 9, 10});
  const auto unpack = [&](assay::Budget& budget, assay::Entry& container) {
    const std::vector<std::string> passwords;
    assay::UnpackContext ctx(budget, passwords, container);
    std::vector<assay::Child> children;
    auto unpacker = assay::find_unpacker(assay::FileFormat::Ole2)(span(image.bytes), ctx);
    REQUIRE(unpacker);
    assay::Child child;
    while (unpacker->next(ctx, child)) children.push_back(std::move(child));
    return std::make_pair(std::move(children), ctx.limit_hit);
  };
  {
    assay::Limits limits;
    assay::Budget budget(limits, image.bytes.size());
    assay::Entry container;
    auto [children, hit] = unpack(budget, container);
    REQUIRE(children.size() == 1);
    CHECK(children[0].layer == "stream");
    CHECK(children[0].name == "A");
    CHECK(children[0].owned.empty());
    CHECK(children[0].bytes.data() == image.bytes.data() + image.sector(2));
    CHECK(budget.total_decoded_bytes() == 0);
  }
  image.chain({2, 4, 3, 5, 6, 7, 8, 9, 10});
  {
    assay::Limits limits;
    assay::Budget budget(limits, image.bytes.size());
    assay::Entry container;
    auto [children, hit] = unpack(budget, container);
    REQUIRE(children.size() == 1);
    CHECK(children[0].owned.size() == 4096 + 100);
    CHECK(children[0].bytes.data() == children[0].owned.data());
    CHECK(budget.total_decoded_bytes() == 4096 + 100);
    CHECK_FALSE(hit);
  }
  {
    assay::Limits limits;
    limits.max_object_bytes = 4000;
    assay::Budget budget(limits, image.bytes.size());
    assay::Entry container;
    auto [children, hit] = unpack(budget, container);
    CHECK(children.empty());
    CHECK(hit == assay::LimitKind::MaxObjectBytes);
    REQUIRE_FALSE(container.warnings.empty());
    CHECK(container.warnings.back().find("max_object_bytes") != std::string::npos);
  }
}
