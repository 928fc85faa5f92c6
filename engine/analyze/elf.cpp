// ELF: metadata.application.elf for executables, shared objects, relocatable objects and cores, of
// either class (32/64) and either byte order. Every table the header points at is range-checked
// before it is read and every count is capped, so a hostile header costs bounded work; what cannot be
// read becomes a validation warning and the rest is still reported.
#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "analyze/bytes_util.h"
#include "analyze/formats.h"
#include "report/indicator_ids.h"
#include "classify/heuristics.h"
#include "hash/hasher.h"

namespace assay {
namespace {

// A crafted header may claim billions of entries: read at most this many of each.
constexpr size_t kMaxHeaders = 65536, kMaxDynamicEntries = 65536, kMaxNotes = 4096, kMaxString = 4096;
constexpr uint64_t kMaxSymbols = 1'000'000;
constexpr size_t kMaxNeeded = 4096, kMaxProblems = 32;  // kept in the report
constexpr double kHighEntropy = 7.2;  // the object-level "entropy-high" threshold, applied to each section
constexpr uint64_t kHighEntropyMinBytes = 1024;

// Indicator ids of the ELF analyzer (the 1300 range belongs to ELF and Mach-O; stable, clients key on them).

constexpr uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3, kPtNote = 4, kPfX = 1, kPfW = 2, kPfR = 4;
constexpr uint32_t kShtSymtab = 2, kShtNote = 7, kShtNobits = 8, kShtDynsym = 11;
constexpr uint64_t kShfCompressed = 0x800;

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

template <size_t N>
std::string name_of(const std::array<std::pair<uint32_t, const char*>, N>& table, uint32_t value) {
  for (const auto& [known, name] : table) {
    if (known == value) return name;
  }
  return hex(value);
}

// The names readelf prints, so reports and `readelf -h -l -S` read alike.
constexpr std::array<std::pair<uint32_t, const char*>, 20> kMachines{{
    {0, "None"}, {2, "Sparc"}, {3, "Intel 80386"}, {8, "MIPS R3000"}, {18, "Sparc v8+"}, {20, "PowerPC"},
    {21, "PowerPC64"}, {22, "IBM S/390"}, {40, "ARM"}, {42, "Renesas / SuperH SH"}, {43, "Sparc v9"},
    {50, "Intel IA-64"}, {62, "Advanced Micro Devices X86-64"}, {183, "AArch64"}, {243, "RISC-V"},
    {247, "Linux BPF"}, {258, "LoongArch"}, {6, "Intel MCU"}, {4, "MC68000"}, {92, "OpenRISC 1000"}}};
constexpr std::array<std::pair<uint32_t, const char*>, 9> kOsAbis{{
    {0, "UNIX - System V"}, {1, "UNIX - HP-UX"}, {2, "UNIX - NetBSD"}, {3, "UNIX - GNU"}, {6, "UNIX - Solaris"},
    {9, "UNIX - FreeBSD"}, {12, "UNIX - OpenBSD"}, {97, "ARM"}, {255, "Standalone App"}}};
constexpr std::array<std::pair<uint32_t, const char*>, 5> kTypes{{{0, "NONE"}, {1, "REL"}, {2, "EXEC"}, {3, "DYN"}, {4, "CORE"}}};
constexpr std::array<std::pair<uint32_t, const char*>, 13> kSegmentTypes{{
    {0, "NULL"}, {1, "LOAD"}, {2, "DYNAMIC"}, {3, "INTERP"}, {4, "NOTE"}, {5, "SHLIB"}, {6, "PHDR"}, {7, "TLS"},
    {0x6474e550, "GNU_EH_FRAME"}, {0x6474e551, "GNU_STACK"}, {0x6474e552, "GNU_RELRO"},
    {0x6474e553, "GNU_PROPERTY"}, {0x6474e554, "GNU_SFRAME"}}};
constexpr std::array<std::pair<uint32_t, const char*>, 25> kSectionTypes{{
    {0, "NULL"}, {1, "PROGBITS"}, {2, "SYMTAB"}, {3, "STRTAB"}, {4, "RELA"}, {5, "HASH"}, {6, "DYNAMIC"},
    {7, "NOTE"}, {8, "NOBITS"}, {9, "REL"}, {10, "SHLIB"}, {11, "DYNSYM"}, {14, "INIT_ARRAY"},
    {15, "FINI_ARRAY"}, {16, "PREINIT_ARRAY"}, {17, "GROUP"}, {18, "SYMTAB_SHNDX"}, {19, "RELR"},
    {0x6ffffff5, "GNU_ATTRIBUTES"}, {0x6ffffff6, "GNU_HASH"}, {0x6ffffff7, "GNU_LIBLIST"},
    {0x6ffffffd, "VERDEF"}, {0x6ffffffe, "VERNEED"}, {0x6fffffff, "VERSYM"}, {0x6fff4c03, "LLVM_ADDRSIG"}}};

// Section flags as readelf's one-letter key, lowest bit first.
std::string section_flags(uint64_t flags) {
  static constexpr std::array<std::pair<uint64_t, char>, 14> kLetters{{
      {0x1, 'W'}, {0x2, 'A'}, {0x4, 'X'}, {0x10, 'M'}, {0x20, 'S'}, {0x40, 'I'}, {0x80, 'L'}, {0x100, 'O'},
      {0x200, 'G'}, {0x400, 'T'}, {0x800, 'C'}, {0x200000, 'R'}, {0x10000000, 'l'}, {0x80000000, 'E'}}};
  std::string out;
  for (const auto& [bit, letter] : kLetters) {
    if (flags & bit) out.push_back(letter);
  }
  return out;
}

// Offsets and sizes from the file are 64-bit; a span clamps whatever lies past its end anyway.
size_t to_size(uint64_t value) { return static_cast<size_t>(std::min<uint64_t>(value, SIZE_MAX)); }

// Sets several fields of an object at once, in order.
void set_all(Value& object, std::initializer_list<std::pair<const char*, Value>> fields) {
  for (const auto& [key, value] : fields) object.set(key, value);
}

std::string segment_flags(uint32_t flags) {
  return {(flags & kPfR) ? 'r' : '-', (flags & kPfW) ? 'w' : '-', (flags & kPfX) ? 'x' : '-'};
}

struct Segment { uint32_t type, flags; uint64_t offset, vaddr, filesz, memsz, align; };
struct Section { uint32_t name, type; uint64_t flags, addr, offset, size, entsize; };

class ElfAnalysis {
 public:
  ElfAnalysis(ByteSpan bytes, Entry& entry)
      : bytes_(bytes), entry_(entry), out_(entry.metadata.at("application").at("elf")),
        entropy_(EntropyBudget::for_file(bytes.size())) {}

  void run() {
    if (read_header()) {
      read_segments();
      read_sections();
      read_dynamic();
      count_symbols();
      read_notes();
      summarize();
    }
    const bool valid = problems_.empty();  // a file that is merely unusual (W+X, packed) is still valid
    if (dropped_) problems_.emplace_back("further problems not listed");
    add_validation(entry_, "ELF", "format", valid, std::move(problems_));
  }

 private:
  // Field reads in the file's byte order; callers check the structure's range first, so the zero
  // returned for an out-of-range read never stands for a real field.
  uint16_t half(size_t at) const { return (big_ ? bytes_.be16(at) : bytes_.le16(at)).value_or(0); }
  uint32_t word(size_t at) const { return word(bytes_, at); }
  uint32_t word(ByteSpan in, size_t at) const { return (big_ ? in.be32(at) : in.le32(at)).value_or(0); }
  uint64_t xword(size_t at) const { return big_ ? uint64_t{word(at)} << 32 | word(at + 4) : bytes_.le64(at).value_or(0); }
  uint64_t addr(size_t at) const { return wide_ ? xword(at) : word(at); }
  bool fits(uint64_t offset, uint64_t length) const { return offset <= bytes_.size() && length <= bytes_.size() - offset; }
  ByteSpan range(uint64_t offset, uint64_t length) const {
    return fits(offset, length) ? *bytes_.exact(static_cast<size_t>(offset), static_cast<size_t>(length)) : ByteSpan{};
  }
  void problem(std::string text) {
    if (problems_.size() < kMaxProblems) problems_.push_back(std::move(text));
    else dropped_ = true;
  }

  bool read_header() {
    const auto elf_class = bytes_.u8(4), data = bytes_.u8(5);
    if (!bytes_.starts_with("\x7f" "ELF") || !elf_class || !data || (*elf_class != 1 && *elf_class != 2) ||
        (*data != 1 && *data != 2)) {
      problem("ELF identification is truncated or names an unknown class or byte order");
      return false;
    }
    wide_ = *elf_class == 2, big_ = *data == 2;
    Value& header = out_.at("header");
    set_all(header, {{"class", wide_ ? "ELF64" : "ELF32"}, {"data", big_ ? "big-endian" : "little-endian"},
                     {"osabi", name_of(kOsAbis, bytes_.u8(7).value_or(0))}, {"abi_version", bytes_.u8(8).value_or(0)}});
    const size_t size = wide_ ? 64 : 52;
    if (!fits(0, size)) {
      problem("ELF header truncated: " + std::to_string(bytes_.size()) + " of " + std::to_string(size) + " bytes");
      return false;
    }
    const size_t w = wide_ ? 4 : 0;  // 64-bit headers widen entry, phoff and shoff by 4 bytes each
    type_ = half(16), entry_point_ = addr(24), phoff_ = addr(28 + w), shoff_ = addr(32 + 2 * w);
    phentsize_ = half(42 + 3 * w), phnum_ = half(44 + 3 * w), shentsize_ = half(46 + 3 * w), shnum_ = half(48 + 3 * w);
    shstrndx_ = half(50 + 3 * w);
    // Extended numbering: counts too large for the header live in section 0.
    if (shoff_ != 0 && shentsize_ >= (wide_ ? 64 : 40) && fits(shoff_, shentsize_)) {
      const size_t first = static_cast<size_t>(shoff_);
      if (shnum_ == 0) shnum_ = std::min<uint64_t>(addr(first + (wide_ ? 32 : 20)), kMaxHeaders + 1);
      if (shstrndx_ == 0xffff) shstrndx_ = word(first + (wide_ ? 40 : 24));
      if (phnum_ == 0xffff) phnum_ = word(first + (wide_ ? 44 : 28));
    }
    set_all(header, {{"type", name_of(kTypes, type_)}, {"machine", name_of(kMachines, half(18))}, {"version", word(20)},
                     {"entry_point", entry_point_}, {"flags", word(36 + 3 * w)}, {"phoff", phoff_}, {"shoff", shoff_},
                     {"ehsize", half(40 + 3 * w)}, {"phentsize", phentsize_}, {"phnum", phnum_},
                     {"shentsize", shentsize_}, {"shnum", shnum_}, {"shstrndx", shstrndx_}});
    return true;
  }

  // Checks that a table of `count` entries of `entsize` bytes (at least `minimum`) lies in the file;
  // returns how many whole entries to read.
  uint64_t table_entries(const std::string& what, uint64_t offset, uint64_t count, uint64_t entsize, uint64_t minimum) {
    if (count != 0 && entsize < minimum) problem(what + " entry size " + std::to_string(entsize) + " is too small");
    if (count == 0 || entsize < minimum) return 0;
    if (count > kMaxHeaders) problem(what + " count " + std::to_string(count) + " exceeds " + std::to_string(kMaxHeaders));
    count = std::min<uint64_t>(count, kMaxHeaders);
    if (fits(offset, count * entsize)) return count;
    problem(what + " table at " + std::to_string(offset) + " runs past the end of the file");
    return offset < bytes_.size() ? (bytes_.size() - offset) / entsize : 0;
  }

  void read_segments() {
    const uint64_t count = table_entries("program header", phoff_, phnum_, phentsize_, wide_ ? 56 : 32);
    Value& list = out_.set("segments", Value::array());
    for (uint64_t i = 0; i < count; ++i) {
      const size_t at = static_cast<size_t>(phoff_ + i * phentsize_);
      Segment s{word(at), wide_ ? word(at + 4) : word(at + 24), addr(at + (wide_ ? 8 : 4)),
                addr(at + (wide_ ? 16 : 8)), addr(at + (wide_ ? 32 : 16)), addr(at + (wide_ ? 40 : 20)),
                addr(at + (wide_ ? 48 : 28))};
      if (s.filesz != 0 && !fits(s.offset, s.filesz)) problem("segment " + std::to_string(i) + " runs past the end of the file");
      set_all(list.push(Value::object()), {{"type", name_of(kSegmentTypes, s.type)}, {"flags", segment_flags(s.flags)},
                                           {"offset", s.offset}, {"vaddr", s.vaddr}, {"filesz", s.filesz},
                                           {"memsz", s.memsz}, {"align", s.align}});
      if (s.type == kPtInterp && !interpreter_) {
        const std::string_view text = bytes_.sub(to_size(s.offset), to_size(std::min<uint64_t>(s.filesz, kMaxString))).as_chars();
        interpreter_ = std::string(text.substr(0, text.find('\0')));
      }
      segments_.push_back(s);
    }
    // Set after the loop: adding a key to out_ would move the `list` being filled.
    if (interpreter_) out_.set("interpreter", *interpreter_);
  }

  void read_sections() {
    const uint64_t count = table_entries("section header", shoff_, shnum_, shentsize_, wide_ ? 64 : 40);
    for (uint64_t i = 0; i < count; ++i) {
      const size_t at = static_cast<size_t>(shoff_ + i * shentsize_);
      sections_.push_back(wide_ ? Section{word(at), word(at + 4), xword(at + 8), xword(at + 16), xword(at + 24),
                                          xword(at + 32), xword(at + 56)}
                                : Section{word(at), word(at + 4), word(at + 8), word(at + 12), word(at + 16),
                                          word(at + 20), word(at + 36)});
    }
    if (sections_.empty()) return;  // stripped of section headers (sstrip) or a core file
    const bool has_names = shstrndx_ < sections_.size() && sections_[shstrndx_].type != kShtNobits;
    const ByteSpan names = has_names ? range(sections_[shstrndx_].offset, sections_[shstrndx_].size) : ByteSpan{};
    if (names.empty() && shstrndx_ != 0) problem("section name table " + std::to_string(shstrndx_) + " is unreadable");
    Value& list = out_.set("sections", Value::array());
    for (size_t i = 0; i < sections_.size(); ++i) {
      const Section& s = sections_[i];
      const std::string name = terminated_string(names, s.name).value_or("");
      Value& item = list.push(Value::object());
      set_all(item, {{"name", name}, {"type", name_of(kSectionTypes, s.type)}, {"flags", section_flags(s.flags)},
                     {"address", s.addr}, {"offset", s.offset}, {"size", s.size}});
      if (s.type == kShtNobits || s.size == 0) continue;
      if (!fits(s.offset, s.size)) {
        problem("section " + std::to_string(i) + " runs past the end of the file");
      } else if (const auto entropy = entropy_.of(range(s.offset, s.size))) {
        item.set("entropy", *entropy);
        // Compressed debug sections are high-entropy by design, not a sign of packing.
        const bool compressed = (s.flags & kShfCompressed) || name.starts_with(".zdebug");
        if (*entropy > kHighEntropy && s.size >= kHighEntropyMinBytes && !compressed) high_entropy_sections_++;
      }
    }
  }

  // Maps a virtual address to its file offset through the PT_LOAD segments.
  std::optional<uint64_t> file_offset(uint64_t vaddr) const {
    for (const Segment& s : segments_) {
      if (s.type == kPtLoad && vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz && s.offset <= UINT64_MAX - s.filesz) {
        return s.offset + (vaddr - s.vaddr);
      }
    }
    return std::nullopt;
  }

  void read_dynamic() {
    const auto dynamic = std::find_if(segments_.begin(), segments_.end(), [](const Segment& s) { return s.type == kPtDynamic; });
    if (dynamic == segments_.end()) return;
    has_dynamic_ = true;
    const size_t entsize = wide_ ? 16 : 8;
    const ByteSpan table = bytes_.sub(to_size(dynamic->offset), to_size(dynamic->filesz));
    std::vector<uint64_t> needed;
    std::optional<uint64_t> soname, rpath, runpath, strtab;
    uint64_t strsz = 0;
    for (size_t i = 0; i < table.size() / entsize && i < kMaxDynamicEntries; ++i) {
      const size_t at = static_cast<size_t>(dynamic->offset) + i * entsize;
      const uint64_t tag = addr(at), value = addr(at + entsize / 2);
      if (tag == 0) break;  // DT_NULL
      switch (tag) {
        case 1: if (needed.size() < kMaxNeeded) needed.push_back(value); break;
        case 5: strtab = value; break;
        case 10: strsz = value; break;
        case 14: soname = value; break;
        case 15: rpath = value; break;
        case 29: runpath = value; break;
        case 0x6ffffffb: flags1_ = value; break;
        default: break;
      }
    }
    has_needed_ = !needed.empty(), has_soname_ = soname.has_value();
    const std::optional<uint64_t> strtab_offset = strtab ? file_offset(*strtab) : std::nullopt;
    if (!strtab_offset) {
      if (!needed.empty() || soname || rpath || runpath) problem("DT_STRTAB does not map into a loaded segment");
      return;
    }
    const ByteSpan strings = bytes_.sub(to_size(*strtab_offset), to_size(strsz));
    const auto text = [&](uint64_t offset, const char* tag) {
      const auto value = terminated_string(strings, offset);
      if (!value) problem(std::string(tag) + " string at " + std::to_string(offset) + " is outside DT_STRTAB");
      return value.value_or("");
    };
    Value& list = out_.set("needed", Value::array());
    for (const uint64_t offset : needed) list.push(text(offset, "DT_NEEDED"));
    if (soname) out_.set("soname", text(*soname, "DT_SONAME"));
    if (rpath) out_.set("rpath", text(*rpath, "DT_RPATH"));
    if (runpath) out_.set("runpath", text(*runpath, "DT_RUNPATH"));
  }

  // Counts .symtab and .dynsym entries, and the imported and exported functions of the table the
  // loader uses (.dynsym, else .symtab), without storing a single symbol.
  void count_symbols() {
    uint64_t symtab = 0, dynsym = 0, imported = 0, exported = 0;
    const bool has_dynsym = std::any_of(sections_.begin(), sections_.end(), [](const Section& s) { return s.type == kShtDynsym; });
    const uint32_t functions_from = has_dynsym ? kShtDynsym : kShtSymtab;
    bool functions_counted = false;
    const size_t minimum = wide_ ? 24 : 16;
    for (const Section& s : sections_) {
      if (s.type != kShtSymtab && s.type != kShtDynsym) continue;
      const uint64_t entsize = s.entsize >= minimum ? s.entsize : minimum;
      const uint64_t inside = fits(s.offset, 0) ? std::min<uint64_t>(s.size, bytes_.size() - s.offset) : 0;
      const uint64_t count = std::min<uint64_t>(inside / entsize, kMaxSymbols);
      (s.type == kShtSymtab ? symtab : dynsym) += count;
      if (s.type != functions_from || functions_counted) continue;
      functions_counted = true;
      for (uint64_t i = 0; i < count; ++i) {
        const size_t at = static_cast<size_t>(s.offset + i * entsize);
        const uint8_t info = bytes_.u8(at + (wide_ ? 4 : 12)).value_or(0), other = bytes_.u8(at + (wide_ ? 5 : 13)).value_or(0);
        const uint8_t type = info & 0xf, bind = info >> 4, visibility = other & 3;
        if (type != 2 && type != 10) continue;  // STT_FUNC, STT_GNU_IFUNC
        if (half(at + (wide_ ? 6 : 14)) == 0) ++imported;  // SHN_UNDEF
        else if ((bind == 1 || bind == 2) && (visibility == 0 || visibility == 3)) ++exported;
      }
    }
    set_all(out_.at("symbols"), {{"symtab", symtab}, {"dynsym", dynsym}, {"imported_functions", imported},
                                 {"exported_functions", exported}});
    stripped_ = symtab == 0;
  }

  // GNU notes (build id, ABI tag) from PT_NOTE segments, or from SHT_NOTE sections in objects.
  void read_notes() {
    std::vector<std::pair<ByteSpan, uint64_t>> regions;  // bytes, alignment
    for (const Segment& s : segments_) {
      if (s.type == kPtNote) regions.emplace_back(bytes_.sub(to_size(s.offset), to_size(s.filesz)), s.align == 8 ? 8 : 4);
    }
    for (const Section& s : sections_) {
      if (s.type == kShtNote && segments_.empty()) regions.emplace_back(bytes_.sub(to_size(s.offset), to_size(s.size)), 4);
    }
    size_t notes = 0;
    for (const auto& [region, align] : regions) {
      size_t at = 0;
      while (at + 12 <= region.size() && notes++ < kMaxNotes) {
        const uint64_t namesz = word(region, at), descsz = word(region, at + 4), type = word(region, at + 8);
        // Name and descriptor are each padded to the note alignment, measured from the note's start.
        const uint64_t name_end = (12 + namesz + align - 1) & ~(align - 1);
        const uint64_t desc_end = (name_end + descsz + align - 1) & ~(align - 1);
        if (desc_end > region.size() - at) break;
        const ByteSpan desc = region.sub(at + static_cast<size_t>(name_end), static_cast<size_t>(descsz));
        if (namesz == 4 && region.matches(at + 12, std::string_view("GNU\0", 4))) {
          if (type == 3 && desc.size() <= 64) {
            const std::string_view id = desc.as_chars();
            out_.set("build_id", HexBytes{std::vector<uint8_t>(id.begin(), id.end())});
          } else if (type == 1 && desc.size() >= 16) {  // NT_GNU_ABI_TAG: os, then the minimum kernel version
            static constexpr std::array<const char*, 6> kOs = {"Linux", "Hurd", "Solaris", "FreeBSD", "NetBSD", "Syllable"};
            const uint32_t os = word(desc, 0);
            out_.set("abi_tag", std::string(os < kOs.size() ? kOs[os] : "unknown") + " " + std::to_string(word(desc, 4)) + "." +
                                    std::to_string(word(desc, 8)) + "." + std::to_string(word(desc, 12)));
          }
        }
        at += static_cast<size_t>(desc_end);
      }
    }
  }

  void summarize() {
    const bool has_interp = interpreter_.has_value();
    out_.set("stripped", stripped_);
    if (type_ == 2 || type_ == 3) {
      const bool pie_flag = flags1_ && (*flags1_ & 0x08000000);  // DF_1_PIE
      // Linkers before binutils 2.31 set no DF_1_PIE: an interpreter without a soname marks a PIE.
      const bool pie = type_ == 3 && (pie_flag || (!flags1_ && has_interp && !has_soname_));
      out_.set("pie", pie);
      out_.set("linking", !has_interp && !has_dynamic_          ? "static"
                          : !has_interp && pie && !has_needed_  ? "static-pie"
                                                                : "dynamic");
    }
    // Over PT_LOAD only: an executable PT_GNU_STACK is a different (and common, older) matter.
    bool entry_in_code = false, any_code = false;
    std::vector<uint64_t> writable_code;
    for (const Segment& s : segments_) {
      if (s.type != kPtLoad || !(s.flags & kPfX)) continue;
      if (s.flags & kPfW) writable_code.push_back(s.vaddr);
      any_code = true;
      entry_in_code = entry_in_code || (entry_point_ >= s.vaddr && entry_point_ - s.vaddr < s.memsz);
    }
    if (!writable_code.empty()) {
      add_indicator(entry_, kIndicatorElfWritableExecutable, 5, kCategoryEvasion, "A loadable segment is writable and executable",
                    std::to_string(writable_code.size()) + " segment(s), the first at " + hex(writable_code.front()));
    }
    if (entry_point_ != 0 && any_code && !entry_in_code) {
      add_indicator(entry_, kIndicatorElfEntryOutsideCode, 4, kCategoryEvasion, "The entry point lies outside every executable segment",
                    "entry point " + hex(entry_point_));
    }
    if (high_entropy_sections_ > 0) {
      entry_.add_tag("entropy-high");
      add_indicator(entry_, kIndicatorElfHighEntropySection, 3, kCategoryPacking, "Sections with high entropy (compressed or encrypted code)",
                    std::to_string(high_entropy_sections_) + " section(s) above 7.2 bits per byte");
    }
    detect_upx();
  }

  // UPX puts its l_info block right after the program headers ("UPX!" at +4), followed by p_info
  // (program id, original file size, block size). Both must be there: the magic alone is just text.
  void detect_upx() {
    if (phnum_ == 0 || phoff_ > bytes_.size() || phnum_ * phentsize_ > bytes_.size()) return;
    const uint64_t at = phoff_ + phnum_ * phentsize_;
    if (!fits(at, 24) || !bytes_.matches(static_cast<size_t>(at) + 4, "UPX!")) return;
    const size_t p = static_cast<size_t>(at);  // l_checksum, "UPX!", l_lsize, l_version, l_format; p_progid, p_filesize, p_blocksize
    const uint8_t version = bytes_.u8(p + 10).value_or(0), format = bytes_.u8(p + 11).value_or(0);
    const uint32_t original_size = word(p + 16);
    if (half(p + 8) == 0 || version == 0 || format == 0 || original_size == 0 || word(p + 20) == 0) return;
    set_all(out_.at("packer"), {{"name", "UPX"}, {"format", format}, {"original_size", original_size}});
    entry_.add_tag("packed");
    add_indicator(entry_, kIndicatorElfUpx, 3, kCategoryPacking, "Packed with UPX", "UPX l_info and p_info after the program headers");
  }


  ByteSpan bytes_;
  Entry& entry_;
  Value& out_;
  EntropyBudget entropy_;
  std::vector<std::string> problems_;
  bool dropped_ = false, wide_ = false, big_ = false;
  uint16_t type_ = 0;
  uint64_t entry_point_ = 0, phoff_ = 0, shoff_ = 0, phentsize_ = 0, phnum_ = 0, shentsize_ = 0, shnum_ = 0, shstrndx_ = 0;
  std::vector<Segment> segments_;  // at most kMaxHeaders each
  std::vector<Section> sections_;
  std::optional<std::string> interpreter_;
  std::optional<uint64_t> flags1_;
  bool has_dynamic_ = false, has_needed_ = false, has_soname_ = false, stripped_ = true;
  size_t high_entropy_sections_ = 0;
};

}  // namespace

void analyze_elf(ByteSpan bytes, Entry& entry) { ElfAnalysis(bytes, entry).run(); }

}  // namespace assay
