// A parsed view of a PE image's headers and section table, shared by the PE analyzer (analyze/) and
// the PE unpacker (unpack/pe_members.cpp). Parsing only records offsets and sizes read through the
// checked reader; nothing here trusts a header field without checking it against the bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/checked_reader.h"

namespace assay {

struct PeSection {
  std::string name;
  uint32_t virtual_address = 0;
  uint32_t virtual_size = 0;
  uint32_t raw_offset = 0;
  uint32_t raw_size = 0;
  uint32_t characteristics = 0;
};

struct PeDataDirectory {
  uint32_t rva = 0;
  uint32_t size = 0;
};

enum PeDirectory : size_t {
  kDirExport = 0,
  kDirImport = 1,
  kDirResource = 2,
  kDirException = 3,
  kDirSecurity = 4,  // a file offset, not an RVA
  kDirRelocation = 5,
  kDirDebug = 6,
  kDirTls = 9,
  kDirLoadConfig = 10,
  kDirIat = 12,
  kDirClr = 14,
};

struct PeImage {
  ByteSpan bytes;
  uint32_t pe_offset = 0;  // e_lfanew
  bool pe32_plus = false;
  // IMAGE_FILE_HEADER
  uint16_t machine = 0;
  uint16_t number_of_sections = 0;
  uint32_t time_date_stamp = 0;
  uint32_t pointer_to_symbol_table = 0;
  uint32_t number_of_symbols = 0;
  uint16_t size_of_optional_header = 0;
  uint16_t characteristics = 0;
  // IMAGE_OPTIONAL_HEADER (the fields a report needs)
  uint16_t magic = 0;
  uint8_t linker_major = 0, linker_minor = 0;
  uint32_t size_of_code = 0;
  uint32_t address_of_entry_point = 0;
  uint64_t image_base = 0;
  uint32_t section_alignment = 0;
  uint32_t file_alignment = 0;
  uint16_t os_major = 0, os_minor = 0, subsystem_major = 0, subsystem_minor = 0;
  uint32_t size_of_image = 0;
  uint32_t size_of_headers = 0;
  uint32_t checksum = 0;
  uint32_t checksum_offset = 0;  // where CheckSum sits, skipped when computing it
  uint16_t subsystem = 0;
  uint16_t dll_characteristics = 0;
  std::vector<PeDataDirectory> directories;  // at most 16
  std::vector<PeSection> sections;
  std::vector<std::string> warnings;  // structural problems found while parsing

  // File offset of an RVA, when it maps into the file (headers or a section's raw data).
  std::optional<uint32_t> offset_of(uint32_t rva) const;
  // The bytes at `rva`, at most `length` of them, clamped to the section they fall in.
  ByteSpan at_rva(uint32_t rva, uint32_t length) const;
  // A NUL-terminated ASCII string at `rva`, at most `max` bytes.
  std::string string_at_rva(uint32_t rva, size_t max = 512) const;
  PeDataDirectory directory(size_t index) const {
    return index < directories.size() ? directories[index] : PeDataDirectory{};
  }
  // End of the last section's raw data: bytes past it (and past the certificate table) are overlay.
  uint64_t end_of_image_data() const;
  const PeSection* section_of(uint32_t rva) const;
};

// Parses the headers and section table; nullopt when `bytes` is not a PE image at all.
std::optional<PeImage> parse_pe(ByteSpan bytes);

// The standard PE checksum of the file (CheckSum field treated as zero).
uint32_t pe_checksum(const PeImage& image);

}  // namespace assay

namespace assay {

struct PeResource {
  std::string type;  // "ICON", "RCDATA"... or the type's own name / number
  std::string name;  // the name or the id as text
  uint32_t language = 0;
  uint32_t rva = 0;
  uint32_t offset = 0;  // file offset of the data
  uint32_t size = 0;
};

// Walks the three-level resource tree (type, name, language). Loops, overlong chains and entries that
// point outside the file are skipped with a warning; at most `max_entries` leaves are returned.
std::vector<PeResource> pe_resources(const PeImage& image, std::vector<std::string>& warnings,
                                     size_t max_entries = 4096);

}  // namespace assay
