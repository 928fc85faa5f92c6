#include "analyze/pe_directories.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace assay {
namespace {

constexpr size_t kMaxDlls = 1024;
constexpr size_t kMaxImports = 65536;
constexpr size_t kMaxExports = 65536;

std::string md5_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) out.push_back(hex[digest[i] >> 4]), out.push_back(hex[digest[i] & 0xF]);
  return out;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// "KERNEL32.dll" -> "kernel32" as the imphash algorithm (pefile's) normalises library names.
std::string imphash_library(const std::string& dll) {
  std::string name = lowercase(dll);
  for (std::string_view ext : {".dll", ".ocx", ".sys"}) {
    if (name.size() > ext.size() && name.ends_with(ext)) return name.substr(0, name.size() - ext.size());
  }
  return name;
}

// GUIDs are rendered the way Windows prints them.
std::string guid_text(ByteSpan g) {
  if (g.size() < 16) return {};
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", *g.le32(0), *g.le16(4), *g.le16(6),
                *g.u8(8), *g.u8(9), *g.u8(10), *g.u8(11), *g.u8(12), *g.u8(13), *g.u8(14), *g.u8(15));
  return text;
}

}  // namespace

PeImports read_pe_imports(const PeImage& image, std::vector<std::string>& warnings) {
  PeImports imports;
  const PeDataDirectory directory = image.directory(kDirImport);
  if (directory.rva == 0) return imports;
  std::string normalised;
  size_t total = 0;
  const uint32_t thunk_size = image.pe32_plus ? 8 : 4;
  for (size_t d = 0; d < kMaxDlls; ++d) {
    const ByteSpan descriptor = image.at_rva(directory.rva + static_cast<uint32_t>(d * 20), 20);
    if (descriptor.size() < 20) {
      warnings.push_back("import directory runs past the file");
      break;
    }
    const uint32_t lookup = *descriptor.le32(0), name_rva = *descriptor.le32(12), first_thunk = *descriptor.le32(16);
    if (lookup == 0 && name_rva == 0 && first_thunk == 0) break;
    const std::string dll = image.string_at_rva(name_rva, 256);
    Value& entry = imports.list.push(Value::object());
    entry.set("name", dll);
    Value& apis = entry.set("apis", Value::array());
    const uint32_t thunks = lookup != 0 ? lookup : first_thunk;
    for (uint32_t t = 0; total < kMaxImports; ++t, ++total) {
      const ByteSpan thunk = image.at_rva(thunks + t * thunk_size, thunk_size);
      if (thunk.size() < thunk_size) break;
      const uint64_t value = image.pe32_plus ? *thunk.le64(0) : *thunk.le32(0);
      if (value == 0) break;
      const bool by_ordinal = image.pe32_plus ? (value >> 63) != 0 : (value >> 31) != 0;
      std::string function = by_ordinal ? "ord" + std::to_string(value & 0xFFFF)
                                        : image.string_at_rva(static_cast<uint32_t>(value & 0x7FFFFFFF) + 2, 256);
      if (function.empty()) function = "?";
      if (!normalised.empty()) normalised.push_back(',');
      normalised += imphash_library(dll) + "." + lowercase(function);
      imports.apis.push_back(function);
      apis.push(std::move(function));
    }
  }
  if (total >= kMaxImports) warnings.push_back("import list truncated at " + std::to_string(kMaxImports) + " functions");
  if (!normalised.empty()) imports.imphash = md5_hex(normalised);
  return imports;
}

Value read_pe_exports(const PeImage& image, std::vector<std::string>& warnings) {
  Value exports = Value::array();
  const PeDataDirectory directory = image.directory(kDirExport);
  if (directory.rva == 0) return exports;
  const ByteSpan table = image.at_rva(directory.rva, 40);
  if (table.size() < 40) {
    warnings.push_back("export directory is not in the file");
    return exports;
  }
  const uint32_t base = *table.le32(16), functions = *table.le32(20), names = *table.le32(24);
  const uint32_t address_table = *table.le32(28), name_table = *table.le32(32), ordinal_table = *table.le32(36);
  const uint32_t count = std::min<uint32_t>(names, kMaxExports);
  for (uint32_t i = 0; i < count; ++i) {
    const ByteSpan name_rva = image.at_rva(name_table + i * 4, 4);
    const ByteSpan ordinal = image.at_rva(ordinal_table + i * 2, 2);
    if (name_rva.size() < 4 || ordinal.size() < 2) {
      warnings.push_back("export name table runs past the file");
      break;
    }
    const uint16_t index = *ordinal.le16(0);
    const ByteSpan address = index < functions ? image.at_rva(address_table + index * 4u, 4) : ByteSpan{};
    Value& entry = exports.push(Value::object());
    entry.set("name", image.string_at_rva(*name_rva.le32(0), 256));
    entry.set("ordinal", static_cast<uint64_t>(base + index));
    if (address.size() == 4) entry.set("address", static_cast<uint64_t>(*address.le32(0)));
  }
  return exports;
}

Value read_pe_codeviews(const PeImage& image) {
  Value codeviews = Value::array();
  const PeDataDirectory directory = image.directory(kDirDebug);
  if (directory.rva == 0) return codeviews;
  for (uint32_t i = 0; i < std::min<uint32_t>(directory.size / 28, 32); ++i) {
    const ByteSpan entry = image.at_rva(directory.rva + i * 28, 28);
    if (entry.size() < 28 || *entry.le32(12) != 2) continue;  // IMAGE_DEBUG_TYPE_CODEVIEW
    const ByteSpan record = image.bytes.sub(*entry.le32(24), *entry.le32(16));
    if (record.starts_with("RSDS") && record.size() > 24) {
      const std::string_view path = record.sub(24).as_chars();
      Value& view = codeviews.push(Value::object());
      view.set("pdb_path", std::string(path.substr(0, path.find('\0'))));
      view.set("guid", guid_text(record.sub(4, 16)));
      view.set("age", static_cast<uint64_t>(*record.le32(20)));
    }
  }
  return codeviews;
}

Value read_pe_tls_callbacks(const PeImage& image) {
  Value callbacks = Value::array();
  const PeDataDirectory directory = image.directory(kDirTls);
  if (directory.rva == 0) return callbacks;
  const uint32_t width = image.pe32_plus ? 8 : 4;
  const ByteSpan tls = image.at_rva(directory.rva, 4 * width);
  if (tls.size() < 4 * width) return callbacks;
  const uint64_t list_va = image.pe32_plus ? *tls.le64(3 * width) : *tls.le32(3 * width);
  if (list_va <= image.image_base) return callbacks;
  const uint64_t list_rva = list_va - image.image_base;
  for (uint32_t i = 0; i < 64 && list_rva + i * width < UINT32_MAX; ++i) {
    const ByteSpan slot = image.at_rva(static_cast<uint32_t>(list_rva + i * width), width);
    if (slot.size() < width) break;
    const uint64_t va = image.pe32_plus ? *slot.le64(0) : *slot.le32(0);
    if (va == 0) break;
    callbacks.push(va);
  }
  return callbacks;
}

Value read_pe_dotnet(const PeImage& image) {
  const PeDataDirectory directory = image.directory(kDirClr);
  if (directory.rva == 0) return {};
  Value dotnet = Value::object();
  const ByteSpan header = image.at_rva(directory.rva, 72);
  if (header.size() < 16) return dotnet.set("valid", false), dotnet;
  dotnet.set("runtime_version", std::to_string(*header.le16(4)) + "." + std::to_string(*header.le16(6)));
  dotnet.set("flags", static_cast<uint64_t>(*header.le32(16)));
  const ByteSpan metadata = image.at_rva(*header.le32(8), *header.le32(12));
  if (!metadata.starts_with("BSJB")) return dotnet.set("valid", false), dotnet;
  const auto version_length = metadata.le32(12);
  if (!version_length || *version_length > 255) return dotnet;
  const std::string_view version = metadata.sub(16, *version_length).as_chars();
  dotnet.set("metadata_version", std::string(version.substr(0, version.find('\0'))));
  // Stream headers follow; the module id (MVID) is the first GUID of the #GUID heap.
  CheckedReader streams(metadata.sub(16 + *version_length));
  streams.skip(2);
  const uint16_t count = streams.le16();
  for (uint16_t i = 0; i < std::min<uint16_t>(count, 16) && streams.ok(); ++i) {
    const uint32_t offset = streams.le32();
    const uint32_t size = streams.le32();
    std::string name;
    while (streams.ok() && name.size() < 32) {
      const uint8_t c = streams.u8();
      if (c == 0) break;
      name.push_back(static_cast<char>(c));
    }
    streams.seek((streams.offset() + 3) & ~static_cast<size_t>(3));
    if (name == "#GUID" && size >= 16) dotnet.set("module_id", guid_text(metadata.sub(offset, 16)));
  }
  return dotnet;
}

Value read_pe_rich_header(const PeImage& image) {
  const ByteSpan stub = image.bytes.prefix(std::min<size_t>(image.pe_offset, 4096));
  const size_t rich = stub.as_chars().find("Rich");
  if (rich == std::string_view::npos || rich < 0x80) return {};
  const auto key = stub.le32(rich + 4);
  if (!key) return {};
  // Walk back over XOR-ed (id, count) pairs to the "DanS" marker.
  size_t start = 0;
  for (size_t at = rich; at >= 0x80 + 4; at -= 4) {
    if ((*stub.le32(at - 4) ^ *key) == 0x536E6144) {  // "DanS"
      start = at - 4;
      break;
    }
  }
  if (start == 0) return {};
  Value rich_header = Value::object();
  Value& entries = rich_header.set("entries", Value::array());
  uint32_t checksum = static_cast<uint32_t>(start);
  for (size_t i = 0; i < start; ++i) {
    if (i >= 0x3C && i < 0x40) continue;  // e_lfanew is not part of the checksum
    const uint32_t byte = *stub.u8(i);
    checksum += (byte << (i & 31)) | (byte >> ((32 - (i & 31)) & 31));
  }
  for (size_t at = start + 16; at + 8 <= rich; at += 8) {
    const uint32_t id = *stub.le32(at) ^ *key;
    const uint32_t count = *stub.le32(at + 4) ^ *key;
    Value& entry = entries.push(Value::object());
    entry.set("product", static_cast<uint64_t>(id >> 16));
    entry.set("build", static_cast<uint64_t>(id & 0xFFFF));
    entry.set("count", static_cast<uint64_t>(count));
    checksum += (id << (count & 31)) | (id >> ((32 - (count & 31)) & 31));
  }
  rich_header.set("checksum", static_cast<uint64_t>(*key));
  rich_header.set("checksum_valid", checksum == *key);
  return rich_header;
}

Value read_pe_version_info(const PeImage& image, const std::vector<PeResource>& resources) {
  Value strings = Value::array();
  const auto version = std::find_if(resources.begin(), resources.end(), [](const PeResource& r) { return r.type == "VERSION"; });
  if (version == resources.end()) return strings;
  const ByteSpan block = image.bytes.sub(version->offset, version->size);
  // String entries are UTF-16 pairs inside StringTable blocks; rather than walk every nested block
  // header, scan for entries: wLength, wValueLength, wType=1, key, padding, value.
  const auto utf16 = [&](size_t offset, size_t max_units, size_t& end) {
    std::string text;
    size_t i = offset;
    for (; i + 1 < block.size() && (i - offset) / 2 < max_units; i += 2) {
      const uint16_t unit = *block.le16(i);
      if (unit == 0) break;
      text.push_back(unit < 0x80 ? static_cast<char>(unit) : '?');
    }
    end = i + 2;
    return text;
  };
  const size_t table = block.as_chars().find(std::string_view("S\0t\0r\0i\0n\0g\0F\0i\0l\0e\0I\0n\0f\0o\0", 28));
  if (table == std::string_view::npos) return strings;
  size_t at = table + 28;
  at = (at + 3) & ~size_t{3};
  // StringTable header (6 bytes) and its 8-hex-digit language key, then String entries.
  at += 6;
  size_t end = 0;
  utf16(at, 16, end);
  at = (end + 3) & ~size_t{3};
  for (int n = 0; n < 64 && at + 6 < block.size(); ++n) {
    const uint16_t length = *block.le16(at);
    const uint16_t value_units = *block.le16(at + 2);
    if (length < 6 || at + length > block.size()) break;
    const std::string key = utf16(at + 6, 64, end);
    const size_t value_at = (end + 3) & ~size_t{3};
    const std::string value = value_units > 0 ? utf16(value_at, value_units, end) : std::string();
    Value& pair = strings.push(Value::object());
    pair.set("name", key);
    pair.set("value", value);
    at = (at + length + 3) & ~size_t{3};
  }
  return strings;
}

}  // namespace assay
