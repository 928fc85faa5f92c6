// Mach-O: metadata.application.macho for thin executables, dylibs, bundles and objects (32/64-bit,
// either byte order), and the slice table of fat files (the slices themselves are children, made by
// unpack/macho_fat.cpp). Load commands are walked inside sizeofcmds, each one range-checked against
// its own cmdsize before a field is read; what cannot be read becomes a validation warning.
#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analyze/bytes_util.h"
#include "analyze/formats.h"
#include "analyze/macho_internal.h"
#include "report/indicator_ids.h"
#include "hash/hasher.h"

namespace assay {
namespace {

// A crafted header may claim billions of commands or sections: read at most this many.
constexpr size_t kMaxCommands = 65536, kMaxSections = 65536;
constexpr size_t kMaxListed = 4096, kMaxProblems = 32;  // dylibs, rpaths, versions, warnings kept in the report
constexpr double kHighEntropy = 7.2;  // the object-level "entropy-high" threshold, applied to each section
constexpr uint64_t kHighEntropyMinBytes = 1024;
constexpr uint32_t kProtWrite = 2, kProtExecute = 4, kAllowStackExecution = 0x20000;

// Commands by number without the LC_REQ_DYLD bit (the switch below ignores it too).
enum : uint32_t {
  kLcSegment = 0x1, kLcSymtab = 0x2, kLcUnixThread = 0x5, kLcLoadDylib = 0xc, kLcIdDylib = 0xd,
  kLcLoadDylinker = 0xe, kLcLoadWeakDylib = 0x18, kLcSegment64 = 0x19, kLcUuid = 0x1b, kLcRpath = 0x1c,
  kLcCodeSignature = 0x1d, kLcReexportDylib = 0x1f, kLcLazyLoadDylib = 0x20, kLcEncryptionInfo = 0x21,
  kLcLoadUpwardDylib = 0x23, kLcVersionMinMacos = 0x24, kLcVersionMinIphoneos = 0x25, kLcMain = 0x28,
  kLcEncryptionInfo64 = 0x2c, kLcVersionMinTvos = 0x2f, kLcVersionMinWatchos = 0x30, kLcBuildVersion = 0x32,
};
constexpr uint32_t kReqDyld = 0x80000000;
// A CPU subtype that names no model, so macho_cpu_name gives the family ("arm", "x86_64").
constexpr uint32_t kNoModel = 0x00ffffff;

constexpr std::array<const char*, 0x37> kCommandNames = {
    nullptr, "SEGMENT", "SYMTAB", "SYMSEG", "THREAD", "UNIXTHREAD", "LOADFVMLIB", "IDFVMLIB", "IDENT", "FVMFILE",
    "PREPAGE", "DYSYMTAB", "LOAD_DYLIB", "ID_DYLIB", "LOAD_DYLINKER", "ID_DYLINKER", "PREBOUND_DYLIB", "ROUTINES",
    "SUB_FRAMEWORK", "SUB_UMBRELLA", "SUB_CLIENT", "SUB_LIBRARY", "TWOLEVEL_HINTS", "PREBIND_CKSUM",
    "LOAD_WEAK_DYLIB", "SEGMENT_64", "ROUTINES_64", "UUID", "RPATH", "CODE_SIGNATURE", "SEGMENT_SPLIT_INFO",
    "REEXPORT_DYLIB", "LAZY_LOAD_DYLIB", "ENCRYPTION_INFO", "DYLD_INFO", "LOAD_UPWARD_DYLIB",
    "VERSION_MIN_MACOSX", "VERSION_MIN_IPHONEOS", "FUNCTION_STARTS", "DYLD_ENVIRONMENT", "MAIN", "DATA_IN_CODE",
    "SOURCE_VERSION", "DYLIB_CODE_SIGN_DRS", "ENCRYPTION_INFO_64", "LINKER_OPTION", "LINKER_OPTIMIZATION_HINT",
    "VERSION_MIN_TVOS", "VERSION_MIN_WATCHOS", "NOTE", "BUILD_VERSION", "DYLD_EXPORTS_TRIE", "DYLD_CHAINED_FIXUPS",
    "FILESET_ENTRY", "ATOM_INFO"};
constexpr std::array<const char*, 13> kFileTypes = {nullptr, "OBJECT", "EXECUTE", "FVMLIB", "CORE", "PRELOAD", "DYLIB",
                                                    "DYLINKER", "BUNDLE", "DYLIB_STUB", "DSYM", "KEXT_BUNDLE", "FILESET"};
constexpr std::array<const char*, 28> kHeaderFlags = {
    "NOUNDEFS", "INCRLINK", "DYLDLINK", "BINDATLOAD", "PREBOUND", "SPLIT_SEGS", "LAZY_INIT", "TWOLEVEL",
    "FORCE_FLAT", "NOMULTIDEFS", "NOFIXPREBINDING", "PREBINDABLE", "ALLMODSBOUND", "SUBSECTIONS_VIA_SYMBOLS",
    "CANONICAL", "WEAK_DEFINES", "BINDS_TO_WEAK", "ALLOW_STACK_EXECUTION", "ROOT_SAFE", "SETUID_SAFE",
    "NO_REEXPORTED_DYLIBS", "PIE", "DEAD_STRIPPABLE_DYLIB", "HAS_TLV_DESCRIPTORS", "NO_HEAP_EXECUTION",
    "APP_EXTENSION_SAFE", "NLIST_OUTOFSYNC_WITH_DYLDINFO", "SIM_SUPPORT"};
constexpr std::array<const char*, 13> kPlatforms = {nullptr, "macos", "ios", "tvos", "watchos", "bridgeos",
                                                    "maccatalyst", "iossimulator", "tvossimulator", "watchossimulator",
                                                    "driverkit", "visionos", "visionossimulator"};

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

template <size_t N>
std::string table_name(const std::array<const char*, N>& names, uint64_t value) {
  return value < N && names[value] ? names[value] : hex(value);
}

// Apple's packed versions: major.minor.patch in 16.8.8 bits.
std::string version(uint32_t v) {
  return std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
}

// Sets several fields of an object at once, in order.
void set_all(Value& object, std::initializer_list<std::pair<const char*, Value>> fields) {
  for (const auto& [key, value] : fields) object.set(key, value);
}

std::string protection(uint32_t p) { return {(p & 1) ? 'r' : '-', (p & 2) ? 'w' : '-', (p & 4) ? 'x' : '-'}; }

// A fixed 16-byte name field (segname, sectname): NUL-padded, and not terminated when all 16 are used.
std::string fixed_name(ByteSpan field) {
  const std::string_view text = field.as_chars();
  return std::string(text.substr(0, text.find('\0')));
}

class MachOAnalysis {
 public:
  MachOAnalysis(ByteSpan bytes, Entry& entry)
      : bytes_(bytes), entry_(entry), out_(entry.metadata.at("application").at("macho")),
        entropy_(EntropyBudget::for_file(bytes.size())) {}

  void run() {
    if (read_header()) {
      read_commands();
      summarize();
    }
    const bool valid = problems_.empty();
    if (dropped_) problems_.push_back("further problems not listed");
    add_validation(entry_, "Mach-O", "format", valid, std::move(problems_));
  }

 private:
  // Field reads in the file's byte order; callers check the command's size first.
  uint32_t u32(size_t at) const { return (big_ ? bytes_.be32(at) : bytes_.le32(at)).value_or(0); }
  uint64_t u64(size_t at) const {
    const uint64_t first = u32(at), second = u32(at + 4);
    return big_ ? (first << 32) | second : (second << 32) | first;
  }
  bool fits(uint64_t offset, uint64_t length) const { return offset <= bytes_.size() && length <= bytes_.size() - offset; }
  void problem(std::string text) {
    if (problems_.size() < kMaxProblems) problems_.push_back(std::move(text));
    else dropped_ = true;
  }

  bool read_header() {
    const auto magic = bytes_.le32(0);
    if (!magic || (*magic != 0xfeedface && *magic != 0xfeedfacf && *magic != 0xcefaedfe && *magic != 0xcffaedfe)) {
      problem("Mach-O header truncated or magic unknown");
      return false;
    }
    wide_ = *magic == 0xfeedfacf || *magic == 0xcffaedfe;
    big_ = *magic == 0xcefaedfe || *magic == 0xcffaedfe;
    header_size_ = wide_ ? 32 : 28;
    if (!fits(0, header_size_)) {
      problem("Mach-O header truncated: " + std::to_string(bytes_.size()) + " of " + std::to_string(header_size_) + " bytes");
      return false;
    }
    cpu_type_ = u32(4), ncmds_ = u32(16), sizeofcmds_ = u32(20);
    Value& header = out_.at("header");
    const uint32_t flags = u32(24);
    header_flags_ = flags;
    set_all(header, {{"bits", wide_ ? 64 : 32}, {"endianness", big_ ? "big-endian" : "little-endian"},
                     {"cpu_type", macho_cpu_name(cpu_type_, kNoModel)}, {"cpu_subtype", macho_cpu_name(cpu_type_, u32(8))},
                     {"filetype", table_name(kFileTypes, u32(12))}, {"ncmds", ncmds_}, {"sizeofcmds", sizeofcmds_},
                     {"flags", flags}});
    Value& names = header.set("flag_names", Value::array());
    for (size_t bit = 0; bit < 32; ++bit) {
      if (flags & (1u << bit)) names.push(bit < kHeaderFlags.size() ? kHeaderFlags[bit] : hex(1u << bit));
    }
    return true;
  }

  void read_commands() {
    if (!fits(header_size_, sizeofcmds_)) problem("load commands (" + std::to_string(sizeofcmds_) + " bytes) run past the end");
    const uint64_t end = header_size_ + std::min<uint64_t>(sizeofcmds_, bytes_.size() - header_size_);
    // Filled aside and stored at the end: the commands add keys to out_, which would move a list
    // held inside it. The placeholder keeps the key's place after the header.
    out_.set("load_commands", Value::array());
    Value commands = Value::array();
    uint64_t at = header_size_;
    for (uint32_t i = 0; i < ncmds_; ++i) {
      if (i == kMaxCommands) {
        problem("ncmds " + std::to_string(ncmds_) + " exceeds " + std::to_string(kMaxCommands) + "; the rest are not read");
        break;
      }
      if (at + 8 > end) {
        problem("load command " + std::to_string(i) + " of " + std::to_string(ncmds_) + " lies outside sizeofcmds or the file");
        break;
      }
      const uint32_t cmd = u32(static_cast<size_t>(at)), size = u32(static_cast<size_t>(at) + 4);
      if (size < 8 || size > end - at) {
        problem("load command " + std::to_string(i) + " has size " + std::to_string(size) + ", outside sizeofcmds or the file");
        break;
      }
      const uint32_t base = cmd & ~kReqDyld;
      const std::string name = cmd == (0x22 | kReqDyld)                            ? "LC_DYLD_INFO_ONLY"
                               : base < kCommandNames.size() && kCommandNames[base] ? "LC_" + std::string(kCommandNames[base])
                                                                                    : hex(cmd);
      set_all(commands.push(Value::object()), {{"cmd", name}, {"size", size}});
      command(base, static_cast<size_t>(at), size);
      at += size;
    }
    out_.set("load_commands", std::move(commands));
  }

  // The command's fields, once its size covers at least `minimum` bytes.
  bool needs(size_t size, size_t minimum, uint32_t cmd) {
    if (size >= minimum) return true;
    problem(table_name(kCommandNames, cmd) + " command of " + std::to_string(size) + " bytes is too short");
    return false;
  }

  void command(uint32_t cmd, size_t at, size_t size) {
    switch (cmd) {
      case kLcSegment: case kLcSegment64:
        if (needs(size, cmd == kLcSegment64 ? 72 : 56, cmd)) segment(at, size, cmd == kLcSegment64);
        break;
      case kLcSymtab:
        if (needs(size, 24, cmd)) symbols(at);
        break;
      case kLcLoadDylib: case kLcLoadWeakDylib: case kLcReexportDylib: case kLcLazyLoadDylib: case kLcLoadUpwardDylib: case kLcIdDylib:
        if (needs(size, 24, cmd)) dylib(cmd, at, size);
        break;
      case kLcLoadDylinker:
        if (needs(size, 12, cmd)) out_.set("dylinker", command_string(at, size).value_or(""));
        break;
      case kLcRpath:
        if (Value* rpaths = needs(size, 12, cmd) ? list("rpaths") : nullptr) rpaths->push(command_string(at, size).value_or(""));
        break;
      case kLcUuid:
        if (needs(size, 24, cmd)) uuid(at);
        break;
      case kLcVersionMinMacos: case kLcVersionMinIphoneos: case kLcVersionMinTvos: case kLcVersionMinWatchos: case kLcBuildVersion:
        if (needs(size, cmd == kLcBuildVersion ? 24 : 16, cmd)) min_version(cmd, at);
        break;
      case kLcMain:  // the entry point as an offset into __TEXT
        if (needs(size, 24, cmd)) {
          set_all(out_.at("entry_point"), {{"command", "LC_MAIN"}, {"offset", u64(at + 8)}, {"stack_size", u64(at + 16)}});
        }
        break;
      case kLcUnixThread:
        if (needs(size, 16, cmd)) thread_entry(at, size);
        break;
      case kLcCodeSignature:
        if (needs(size, 16, cmd)) code_signature(u32(at + 8), u32(at + 12));
        break;
      case kLcEncryptionInfo: case kLcEncryptionInfo64:
        if (needs(size, 20, cmd)) encryption(at);
        break;
      default:
        break;
    }
  }

  // The array at `key`, created on first use; nullptr once it holds kMaxListed items.
  Value* list(const char* key) {
    const Value* existing = out_.find(key);
    if (existing == nullptr || !existing->is_array()) return &out_.set(key, Value::array());
    return std::get<Value::Array>(existing->data()).size() < kMaxListed ? &out_.at(key) : nullptr;
  }

  // An lc_str: an offset from the command's start to a string that must end inside the command.
  std::optional<std::string> command_string(size_t at, size_t size) {
    auto text = terminated_string(bytes_.sub(at, size), u32(at + 8));
    if (!text) problem("string of the load command at " + std::to_string(at) + " is not terminated inside it");
    return text;
  }

  void segment(size_t at, size_t size, bool wide) {
    const size_t header = wide ? 72 : 56, section_size = wide ? 80 : 68;
    const auto field = [&](size_t offset32, size_t offset64) { return wide ? u64(at + offset64) : u32(at + offset32); };
    const uint64_t fileoff = field(32, 40), filesize = field(36, 48);
    const uint32_t nsects = u32(at + (wide ? 64 : 48));
    Value scratch;  // past kMaxListed segments, sections are still checked but not listed
    Value* segments = list("segments");
    Value& item = segments ? segments->push(Value::object()) : scratch;
    const std::string name = fixed_name(bytes_.sub(at + 8, 16));
    const uint32_t initprot = u32(at + (wide ? 60 : 44));
    if ((initprot & kProtWrite) && (initprot & kProtExecute) && writable_code_.size() < kMaxListed) writable_code_.push_back(name);
    set_all(item, {{"name", name}, {"vmaddr", field(24, 24)}, {"vmsize", field(28, 32)}, {"fileoff", fileoff},
                   {"filesize", filesize}, {"maxprot", protection(u32(at + (wide ? 56 : 40)))},
                   {"initprot", protection(initprot)}});
    if (filesize != 0 && !fits(fileoff, filesize)) problem("segment " + name + " runs past the end of the file");
    uint64_t count = nsects;
    if (count > (size - header) / section_size) {
      problem("segment " + name + " claims " + std::to_string(nsects) + " sections, more than its command holds");
      count = (size - header) / section_size;
    }
    Value& sections = item.set("sections", Value::array());
    for (uint64_t i = 0; i < count && sections_seen_ < kMaxSections; ++i, ++sections_seen_) {
      const size_t s = at + header + static_cast<size_t>(i) * section_size;
      const uint64_t address = wide ? u64(s + 32) : u32(s + 32), length = wide ? u64(s + 40) : u32(s + 36);
      const uint32_t offset = u32(s + (wide ? 48 : 40)), type = u32(s + (wide ? 64 : 56)) & 0xff;
      Value& section = sections.push(Value::object());
      set_all(section, {{"name", fixed_name(bytes_.sub(s, 16))}, {"segment", fixed_name(bytes_.sub(s + 16, 16))},
                        {"address", address}, {"size", length}, {"offset", offset}});
      // Zero-fill sections (S_ZEROFILL, S_GB_ZEROFILL, S_THREAD_LOCAL_ZEROFILL) have no file bytes.
      if (type == 0x1 || type == 0xc || type == 0x12 || length == 0 || offset == 0) continue;
      if (!fits(offset, length)) {
        problem("section " + fixed_name(bytes_.sub(s, 16)) + " runs past the end of the file");
      } else if (const auto entropy = entropy_.of(*bytes_.exact(offset, static_cast<size_t>(length)))) {
        section.set("entropy", *entropy);
        if (*entropy > kHighEntropy && length >= kHighEntropyMinBytes) ++high_entropy_sections_;
      }
    }
  }

  void symbols(size_t at) {
    const uint64_t symoff = u32(at + 8), nsyms = u32(at + 12), stroff = u32(at + 16), strsize = u32(at + 20);
    set_all(out_.at("symbols"), {{"count", nsyms}, {"string_table_size", strsize}});
    if (!fits(symoff, nsyms * (wide_ ? 16 : 12))) problem("symbol table runs past the end of the file");
    if (!fits(stroff, strsize)) problem("string table runs past the end of the file");
  }

  void dylib(uint32_t cmd, size_t at, size_t size) {
    const std::optional<std::string> name = command_string(at, size);
    if (cmd == kLcIdDylib) out_.set("install_name", name.value_or(""));  // the dylib's own name, not a dependency
    Value* dylibs = cmd == kLcIdDylib ? nullptr : list("dylibs");
    if (dylibs == nullptr) return;
    const char* kind = cmd == kLcLoadWeakDylib ? "weak" : cmd == kLcReexportDylib ? "reexport"
                       : cmd == kLcLazyLoadDylib ? "lazy" : cmd == kLcLoadUpwardDylib ? "upward" : "load";
    set_all(dylibs->push(Value::object()), {{"name", name.value_or("")}, {"kind", kind},
                                            {"current_version", version(u32(at + 16))},
                                            {"compatibility_version", version(u32(at + 20))}});
  }

  void uuid(size_t at) {  // the canonical 8-4-4-4-12 upper-case form, as dwarfdump --uuid prints it
    std::string text;
    for (size_t i = 0; i < 16; ++i) {
      const uint8_t byte = bytes_.u8(at + 8 + i).value_or(0);
      text += {"0123456789ABCDEF"[byte >> 4], "0123456789ABCDEF"[byte & 15]};
      if (i == 3 || i == 5 || i == 7 || i == 9) text.push_back('-');
    }
    out_.set("uuid", text);
  }

  void min_version(uint32_t cmd, size_t at) {
    Value* versions = list("versions");
    if (versions == nullptr) return;
    // The older commands name the platform by their number; LC_BUILD_VERSION carries it.
    const uint32_t platform = cmd == kLcBuildVersion ? u32(at + 8) : cmd == kLcVersionMinMacos ? 1
                              : cmd == kLcVersionMinIphoneos ? 2 : cmd == kLcVersionMinTvos ? 3 : 4;
    const size_t fields = cmd == kLcBuildVersion ? at + 12 : at + 8;
    set_all(versions->push(Value::object()), {{"command", "LC_" + std::string(kCommandNames[cmd])},
                                              {"platform", table_name(kPlatforms, platform)},
                                              {"minos", version(u32(fields))}, {"sdk", version(u32(fields + 4))}});
  }

  // LC_UNIXTHREAD (older executables): the initial program counter in the thread state.
  void thread_entry(size_t at, size_t size) {
    const uint32_t flavor = u32(at + 8);
    std::optional<size_t> pc;  // offset into the state, and the state's word width
    if (cpu_type_ == 0x01000007 && flavor == 4) pc = 16 * 8;        // x86_THREAD_STATE64: rip
    else if (cpu_type_ == 7 && flavor == 1) pc = 10 * 4;            // x86_THREAD_STATE32: eip
    else if (cpu_type_ == 0x0100000c && flavor == 6) pc = 32 * 8;   // ARM_THREAD_STATE64: pc
    else if (cpu_type_ == 12 && flavor == 1) pc = 15 * 4;           // ARM_THREAD_STATE: r15
    const size_t width = (cpu_type_ & 0x01000000) ? 8 : 4;
    if (!pc || 16 + *pc + width > size) return;
    const uint64_t address = width == 8 ? u64(at + 16 + *pc) : u32(at + 16 + *pc);
    set_all(out_.at("entry_point"), {{"command", "LC_UNIXTHREAD"}, {"address", address}});
  }

  void encryption(size_t at) {
    const uint32_t offset = u32(at + 8), size = u32(at + 12), cryptid = u32(at + 16);
    set_all(out_.at("encryption"), {{"offset", offset}, {"size", size}, {"cryptid", cryptid}});
    if (cryptid != 0) entry_.add_tag("encrypted");
    if (!fits(offset, size)) problem("encrypted range runs past the end of the file");
  }

  // The embedded signature (macho_signature.cpp): read, and its CodeDirectory's hashes checked.
  void code_signature(uint64_t offset, uint64_t size) {
    entry_.add_tag("signed");
    // One signature is read: a thousand commands pointing at one signature would otherwise cost a
    // thousand hashings of the whole file.
    if (std::exchange(signature_seen_, true)) return problem("more than one LC_CODE_SIGNATURE");
    Value& signature = out_.at("code_signature");
    set_all(signature, {{"offset", offset}, {"size", size}, {"has_entitlements", false}});
    if (!fits(offset, size)) {
      problem("code signature runs past the end of the file");
      return;
    }
    const CodeSignatureCheck check = read_macho_code_signature(
        bytes_, *bytes_.exact(static_cast<size_t>(offset), static_cast<size_t>(size)), signature,
        [this](std::string text) { problem(std::move(text)); });
    if (check.directory_found && !check.hashes_valid) {
      add_indicator(entry_, kIndicatorMachOSignatureMismatch, 6, kCategoryEvasion,
                    "The code signature does not match the file", "CodeDirectory hashes differ from the code they cover");
    }
  }

  // Indicators from what the load commands said, once they are all read.
  void summarize() {
    if (!writable_code_.empty()) {
      add_indicator(entry_, kIndicatorMachOWritableExecutable, 5, kCategoryEvasion, "A segment is mapped writable and executable",
                    std::to_string(writable_code_.size()) + " segment(s), the first " + writable_code_.front());
    }
    if (high_entropy_sections_ > 0) {
      entry_.add_tag("entropy-high");
      add_indicator(entry_, kIndicatorMachOHighEntropySection, 3, kCategoryPacking, "Sections with high entropy (compressed or encrypted code)",
                    std::to_string(high_entropy_sections_) + " section(s) above 7.2 bits per byte");
    }
    if (header_flags_ & kAllowStackExecution) {
      add_indicator(entry_, kIndicatorMachOExecutableStack, 4, kCategoryEvasion, "The stack is executable",
                    "MH_ALLOW_STACK_EXECUTION is set in the header");
    }
  }


  ByteSpan bytes_;
  Entry& entry_;
  Value& out_;
  EntropyBudget entropy_;
  std::vector<std::string> problems_;
  bool dropped_ = false, wide_ = false, big_ = false, signature_seen_ = false;
  size_t header_size_ = 28;
  uint32_t cpu_type_ = 0, ncmds_ = 0, sizeofcmds_ = 0;
  size_t sections_seen_ = 0;
  uint32_t header_flags_ = 0;
  std::vector<std::string> writable_code_;  // names of segments mapped writable and executable
  size_t high_entropy_sections_ = 0;
};

}  // namespace

void analyze_macho(ByteSpan bytes, Entry& entry) { MachOAnalysis(bytes, entry).run(); }

void analyze_macho_fat(ByteSpan bytes, Entry& entry) {
  FatTable table = read_fat_table(bytes);
  Value& fat = entry.metadata.at("application").at("macho").at("fat");
  set_all(fat, {{"magic", table.wide ? "FAT_MAGIC_64" : "FAT_MAGIC"}, {"declared_slices", table.declared}});
  Value& slices = fat.set("slices", Value::array());
  for (const FatSlice& slice : table.slices) {
    set_all(slices.push(Value::object()), {{"index", slice.index}, {"cpu", macho_cpu_name(slice.cpu_type, slice.cpu_subtype)},
                                           {"offset", slice.offset}, {"size", slice.size}, {"align", slice.align}});
  }
  const bool valid = table.problems.empty();
  add_validation(entry, "Mach-O", "format", valid, std::move(table.problems));
}

}  // namespace assay
