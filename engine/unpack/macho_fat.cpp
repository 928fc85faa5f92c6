// Fat (universal) Mach-O: one child per architecture slice. A slice is a complete thin Mach-O at an
// offset of the fat file, so each child borrows its span of the parent's bytes: nothing is copied or
// decoded, and nothing is charged to the decode budget. The analyzer of the fat file itself
// (analyze/macho.cpp) records the slice table; the slices are analyzed as objects of their own.
// The fat-table reader and the CPU names live here and are shared with it (analyze/macho_internal.h).
#include <array>
#include <cstdio>
#include <string>
#include <utility>

#include "analyze/macho_internal.h"
#include "unpack/formats.h"

namespace assay {

std::string macho_cpu_name(uint32_t cpu_type, uint32_t cpu_subtype) {
  const uint32_t sub = cpu_subtype & 0x00ffffff;  // the high byte holds capability bits (LIB64, PTRAUTH)
  switch (cpu_type) {
    case 7: return "i386";
    case 0x01000007: return sub == 8 ? "x86_64h" : "x86_64";
    case 12: {
      static constexpr std::array<const char*, 17> kArm = {nullptr, nullptr, nullptr, nullptr, nullptr, "armv4t", "armv6",
                                                           "armv5", "xscale", "armv7", "armv7f", "armv7s", "armv7k",
                                                           "armv8", "armv6m", "armv7m", "armv7em"};
      return sub < kArm.size() && kArm[sub] ? kArm[sub] : "arm";
    }
    case 0x0100000c: return sub == 2 ? "arm64e" : "arm64";
    case 0x0200000c: return "arm64_32";
    case 18: return sub == 100 ? "ppc970" : "ppc";
    case 0x01000012: return "ppc64";
    case 6: return "m68k";
    case 14: return "sparc";
    default: {
      char text[16];
      std::snprintf(text, sizeof text, "0x%x", cpu_type);
      return text;
    }
  }
}

FatTable read_fat_table(ByteSpan bytes) {
  FatTable table;
  const auto magic = bytes.be32(0);
  const auto count = bytes.be32(4);
  if (!magic || !count || (*magic != 0xcafebabe && *magic != 0xcafebabf)) {
    table.problems.push_back("fat header truncated or not a fat Mach-O");
    return table;
  }
  table.wide = *magic == 0xcafebabf;
  table.declared = *count;
  const size_t entry_size = table.wide ? 32 : 20;
  size_t entries = *count;
  if (entries > kMaxFatSlices) {
    table.problems.push_back("fat header names " + std::to_string(entries) + " slices; only the first " +
                             std::to_string(kMaxFatSlices) + " are read");
    entries = kMaxFatSlices;
  }
  // Everything up to the end of the declared table belongs to the header; no slice may start there.
  const uint64_t table_end = 8 + static_cast<uint64_t>(*count) * entry_size;
  if (table_end > bytes.size()) {
    table.problems.push_back("fat slice table truncated: " + std::to_string(*count) + " entries need " +
                             std::to_string(table_end) + " bytes, the file has " + std::to_string(bytes.size()));
  }
  for (size_t i = 0; i < entries; ++i) {
    const size_t at = 8 + i * entry_size;
    const auto entry = bytes.exact(at, entry_size);
    if (!entry) break;
    FatSlice slice{i, *entry->be32(0), *entry->be32(4), 0, 0, 0};
    if (table.wide) {
      slice.offset = (static_cast<uint64_t>(*entry->be32(8)) << 32) | *entry->be32(12);
      slice.size = (static_cast<uint64_t>(*entry->be32(16)) << 32) | *entry->be32(20);
      slice.align = *entry->be32(24);
    } else {
      slice.offset = *entry->be32(8);
      slice.size = *entry->be32(12);
      slice.align = *entry->be32(16);
    }
    const std::string where = "slice " + std::to_string(i) + " (" + macho_cpu_name(slice.cpu_type, slice.cpu_subtype) +
                              ") at offset " + std::to_string(slice.offset) + " size " + std::to_string(slice.size);
    if (slice.size == 0) {
      table.problems.push_back(where + " is empty: skipped");
    } else if (slice.offset < table_end) {
      table.problems.push_back(where + " overlaps the fat header: skipped");
    } else if (slice.offset > bytes.size() || slice.size > bytes.size() - slice.offset) {
      table.problems.push_back(where + " runs past the end of the file: skipped");
    } else {
      table.slices.push_back(slice);
    }
  }
  return table;
}

namespace {

class MachOFatUnpacker final : public Unpacker {
 public:
  MachOFatUnpacker(ByteSpan bytes, std::vector<FatSlice> slices) : bytes_(bytes), slices_(std::move(slices)) {}

  bool next(UnpackContext& ctx, Child& child) override {
    if (next_ >= slices_.size()) return false;
    const FatSlice& slice = slices_[next_++];
    child.name = std::to_string(slice.index);
    child.layer = "binary_layer/slice";
    // read_fat_table kept only slices inside the file, so the span is whole.
    child.bytes = bytes_.sub(static_cast<size_t>(slice.offset), static_cast<size_t>(slice.size));
    child.owned.clear();
    child.properties.clear();
    child.properties.push_back(Property{"cpu", macho_cpu_name(slice.cpu_type, slice.cpu_subtype)});
    ++ctx.children_produced;
    return true;
  }

 private:
  ByteSpan bytes_;
  std::vector<FatSlice> slices_;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<Unpacker> unpack_macho_fat(ByteSpan bytes, UnpackContext& ctx) {
  FatTable table = read_fat_table(bytes);
  for (std::string& problem : table.problems) ctx.container.add_warning(std::move(problem));
  if (!table.problems.empty()) ctx.incomplete = true;
  if (table.slices.empty()) {
    ctx.failed_to_open = true;
    return nullptr;
  }
  return std::make_unique<MachOFatUnpacker>(bytes, std::move(table.slices));
}

}  // namespace assay
