// ELF and Mach-O analyzers and the fat Mach-O unpacker, on real files only: system binaries, files
// compiled here, and the ELF/Mach-O test binaries that Debian's golang-1.19-src ships. What the
// analyzers record is compared with readelf (binutils) and with macholib (python3-macholib); a code
// signature added to a real executable the way codesign adds it is checked field by field.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analyze/formats.h"
#include "hash/hasher.h"
#include "report/json_render.h"
#include "unpack/unpacker.h"

namespace {

using assay::Value;
using Bytes = std::vector<uint8_t>;
using Facts = std::map<std::string, std::vector<std::string>>;  // kind -> one line per fact, in file order
namespace fs = std::filesystem;

std::string run(const std::string& command) {
  std::string out;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    pclose(pipe);
  }
  return out;
}
bool succeeds(const std::string& command) { return std::system(("(" + command + ") >/dev/null 2>&1").c_str()) == 0; }
Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
const fs::path& scratch() {  // one temporary folder per run, removed at exit
  static const struct Scratch {
    fs::path dir = [] {
      char name[] = "/tmp/assay-elf-macho-XXXXXX";
      return fs::path(mkdtemp(name));
    }();
    ~Scratch() { fs::remove_all(dir); }
  } scratch;
  return scratch.dir;
}
const fs::path kGo = "/usr/share/go-1.19/src";  // golang-1.19-src: debug/elf and debug/macho test binaries
bool have_go(const char* why) {
  const bool ok = fs::is_directory(kGo / "debug") && succeeds("/usr/bin/python3 -c 'import macholib'");
  if (!ok) MESSAGE("golang-1.19-src or python3-macholib is missing: " << why << " skipped (scripts/bootstrap.sh installs them)");
  return ok;
}
fs::path decoded(const std::string& name) {  // Go keeps its Mach-O test binaries base64-encoded
  REQUIRE(succeeds("base64 -d " + (kGo / "debug/macho/testdata" / (name + ".base64")).string() + " > " + (scratch() / name).string()));
  return scratch() / name;
}

// ---- the metadata tree ----------------------------------------------------------------------------
const Value* get(const Value& root, std::initializer_list<std::string_view> path) {
  const Value* at = &root;
  for (std::string_view key : path) at = at ? at->find(key) : nullptr;
  return at;
}
std::string text(const Value* v) {
  if (const auto* s = v ? std::get_if<std::string>(&v->data()) : nullptr) return *s;
  std::string out = v && std::get_if<assay::HexBytes>(&v->data()) ? "" : "<not text>";
  if (v && std::get_if<assay::HexBytes>(&v->data())) {
    for (uint8_t b : std::get<assay::HexBytes>(v->data()).bytes) out += {"0123456789abcdef"[b >> 4], "0123456789abcdef"[b & 15]};
  }
  return out;
}
uint64_t number(const Value* v) {
  if (const auto* u = v ? std::get_if<uint64_t>(&v->data()) : nullptr) return *u;
  if (const auto* i = v ? std::get_if<int64_t>(&v->data()) : nullptr) return static_cast<uint64_t>(*i);
  return UINT64_MAX;
}
std::string num(const Value* v) { return std::to_string(number(v)); }
bool flag(const Value* v) { return v && std::get_if<bool>(&v->data()) && std::get<bool>(v->data()); }
const Value::Array& items(const Value* v) {
  static const Value::Array kNone;
  return v && v->is_array() ? std::get<Value::Array>(v->data()) : kNone;
}

assay::Entry analyze(assay::Analyzer analyzer, const Bytes& bytes) {
  assay::Entry entry;
  analyzer(assay::ByteSpan(bytes.data(), bytes.size()), entry);
  return entry;
}
bool valid(const assay::Entry& e) { return flag(get(e.info_extra, {"validation", "valid"})); }
bool tagged(const assay::Entry& e, const std::string& tag) { return std::count(e.tags.begin(), e.tags.end(), tag) == 1; }
bool indicated(const assay::Entry& e, uint32_t id) {
  return std::any_of(e.indicators.begin(), e.indicators.end(), [&](const assay::Indicator& i) { return i.id == id; });
}
std::string show(const Facts& facts) {
  std::string out;
  for (const auto& [kind, lines] : facts) for (const std::string& line : lines) out += kind + " " + line + "\n";
  return out;
}

// ---- ELF: readelf and the analyzer, as the same facts ---------------------------------------------------
Facts readelf(const fs::path& file) {
  Facts f;
  std::map<std::string, uint64_t> entries, imported, exported;  // per symbol table
  std::istringstream out(run("readelf -h -l -S -d -n -s --wide '" + file.string() + "' 2>/dev/null"));
  std::string line, block, table;
  while (std::getline(out, line)) {
    std::istringstream in(line);
    const std::vector<std::string> t{std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
    if (!line.empty() && !line.starts_with("  ")) block = line;  // headings start in column 0 or 1
    if (line.starts_with("Symbol table '")) entries[table = line.substr(14, line.find('\'', 14) - 14)] = std::stoull(t.at(4));
    const size_t colon = line.find(':'), bracket = line.find('[');
    if (t.empty()) continue;
    if (block.starts_with("ELF") && colon != std::string::npos && line.starts_with("  ")) {
      const std::string key = line.substr(2, colon - 2), value = line.substr(line.find_first_not_of(' ', colon + 1));
      if (key == "Entry point address") f["entry"].push_back(std::to_string(std::stoull(value, nullptr, 16)));
      if (key == "Machine" || key == "Class" || key == "OS/ABI") f[key].push_back(value);
      if (key == "Type") f[key].push_back(t[1]);
      if (key == "Data") f[key].push_back(value.find("big") != std::string::npos ? "big-endian" : "little-endian");
    } else if (block.starts_with("Program") && t.size() >= 7 && t[1].starts_with("0x") && t[2].starts_with("0x")) {
      std::string flags;  // between MemSiz and Align: "R E", "RW", or nothing
      for (size_t i = 6; i + 1 < t.size(); ++i) flags += t[i];
      f["segment"].push_back(t[0] + " " + flags);
    } else if (block.starts_with("Section Headers") && line.starts_with("  [") && line[3] != 'N') {
      std::istringstream rest(line.substr(line.find(']') + 1));
      std::vector<std::string> c{std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
      if (line.starts_with("  [ 0]")) c.insert(c.begin(), "");  // section 0 has no name
      f["section"].push_back(c[0] + " " + std::to_string(std::stoull(c[4], nullptr, 16)) + " " + (c.size() == 10 ? c[6] : ""));
      f["section-type"].push_back(c[0] + " " + c[1]);
    }
    if (bracket != std::string::npos && line.find("[Requesting program interpreter: ") != std::string::npos) {
      f["interpreter"].push_back(line.substr(line.find(": ") + 2, line.rfind(']') - line.find(": ") - 2));
    } else if (t.size() >= 2 && t[1].starts_with("(") && bracket != std::string::npos) {
      f[t[1].substr(1, t[1].size() - 2)].push_back(line.substr(bracket + 1, line.rfind(']') - bracket - 1));  // NEEDED, SONAME...
    }
    if (const size_t id = line.find("Build ID: "); id != std::string::npos) f["build-id"].push_back(line.substr(id + 10));
    if (!table.empty() && t.size() >= 8 && t[0].back() == ':' && (t[3] == "FUNC" || t[3] == "IFUNC")) {
      if (t[6] == "UND") ++imported[table];
      else if ((t[4] == "GLOBAL" || t[4] == "WEAK") && (t[5] == "DEFAULT" || t[5] == "PROTECTED")) ++exported[table];
    }
  }
  const std::string counted = entries.count(".dynsym") ? ".dynsym" : ".symtab";  // the analyzer's choice too
  f["symbols"].push_back(std::to_string(entries[".symtab"]) + " " + std::to_string(entries[".dynsym"]) + " " +
                         std::to_string(imported[counted]) + " " + std::to_string(exported[counted]));
  return f;
}

// Section types the analyzer does not name (machine-specific ones, printed as hex) are left out of
// "section-type", which is compared as a subset.
Facts elf_facts(const Value& elf) {
  Facts f;
  f["entry"].push_back(num(get(elf, {"header", "entry_point"})));
  for (auto [kind, key] : {std::pair{"Machine", "machine"}, {"Class", "class"}, {"OS/ABI", "osabi"}, {"Type", "type"}, {"Data", "data"}}) {
    f[kind].push_back(text(get(elf, {"header", key})));
  }
  for (const Value& s : items(elf.find("segments"))) {
    std::string letters;
    for (char c : text(s.find("flags"))) letters += c == 'r' ? "R" : c == 'w' ? "W" : c == 'x' ? "E" : "";
    f["segment"].push_back(text(s.find("type")) + " " + letters);
  }
  for (const Value& s : items(elf.find("sections"))) {
    f["section"].push_back(text(s.find("name")) + " " + num(s.find("size")) + " " + text(s.find("flags")));
    if (!text(s.find("type")).starts_with("0x")) f["section-type"].push_back(text(s.find("name")) + " " + text(s.find("type")));
  }
  for (const Value& v : items(elf.find("needed"))) f["NEEDED"].push_back(text(&v));
  for (auto [kind, key] : {std::pair{"interpreter", "interpreter"}, {"build-id", "build_id"}, {"SONAME", "soname"}, {"RUNPATH", "runpath"}, {"RPATH", "rpath"}}) {
    if (elf.find(key)) f[kind].push_back(text(elf.find(key)));
  }
  f["symbols"].push_back(num(get(elf, {"symbols", "symtab"})) + " " + num(get(elf, {"symbols", "dynsym"})) + " " +
                         num(get(elf, {"symbols", "imported_functions"})) + " " + num(get(elf, {"symbols", "exported_functions"})));
  return f;
}

void compare_with_readelf(const fs::path& file) {
  INFO("file: " << file.string());
  Facts reference = readelf(file);
  REQUIRE_MESSAGE(reference.count("entry"), "readelf printed no header");
  const assay::Entry e = analyze(assay::analyze_elf, read_file(file));
  CHECK(valid(e));
  Facts ours = elf_facts(*get(e.metadata, {"application", "elf"}));
  CHECK(flag(get(e.metadata, {"application", "elf", "stripped"})) == reference["symbols"][0].starts_with("0 "));
  for (const std::string& type : ours["section-type"]) {
    CHECK_MESSAGE(std::count(reference["section-type"].begin(), reference["section-type"].end(), type) > 0, type);
  }
  ours.erase("section-type"), reference.erase("section-type");
  CHECK_MESSAGE(ours == reference, show(ours) << "--- readelf:\n" << show(reference));
}

// ---- Mach-O: macholib and the analyzer, as the same facts ----------------------------------------------
constexpr const char* kMacholib = R"(
import sys
from macholib.MachO import MachO
from macholib import mach_o as M
v = lambda x: (lambda n: '%d.%d.%d' % (n >> 16, (n >> 8) & 255, n & 255))(int(getattr(x, '_version', x)))
s = lambda b: b.split(b'\0')[0].decode()
for h in MachO(sys.argv[1]).headers:
    H = h.header
    print('slice', h.offset, h.size, H.cputype & 0xffffffff, H.filetype, H.ncmds, H.sizeofcmds, H.flags)
    for lc, cmd, data in h.commands:
        n = M.LC_NAMES.get(lc.cmd, hex(lc.cmd))
        print('cmd', n, lc.cmdsize)
        if n in ('LC_SEGMENT', 'LC_SEGMENT_64'):
            print('seg', s(cmd.segname) or '-', cmd.vmaddr, cmd.vmsize, cmd.fileoff, cmd.filesize)
            for x in data: print('sect', s(x.sectname), s(x.segname), x.addr, x.size, x.offset)
        elif n in ('LC_LOAD_DYLIB', 'LC_LOAD_WEAK_DYLIB', 'LC_REEXPORT_DYLIB'): print('dylib', s(data), v(cmd.current_version), v(cmd.compatibility_version))
        elif n == 'LC_RPATH': print('rpath', s(data))
        elif n == 'LC_UUID': u = cmd.uuid.hex().upper(); print('uuid', '-'.join((u[:8], u[8:12], u[12:16], u[16:20], u[20:])))
        elif n == 'LC_MAIN': print('main', cmd.entryoff, cmd.stacksize)
        elif n.startswith('LC_VERSION_MIN'): print('version', n, v(cmd.version), v(cmd.sdk))
        elif n == 'LC_BUILD_VERSION': print('version', n, v(cmd.minos), v(cmd.sdk))
)";

std::vector<Facts> macholib(const fs::path& file) {  // one Facts per slice
  std::vector<Facts> slices;
  setenv("ASSAY_MACHOLIB", kMacholib, 1);
  std::istringstream out(run("/usr/bin/python3 -c \"$ASSAY_MACHOLIB\" '" + file.string() + "'"));
  for (std::string line; std::getline(out, line);) {
    const std::string kind = line.substr(0, line.find(' '));
    if (kind == "slice") slices.emplace_back();
    if (!slices.empty()) slices.back()[kind].push_back(line.substr(kind.size() + 1));
  }
  return slices;
}

Facts macho_facts(const Value& m, uint64_t offset, uint64_t size) {
  Facts f;
  static const std::map<std::string, std::string> kNumbers = {{"i386", "7"}, {"x86_64", "16777223"}, {"arm64", "16777228"},
                                                              {"OBJECT", "1"}, {"EXECUTE", "2"}, {"DSYM", "10"}};
  const Value& h = *m.find("header");
  f["slice"].push_back(std::to_string(offset) + " " + std::to_string(size) + " " + kNumbers.at(text(h.find("cpu_type"))) + " " +
                       kNumbers.at(text(h.find("filetype"))) + " " + num(h.find("ncmds")) + " " + num(h.find("sizeofcmds")) + " " + num(h.find("flags")));
  for (const Value& c : items(m.find("load_commands"))) f["cmd"].push_back(text(c.find("cmd")) + " " + num(c.find("size")));
  for (const Value& s : items(m.find("segments"))) {
    const std::string name = text(s.find("name"));
    f["seg"].push_back((name.empty() ? "-" : name) + " " + num(s.find("vmaddr")) + " " + num(s.find("vmsize")) + " " + num(s.find("fileoff")) + " " + num(s.find("filesize")));
    for (const Value& x : items(s.find("sections"))) {
      f["sect"].push_back(text(x.find("name")) + " " + text(x.find("segment")) + " " + num(x.find("address")) + " " + num(x.find("size")) + " " + num(x.find("offset")));
    }
  }
  for (const Value& d : items(m.find("dylibs"))) f["dylib"].push_back(text(d.find("name")) + " " + text(d.find("current_version")) + " " + text(d.find("compatibility_version")));
  for (const Value& r : items(m.find("rpaths"))) f["rpath"].push_back(text(&r));
  if (m.find("uuid")) f["uuid"].push_back(text(m.find("uuid")));
  if (text(get(m, {"entry_point", "command"})) == "LC_MAIN") f["main"].push_back(num(get(m, {"entry_point", "offset"})) + " " + num(get(m, {"entry_point", "stack_size"})));
  for (const Value& v : items(m.find("versions"))) f["version"].push_back(text(v.find("command")) + " " + text(v.find("minos")) + " " + text(v.find("sdk")));
  return f;
}

void compare_with_macholib(const fs::path& file) {
  INFO("file: " << file.string());
  const std::vector<Facts> reference = macholib(file);
  REQUIRE_MESSAGE(reference.size() == 1, "macholib read no thin Mach-O header");
  const assay::Entry e = analyze(assay::analyze_macho, read_file(file));
  CHECK(valid(e));
  const Facts ours = macho_facts(*get(e.metadata, {"application", "macho"}), 0, fs::file_size(file));
  CHECK_MESSAGE(ours == reference[0], show(ours) << "--- macholib:\n" << show(reference[0]));
}

// ---- files derived from real ones ----------------------------------------------------------------------
uint32_t le32(const Bytes& b, size_t at) { return b[at] | b[at + 1] << 8 | b[at + 2] << 16 | static_cast<uint32_t>(b[at + 3]) << 24; }
void put_le(Bytes& b, size_t at, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
Bytes& be(Bytes& b, uint64_t v, size_t width = 4) {  // appends big-endian
  for (size_t i = width; i-- > 0;) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
  return b;
}
Bytes& append(Bytes& b, const Bytes& more) { return b.insert(b.end(), more.begin(), more.end()), b; }
Bytes sha256(const Bytes& b, size_t from, size_t to) {
  static assay::Hasher hasher;
  const auto d = hasher.digest(assay::ByteSpan(b.data() + from, to - from)).sha256;
  return Bytes(d.begin(), d.end());
}

// What codesign does to a thin 64-bit executable: a load command goes into the zero padding after the
// others (LC_ENCRYPTION_INFO_64 too, as App Store binaries carry), __LINKEDIT grows, and an embedded
// signature is appended: a SuperBlob with a CodeDirectory (version 0x20400, real SHA-256 page and
// special-slot hashes), empty requirements, the entitlements, and an empty (ad-hoc) CMS blob.
Bytes sign(Bytes file, const std::string& identifier, const std::string& team, const std::string& entitlements) {
  const uint32_t ncmds = le32(file, 16), sizeofcmds = le32(file, 20), at = 32 + sizeofcmds;
  REQUIRE(std::all_of(file.begin() + at, file.begin() + at + 40, [](uint8_t b) { return b == 0; }));
  const uint32_t dataoff = (static_cast<uint32_t>(file.size()) + 15) & ~15u, code_slots = (dataoff + 4095) / 4096, special = 5;
  const uint32_t team_at = 88 + static_cast<uint32_t>(identifier.size()) + 1;
  const uint32_t hash_at = team_at + static_cast<uint32_t>(team.size()) + 1 + special * 32, cd_size = hash_at + code_slots * 32;
  const uint32_t ent_size = 8 + static_cast<uint32_t>(entitlements.size()), total = 12 + 4 * 8 + cd_size + 12 + ent_size + 8;
  for (auto [offset, value] : {std::pair<uint32_t, uint32_t>{0, 0x2c}, {4, 24}, {8, 0x1000}, {12, 0x1000}, {16, 1},
                               {24, 0x1d}, {28, 16}, {32, dataoff}, {36, total}}) {
    put_le(file, at + offset, value, 4);
  }
  put_le(file, 16, ncmds + 2, 4), put_le(file, 20, sizeofcmds + 40, 4);
  for (size_t c = 32; c < at; c += le32(file, c + 4)) {  // __LINKEDIT now ends with the signature
    if (le32(file, c) == 0x19 && std::string(reinterpret_cast<const char*>(&file[c + 8])) == "__LINKEDIT") {
      put_le(file, c + 48, dataoff + total - le32(file, c + 40), 8);
    }
  }
  file.resize(dataoff, 0);
  Bytes requirements, ent, cd, blob;
  be(be(be(requirements, 0xfade0c01), 12), 0);
  be(be(ent, 0xfade7171), ent_size).insert(ent.end(), entitlements.begin(), entitlements.end());
  for (uint32_t v : {0xfade0c02u, cd_size, 0x20400u, 0x2u, hash_at, 88u, special, code_slots, dataoff}) be(cd, v);
  be(be(be(be(be(cd, 0x2002000c), 0), 0), team_at), 0);            // 32-byte SHA-256 hashes of 4 KiB pages; team id offset
  be(be(be(be(cd, 0, 8), 0, 8), 0x1000, 8), 1, 8);                  // codeLimit64, the executable segment
  cd.insert(cd.end(), identifier.c_str(), identifier.c_str() + identifier.size() + 1);
  cd.insert(cd.end(), team.c_str(), team.c_str() + team.size() + 1);
  for (uint32_t slot = special; slot >= 1; --slot) {  // stored from slot -5 up to slot -1
    append(cd, slot == 5 ? sha256(ent, 0, ent.size()) : slot == 2 ? sha256(requirements, 0, 12) : Bytes(32, 0));
  }
  for (size_t page = 0; page < dataoff; page += 4096) append(cd, sha256(file, page, std::min<size_t>(dataoff, page + 4096)));
  be(be(be(blob, 0xfade0cc0), total), 4);
  const uint32_t first = 12 + 4 * 8;
  for (uint32_t v : {0u, first, 2u, first + cd_size, 5u, first + cd_size + 12, 0x10000u, first + cd_size + 12 + ent_size}) be(blob, v);
  be(be(append(append(append(blob, cd), requirements), ent), 0xfade0b01), 8);
  return append(file, blob);
}

// A fat file: big-endian header, one table row {cpu type, cpu subtype, offset, size} per slice.
Bytes make_fat(bool wide, const std::vector<std::array<uint64_t, 4>>& rows, const std::vector<std::pair<size_t, Bytes>>& payloads) {
  Bytes fat;
  be(be(fat, wide ? 0xcafebabf : 0xcafebabe), rows.size());
  for (const auto& [cpu, subtype, offset, size] : rows) {  // align 2^12, and fat_arch_64's reserved word
    be(be(be(be(be(be(fat, cpu), subtype), offset, wide ? 8 : 4), size, wide ? 8 : 4), 12), 0, wide ? 4 : 0);
  }
  for (const auto& [offset, bytes] : payloads) {
    fat.resize(std::max(fat.size(), offset + bytes.size()), 0);
    std::copy(bytes.begin(), bytes.end(), fat.begin() + static_cast<std::ptrdiff_t>(offset));
  }
  return fat;
}

struct FatHarness {
  assay::Limits limits;
  assay::Budget budget{limits, 1};
  std::vector<std::string> passwords;
  assay::Entry container;
  assay::UnpackContext ctx{budget, passwords, container};
  std::vector<assay::Child> unpack(const Bytes& bytes) {
    std::vector<assay::Child> children;
    auto unpacker = assay::find_unpacker(assay::FileFormat::MachOFat)(assay::ByteSpan(bytes.data(), bytes.size()), ctx);
    for (assay::Child child; unpacker && unpacker->next(ctx, child);) {
      REQUIRE((child.bytes.data() >= bytes.data() && child.bytes.data() + child.bytes.size() <= bytes.data() + bytes.size()));
      children.push_back(std::move(child));
    }
    return children;
  }
};

// Where the last structure the file declares ends: a file cut before it must fail validation.
uint64_t declared_end(const Value& app) {
  uint64_t end = 0;
  const auto extend = [&](const Value* offset, const Value* size) {
    if (number(size) != 0 && number(size) != UINT64_MAX) end = std::max(end, number(offset) + number(size));
  };
  const auto sections = [&](const Value* list) {
    for (const Value& s : items(list)) if (s.find("entropy")) extend(s.find("offset"), s.find("size"));
  };
  if (const Value* elf = app.find("elf")) {
    const Value& h = *elf->find("header");
    end = text(h.find("class")) == "ELF64" ? 64 : 52;
    const Value shdrs(number(h.find("shnum")) * number(h.find("shentsize"))), phdrs(number(h.find("phnum")) * number(h.find("phentsize")));
    extend(h.find("shoff"), &shdrs), extend(h.find("phoff"), &phdrs), sections(elf->find("sections"));
    for (const Value& s : items(elf->find("segments"))) extend(s.find("offset"), s.find("filesz"));
  } else if (const Value* m = app.find("macho")) {
    for (const Value& s : items(get(*m, {"fat", "slices"}))) extend(s.find("offset"), s.find("size"));
    if (const Value* h = m->find("header")) end = std::max(end, (number(h->find("bits")) == 64 ? 32 : 28) + number(h->find("sizeofcmds")));
    for (const Value& g : items(m->find("segments"))) extend(g.find("fileoff"), g.find("filesize")), sections(g.find("sections"));
    extend(get(*m, {"code_signature", "offset"}), get(*m, {"code_signature", "size"}));
  }
  return end;
}

// Every prefix and every single-byte flip (past the first 4 KiB of a large file, a stride of them) is
// analyzed and rendered as a one-entry report; fat files also go through the unpacker.
void hostile_sweep(assay::Analyzer analyzer, const Bytes& bytes) {
  const uint64_t must_warn_below = declared_end(*get(analyze(analyzer, bytes).metadata, {"application"}));
  REQUIRE(must_warn_below > 0);
  const size_t stride = bytes.size() <= 16384 ? 1 : 251;
  size_t missed = 0, first_missed = 0, bad_renders = 0;
  const auto exercise = [&](const Bytes& input, size_t length) {
    assay::ReportModel model;
    analyzer(assay::ByteSpan(input.data(), length), model.add_entry());
    if (analyzer == assay::analyze_macho_fat) FatHarness().unpack(Bytes(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(length)));
    std::string json;
    assay::RenderOptions options;
    options.report_type = "large";
    assay::render_tc_report(model, options, json);
    bad_renders += !json.starts_with("[{");
    return valid(model.at(0));
  };
  for (size_t n = 0; n < bytes.size(); n += n < 4096 ? 1 : stride) {
    if (exercise(bytes, n) && n < must_warn_below && missed++ == 0) first_missed = n;
  }
  Bytes copy = bytes;
  for (size_t i = 0; i < bytes.size(); i += i < 4096 ? 1 : stride) {
    copy[i] ^= 0xff;
    exercise(copy, copy.size());
    copy[i] = bytes[i];
  }
  CHECK_MESSAGE(missed == 0, "a prefix of " << first_missed << " bytes (structures end at " << must_warn_below << ") validated");
  CHECK(bad_renders == 0);
}

}  // namespace

TEST_CASE("ELF: what the analyzer records agrees with readelf") {
  std::vector<fs::path> files = {"/bin/ls", fs::canonical("/usr/lib/x86_64-linux-gnu/libz.so.1")};
  if (have_go("32-bit, big-endian and core ELF files")) {
    for (const char* name : {"gcc-386-freebsd-exec", "gcc-amd64-linux-exec", "go-relocation-test-gcc540-mips.obj", "compressed-64.obj",
                             "go-relocation-test-gcc531-s390x.obj", "go-relocation-test-gcc5-ppc.obj", "go-relocation-test-gcc620-sparc64.obj"}) {
      files.push_back(kGo / "debug/elf/testdata" / name);
    }
    REQUIRE(succeeds("gzip -dc " + (kGo / "debug/elf/testdata/hello-world-core.gz").string() + " > " + (scratch() / "core").string()));
    files.push_back(scratch() / "core");
  }
  for (const fs::path& file : files) compare_with_readelf(file);
}

TEST_CASE("ELF: files compiled here (object, shared object, static, W+X, odd entry, packed data)") {
  if (!succeeds("command -v cc")) {
    MESSAGE("no cc: the compiled ELF cases are skipped");
    return;
  }
  const fs::path dir = scratch();
  std::ofstream(dir / "lib.c") << "#include <stdio.h>\nint counter = 1;\nint exported(int x) { puts(\"UPX!\"); return x + counter; }\n";
  std::ofstream(dir / "main.c") << "int main(void) { return 0; }\n";
  std::ofstream(dir / "start.c") << "int data_var = 42;\nvoid _start(void) { __asm__ volatile(\"mov $60, %eax\\nxor %edi, %edi\\nsyscall\"); }\n";
  std::string blob = "__attribute__((section(\".packed\"))) const unsigned char blob[16384] = {";
  for (uint32_t i = 0, x = 12345; i < 16384; ++i) blob += std::to_string((x = x * 1103515245 + 12345) >> 24) + ",";
  std::ofstream(dir / "blob.c") << blob << "};\n";
  const auto cc = [&](const std::string& args) { return succeeds("cd " + dir.string() + " && cc " + args); };
  REQUIRE(cc("-c lib.c -o lib.o"));
  REQUIRE(cc("-shared -fPIC -Wl,-soname,libassay-test.so.1 -Wl,-rpath,/opt/assay/lib -o lib.so lib.c"));
  REQUIRE(cc("-o main main.c"));
  REQUIRE(cc("-static -nostdlib -Wl,-N -o rwx start.c"));               // one RWX PT_LOAD
  REQUIRE(cc("-static -nostdlib -Wl,-e,data_var -o odd start.c"));      // entry point in .data
  REQUIRE(cc("-c blob.c -o blob.o"));
  for (const char* name : {"lib.o", "lib.so", "main", "rwx", "odd", "blob.o"}) compare_with_readelf(dir / name);
  std::map<std::string, assay::Entry> e;
  for (const char* name : {"lib.o", "lib.so", "main", "rwx", "odd", "blob.o"}) e[name] = analyze(assay::analyze_elf, read_file(dir / name));
  const auto elf = [&](const std::string& name, std::string_view key) { return get(e[name].metadata, {"application", "elf", key}); };
  CHECK(text(get(*elf("lib.o", "header"), {"type"})) == "REL");
  CHECK(number(get(*elf("lib.o", "symbols"), {"exported_functions"})) == 1);  // exported(); its undefined puts is NOTYPE, not FUNC
  CHECK(elf("lib.o", "linking") == nullptr);
  CHECK_FALSE(tagged(e["lib.o"], "packed"));  // "UPX!" as a string is not a packer marker
  CHECK(text(elf("lib.so", "soname")) == "libassay-test.so.1");
  CHECK(text(elf("lib.so", "runpath")) == "/opt/assay/lib");
  CHECK_FALSE(flag(elf("lib.so", "pie")));
  CHECK((flag(elf("main", "pie")) && text(elf("main", "linking")) == "dynamic" && text(elf("main", "build_id")).size() == 40));
  CHECK((indicated(e["rwx"], 1301) && !indicated(e["rwx"], 1302)));
  CHECK((indicated(e["odd"], 1302) && !indicated(e["odd"], 1301)));
  CHECK((tagged(e["blob.o"], "entropy-high") && indicated(e["blob.o"], 1303)));
  for (auto [flags, linking] : {std::pair{"-static", "static"}, {"-static-pie", "static-pie"}}) {
    if (!cc(std::string(flags) + " -o linked main.c")) continue;
    const assay::Entry linked = analyze(assay::analyze_elf, read_file(dir / "linked"));
    CHECK(text(get(linked.metadata, {"application", "elf", "linking"})) == linking);
  }
  // UPX's l_info ("UPX!" at +4) and p_info right after the program headers mark a packed file.
  Bytes upx = read_file(dir / "odd");
  const Bytes info = {0, 0, 0, 0, 'U', 'P', 'X', '!', 0x34, 0x12, 13, 22, 0, 0, 0, 0, 0x20, 0x4e, 0, 0, 0x20, 0x4e, 0, 0};
  std::copy(info.begin(), info.end(), upx.begin() + 64 + (upx[56] | upx[57] << 8) * 56);
  const assay::Entry packed = analyze(assay::analyze_elf, upx);
  CHECK((tagged(packed, "packed") && indicated(packed, 1304)));
  CHECK(number(get(packed.metadata, {"application", "elf", "packer", "original_size"})) == 20000);
  for (const char* name : {"lib.o", "lib.so", "rwx", "odd"}) hostile_sweep(assay::analyze_elf, read_file(dir / name));
}

TEST_CASE("Mach-O: what the analyzer records agrees with macholib; a signed copy is read field by field") {
  if (!have_go("the Mach-O comparisons")) return;
  for (const char* name : {"gcc-386-darwin-exec", "gcc-amd64-darwin-exec", "gcc-amd64-darwin-exec-debug", "clang-386-darwin.obj",
                           "clang-386-darwin-exec-with-rpath", "clang-amd64-darwin-exec-with-rpath", "clang-amd64-darwin.obj"}) {
    compare_with_macholib(decoded(name));
  }
  compare_with_macholib(kGo / "runtime/race/race_darwin_arm64.syso");  // an arm64 object with LC_BUILD_VERSION

  const std::string xml = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>com.apple.security.get-task-allow</key><true/></dict></plist>";
  const Bytes signed_file = sign(read_file(decoded("clang-amd64-darwin-exec-with-rpath")), "com.example.assay", "ASSAYTEAM1", xml);
  std::ofstream(scratch() / "signed", std::ios::binary).write(reinterpret_cast<const char*>(signed_file.data()), static_cast<std::streamsize>(signed_file.size()));
  compare_with_macholib(scratch() / "signed");
  const assay::Entry e = analyze(assay::analyze_macho, signed_file);
  const Value& cs = *get(e.metadata, {"application", "macho", "code_signature"});
  CHECK((tagged(e, "signed") && tagged(e, "encrypted")));
  CHECK(number(get(e.metadata, {"application", "macho", "encryption", "cryptid"})) == 1);
  CHECK(text(cs.find("identifier")) == "com.example.assay");
  CHECK(text(cs.find("team_id")) == "ASSAYTEAM1");
  CHECK(text(cs.find("hash_type")) == "sha256");
  CHECK((flag(cs.find("adhoc")) && number(cs.find("code_slots")) == 3 && number(cs.find("cms_signature_size")) == 0));
  CHECK(flag(cs.find("has_entitlements")));
  CHECK(text(cs.find("entitlements")) == xml);
  const assay::Entry big = analyze(assay::analyze_macho, sign(read_file(decoded("gcc-amd64-darwin-exec")), "big", "", std::string(70000, 'x')));
  CHECK(text(get(big.metadata, {"application", "macho", "code_signature", "entitlements"})).size() == 65536);
  CHECK(flag(get(big.metadata, {"application", "macho", "code_signature", "entitlements_truncated"})));
  for (const char* name : {"gcc-386-darwin-exec", "clang-amd64-darwin.obj"}) hostile_sweep(assay::analyze_macho, read_file(decoded(name)));
  hostile_sweep(assay::analyze_macho, signed_file);
}

bool has_indicator(const assay::Entry& e, uint32_t id) {
  return std::any_of(e.indicators.begin(), e.indicators.end(), [id](const assay::Indicator& i) { return i.id == id; });
}

// Sets a field of the first LC_SEGMENT_64 named `segment` in a thin 64-bit little-endian Mach-O.
void set_segment_field(Bytes& file, const std::string& segment, size_t field, uint32_t value) {
  const uint32_t end = 32 + le32(file, 20);
  for (size_t c = 32; c < end; c += le32(file, c + 4)) {
    if (le32(file, c) == 0x19 && std::string(reinterpret_cast<const char*>(&file[c + 8])) == segment) {
      put_le(file, c + field, value, 4);
      return;
    }
  }
  FAIL("no segment " << segment);
}

TEST_CASE("Mach-O: CodeDirectory hashes are checked; W+X segments and executable stacks are indicators") {
  if (!have_go("the Mach-O signature checks")) return;
  const std::string xml = "<plist><dict><key>com.apple.security.get-task-allow</key><true/></dict></plist>";
  const Bytes original = read_file(decoded("clang-amd64-darwin-exec-with-rpath"));
  const Bytes signed_file = sign(original, "com.example.assay", "ASSAYTEAM1", xml);

  const assay::Entry good = analyze(assay::analyze_macho, signed_file);
  const Value* hashes = get(good.metadata, {"application", "macho", "code_signature", "code_hashes"});
  REQUIRE(hashes != nullptr);
  CHECK(flag(hashes->find("valid")));
  CHECK(number(hashes->find("pages_checked")) == 3);  // the page count sign() wrote
  CHECK(number(hashes->find("pages_mismatched")) == 0);
  CHECK(number(hashes->find("special_slots_checked")) == 2);  // requirements and entitlements
  CHECK_FALSE(has_indicator(good, 1308));

  SUBCASE("a patched code page") {
    Bytes patched = signed_file;
    patched[0x1000 + 0x123] ^= 0x40;  // page 1, inside what the signature covers
    const assay::Entry e = analyze(assay::analyze_macho, patched);
    const Value* h = get(e.metadata, {"application", "macho", "code_signature", "code_hashes"});
    REQUIRE(h != nullptr);
    CHECK_FALSE(flag(h->find("valid")));
    CHECK(number(h->find("pages_mismatched")) == 1);
    CHECK(number(h->find("first_mismatched_page")) == 1);
    CHECK(has_indicator(e, 1308));
  }
  SUBCASE("edited entitlements (a special slot)") {
    Bytes patched = signed_file;
    const auto at = std::search(patched.begin(), patched.end(), xml.begin(), xml.end());
    REQUIRE(at != patched.end());
    *(at + xml.find("true")) = 'T';
    const assay::Entry e = analyze(assay::analyze_macho, patched);
    const Value* h = get(e.metadata, {"application", "macho", "code_signature", "code_hashes"});
    REQUIRE(h != nullptr);
    CHECK(number(h->find("pages_mismatched")) == 0);
    CHECK(number(h->find("special_slots_mismatched")) == 1);
    CHECK(has_indicator(e, 1308));
  }
  SUBCASE("writable and executable data, and an executable stack") {
    CHECK_FALSE(has_indicator(analyze(assay::analyze_macho, original), 1305));
    CHECK_FALSE(has_indicator(analyze(assay::analyze_macho, original), 1307));
    Bytes patched = original;
    set_segment_field(patched, "__DATA", 60, 7);  // initprot rwx
    put_le(patched, 24, le32(patched, 24) | 0x20000, 4);  // MH_ALLOW_STACK_EXECUTION
    const assay::Entry e = analyze(assay::analyze_macho, patched);
    CHECK(has_indicator(e, 1305));
    CHECK(has_indicator(e, 1307));
    CHECK_FALSE(has_indicator(e, 1308));  // unsigned: nothing to mismatch
  }
}

TEST_CASE("fat Mach-O: slices are borrowed children named by index; bad table rows are skipped") {
  if (!have_go("the fat Mach-O cases")) return;
  const fs::path path = decoded("fat-gcc-386-amd64-darwin-exec");
  const Bytes fat = read_file(path);
  const std::vector<Facts> reference = macholib(path);
  FatHarness h;
  const std::vector<assay::Child> children = h.unpack(fat);
  REQUIRE((children.size() == 2 && reference.size() == 2));
  for (size_t i = 0; i < 2; ++i) {
    CHECK((children[i].name == std::to_string(i) && children[i].layer == "binary_layer/slice" && children[i].owned.empty()));
    CHECK(std::get<std::string>(children[i].properties.at(0).value) == (i == 0 ? "i386" : "x86_64"));
    const Bytes slice(children[i].bytes.data(), children[i].bytes.data() + children[i].bytes.size());
    const Facts ours = macho_facts(*get(analyze(assay::analyze_macho, slice).metadata, {"application", "macho"}),
                                   static_cast<uint64_t>(children[i].bytes.data() - fat.data()), slice.size());
    CHECK_MESSAGE(ours == reference[i], show(ours) << "--- macholib:\n" << show(reference[i]));
  }
  CHECK(h.container.warnings.empty());
  const assay::Entry table = analyze(assay::analyze_macho_fat, fat);
  CHECK(valid(table));
  CHECK(num(items(get(table.metadata, {"application", "macho", "fat", "slices"})).at(1).find("offset")) == "20480");

  const Bytes a = read_file(decoded("gcc-386-darwin-exec")), b = read_file(decoded("clang-amd64-darwin-exec-with-rpath"));
  const Bytes fat64 = make_fat(true, {{7, 3, 4096, a.size()}, {0x01000007, 3, 20480, b.size()}}, {{4096, a}, {20480, b}});
  const auto wide = FatHarness().unpack(fat64);
  REQUIRE(wide.size() == 2);
  CHECK(Bytes(wide[1].bytes.data(), wide[1].bytes.data() + wide[1].bytes.size()) == b);
  CHECK(valid(analyze(assay::analyze_macho_fat, fat64)));

  // Rows that overlap the header, run past the end, or lie inside a claimed 1000-row table are skipped.
  const Bytes hostile = make_fat(false, {{7, 3, 0, 100}, {7, 3, 4096, 1u << 30}, {0x01000007, 3, 4096, b.size()}}, {{4096, b}});
  FatHarness bad;
  const auto kept = bad.unpack(hostile);
  REQUIRE(kept.size() == 1);
  CHECK((kept[0].name == "2" && bad.container.warnings.size() == 2 && bad.ctx.incomplete));
  CHECK_FALSE(valid(analyze(assay::analyze_macho_fat, hostile)));
  FatHarness crowded;
  CHECK(crowded.unpack(make_fat(false, std::vector<std::array<uint64_t, 4>>(1000, {7, 3, 4096, a.size()}), {{4096, a}})).empty());
  CHECK(crowded.container.warnings.front().find("only the first 64") != std::string::npos);
  hostile_sweep(assay::analyze_macho_fat, fat);
  hostile_sweep(assay::analyze_macho_fat, fat64);
}
