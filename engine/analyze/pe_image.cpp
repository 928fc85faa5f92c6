#include "analyze/pe_image.h"

#include <algorithm>

namespace assay {
namespace {

constexpr size_t kMaxSections = 96;  // the loader's own limit

}  // namespace

std::optional<PeImage> parse_pe(ByteSpan bytes) {
  if (!bytes.starts_with("MZ")) return std::nullopt;
  const auto lfanew = bytes.le32(0x3C);
  if (!lfanew || !bytes.matches(*lfanew, std::string_view("PE\0\0", 4))) return std::nullopt;
  PeImage image;
  image.bytes = bytes;
  image.pe_offset = *lfanew;

  CheckedReader header(bytes.sub(*lfanew + 4));
  image.machine = header.le16();
  image.number_of_sections = header.le16();
  image.time_date_stamp = header.le32();
  image.pointer_to_symbol_table = header.le32();
  image.number_of_symbols = header.le32();
  image.size_of_optional_header = header.le16();
  image.characteristics = header.le16();
  if (!header.ok()) return std::nullopt;

  const size_t optional_offset = *lfanew + 24;
  CheckedReader optional(bytes.sub(optional_offset, image.size_of_optional_header));
  image.magic = optional.le16();
  image.pe32_plus = image.magic == 0x20b;
  if (image.magic != 0x10b && image.magic != 0x20b) image.warnings.push_back("unknown optional header magic");
  image.linker_major = optional.u8();
  image.linker_minor = optional.u8();
  image.size_of_code = optional.le32();
  optional.skip(8);  // SizeOfInitializedData, SizeOfUninitializedData
  image.address_of_entry_point = optional.le32();
  optional.skip(4);  // BaseOfCode
  if (image.pe32_plus) {
    image.image_base = optional.le64();
  } else {
    optional.skip(4);  // BaseOfData
    image.image_base = optional.le32();
  }
  image.section_alignment = optional.le32();
  image.file_alignment = optional.le32();
  image.os_major = optional.le16();
  image.os_minor = optional.le16();
  optional.skip(4);  // image version
  image.subsystem_major = optional.le16();
  image.subsystem_minor = optional.le16();
  optional.skip(4);  // Win32VersionValue
  image.size_of_image = optional.le32();
  image.size_of_headers = optional.le32();
  image.checksum_offset = static_cast<uint32_t>(optional_offset + optional.offset());
  image.checksum = optional.le32();
  image.subsystem = optional.le16();
  image.dll_characteristics = optional.le16();
  optional.skip(image.pe32_plus ? 32 : 16);  // stack and heap reserve/commit
  optional.skip(4);                          // LoaderFlags
  const uint32_t directory_count = optional.le32();
  if (!optional.ok()) image.warnings.push_back("optional header is truncated");
  for (uint32_t i = 0; i < std::min<uint32_t>(directory_count, 16) && optional.ok(); ++i) {
    PeDataDirectory directory{optional.le32(), optional.le32()};
    if (optional.ok()) image.directories.push_back(directory);
  }
  if (directory_count > 16) image.warnings.push_back("more than 16 data directories declared");

  const size_t table = optional_offset + image.size_of_optional_header;
  if (image.number_of_sections > kMaxSections) {
    image.warnings.push_back("section count " + std::to_string(image.number_of_sections) + " exceeds the loader's limit");
  }
  for (size_t i = 0; i < std::min<size_t>(image.number_of_sections, kMaxSections); ++i) {
    CheckedReader row(bytes.sub(table + i * 40, 40));
    PeSection section;
    const ByteSpan name = row.bytes(8);
    section.name = std::string(name.as_chars().substr(0, name.as_chars().find('\0')));
    section.virtual_size = row.le32();
    section.virtual_address = row.le32();
    section.raw_size = row.le32();
    section.raw_offset = row.le32();
    row.skip(12);
    section.characteristics = row.le32();
    if (!row.ok()) {
      image.warnings.push_back("section table is truncated");
      break;
    }
    if (static_cast<uint64_t>(section.raw_offset) + section.raw_size > bytes.size() && section.raw_size != 0) {
      image.warnings.push_back("section " + section.name + " runs past the end of the file");
    }
    image.sections.push_back(std::move(section));
  }
  return image;
}

const PeSection* PeImage::section_of(uint32_t rva) const {
  for (const PeSection& s : sections) {
    const uint32_t span = std::max(s.virtual_size, s.raw_size);
    if (rva >= s.virtual_address && rva - s.virtual_address < span) return &s;
  }
  return nullptr;
}

std::optional<uint32_t> PeImage::offset_of(uint32_t rva) const {
  if (rva < size_of_headers && rva < bytes.size()) return rva;
  const PeSection* s = section_of(rva);
  if (s == nullptr) return std::nullopt;
  const uint32_t delta = rva - s->virtual_address;
  if (delta >= s->raw_size) return std::nullopt;  // in the section's zero-filled tail
  const uint64_t offset = static_cast<uint64_t>(s->raw_offset) + delta;
  if (offset >= bytes.size()) return std::nullopt;
  return static_cast<uint32_t>(offset);
}

ByteSpan PeImage::at_rva(uint32_t rva, uint32_t length) const {
  const auto offset = offset_of(rva);
  if (!offset) return {};
  uint64_t limit = bytes.size() - *offset;
  if (const PeSection* s = section_of(rva)) limit = std::min<uint64_t>(limit, s->raw_size - (rva - s->virtual_address));
  return bytes.sub(*offset, static_cast<size_t>(std::min<uint64_t>(limit, length)));
}

std::string PeImage::string_at_rva(uint32_t rva, size_t max) const {
  const std::string_view text = at_rva(rva, static_cast<uint32_t>(max)).as_chars();
  return std::string(text.substr(0, text.find('\0')));
}

uint64_t PeImage::end_of_image_data() const {
  uint64_t end = size_of_headers;
  for (const PeSection& s : sections) {
    if (s.raw_size != 0) end = std::max<uint64_t>(end, static_cast<uint64_t>(s.raw_offset) + s.raw_size);
  }
  return std::min<uint64_t>(end, bytes.size());
}

uint32_t pe_checksum(const PeImage& image) {
  const ByteSpan bytes = image.bytes;
  uint64_t sum = 0;
  const size_t words = bytes.size() / 2;
  for (size_t i = 0; i < words; ++i) {
    const size_t offset = i * 2;
    if (offset == image.checksum_offset || offset == image.checksum_offset + 2) continue;
    sum += *bytes.le16(offset);
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  if (bytes.size() % 2 != 0) {
    sum += *bytes.u8(bytes.size() - 1);
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint32_t>(sum + bytes.size());
}

}  // namespace assay
