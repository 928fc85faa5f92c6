// Executables: PE / DOS, ELF and Mach-O (thin or fat), each told down to its subtype from the headers.

#include <cstdint>
#include <optional>

#include "identify/sniff_internal.h"

namespace assay::sniff {

// ---- PE / DOS -------------------------------------------------------------------------------------

namespace {

constexpr uint16_t kImageFileDll = 0x2000;

// Machines whose images are always PE32+; consulted only when the optional header is cut off.
bool is_pe_plus_machine(uint16_t machine) {
  return machine == 0x8664 /* AMD64 */ || machine == 0xaa64 /* ARM64 */ || machine == 0x0200 /* IA64 */;
}

}  // namespace

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

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace assay::sniff
