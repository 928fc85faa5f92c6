// Internal to the Mach-O analyzer (analyze/macho.cpp) and the fat unpacker (unpack/macho_fat.cpp):
// the fat header both of them read, and CPU names both of them print.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "report/value.h"
#include "util/checked_reader.h"

namespace assay {

// A fat file names at most this many slices that we look at; the rest are reported, not read.
inline constexpr size_t kMaxFatSlices = 64;

// The architecture's conventional name as lipo prints it ("x86_64", "arm64e", "armv7", "ppc"), or
// the family name, or the number in hex when the type is unknown.
std::string macho_cpu_name(uint32_t cpu_type, uint32_t cpu_subtype);

struct FatSlice {
  size_t index;  // position in the fat header's table (skipped slices keep their number)
  uint32_t cpu_type;
  uint32_t cpu_subtype;
  uint64_t offset;
  uint64_t size;
  uint32_t align;  // a power of two, as the exponent
};

struct FatTable {
  bool wide = false;                  // 0xcafebabf: fat_arch_64 entries
  uint32_t declared = 0;              // nfat_arch as the header states it
  std::vector<FatSlice> slices;       // the slices that lie inside the file, after the table
  std::vector<std::string> problems;  // a truncated table, skipped slices: one line each
};

// Reads a big-endian fat header (0xcafebabe or 0xcafebabf) and its slice table. Slices that overlap
// the header and table, are empty, or run past the end of `bytes` are left out with a problem line.
FatTable read_fat_table(ByteSpan bytes);

// What reading an embedded code signature found (macho_signature.cpp).
struct CodeSignatureCheck {
  bool directory_found = false;  // a CodeDirectory in slot 0 was read
  bool hashes_valid = true;      // every code page and checked special slot hash matched
  uint64_t pages_checked = 0;
};

// Reads the SuperBlob `signature` of the thin Mach-O `image` into `out` (metadata.application.macho.
// code_signature) and checks the CodeDirectory's hashes against `image`; problems go to `problem`.
CodeSignatureCheck read_macho_code_signature(ByteSpan image, ByteSpan signature, Value& out,
                                             const std::function<void(std::string)>& problem);

}  // namespace assay
