// The PE analyzer: metadata.application.pe, overlays, imphash, validation, capabilities,
// indicators and tags for PE and PE+ images.
#include <openssl/evp.h>

#include <algorithm>
#include <ctime>

#include "analyze/bytes_util.h"
#include "analyze/formats.h"
#include "analyze/pe_authenticode.h"
#include "analyze/pe_capabilities.h"
#include "analyze/pe_directories.h"
#include "analyze/pe_image.h"
#include "hash/hasher.h"
#include "report/indicator_ids.h"

namespace assay {
namespace {

Value hashes_of(ByteSpan bytes) {
  Value list = Value::array();
  for (const auto& [name, md] : {std::pair{"md5", EVP_md5()}, std::pair{"sha1", EVP_sha1()}, std::pair{"sha256", EVP_sha256()}}) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &length, md, nullptr);
    Value& hash = list.push(Value::object());
    hash.set("name", name);
    hash.set("value", HexBytes{std::vector<uint8_t>(digest, digest + length)});
  }
  return list;
}

std::string utc_time(uint32_t seconds) {
  const std::time_t t = seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string machine_name(uint16_t machine) {
  switch (machine) {
    case 0x14c: return "I386";
    case 0x8664: return "AMD64";
    case 0x1c0: return "ARM";
    case 0x1c4: return "ARMNT";
    case 0xaa64: return "ARM64";
    case 0x200: return "IA64";
    case 0xebc: return "EBC";
    default: return std::to_string(machine);
  }
}

Value flag_names(uint32_t value, std::initializer_list<std::pair<uint32_t, const char*>> names) {
  Value list = Value::array();
  for (const auto& [bit, name] : names) {
    if (value & bit) list.push(name);
  }
  return list;
}

constexpr uint32_t kSectionExecute = 0x20000000, kSectionRead = 0x40000000, kSectionWrite = 0x80000000;

Value section_flags(uint32_t c) {
  return flag_names(c, {{0x20, "CNT_CODE"}, {0x40, "CNT_INITIALIZED_DATA"}, {0x80, "CNT_UNINITIALIZED_DATA"},
                        {0x02000000, "MEM_DISCARDABLE"}, {0x10000000, "MEM_SHARED"}, {kSectionExecute, "MEM_EXECUTE"},
                        {kSectionRead, "MEM_READ"}, {kSectionWrite, "MEM_WRITE"}});
}

const char* kDirectoryNames[16] = {"EXPORT", "IMPORT", "RESOURCE", "EXCEPTION", "SECURITY", "BASERELOC",
                                   "DEBUG", "ARCHITECTURE", "GLOBALPTR", "TLS", "LOAD_CONFIG", "BOUND_IMPORT",
                                   "IAT", "DELAY_IMPORT", "COM_DESCRIPTOR", "RESERVED"};

// Known packers by their section names (the markers their stubs write).
std::string packer_of(const PeImage& image) {
  for (const PeSection& s : image.sections) {
    if (s.name == "UPX0" || s.name == "UPX1") return "UPX";
    if (s.name == ".aspack" || s.name == ".adata") return "ASPack";
    if (s.name == ".MPRESS1" || s.name == ".MPRESS2") return "MPRESS";
    if (s.name == ".themida" || s.name == ".winlice") return "Themida";
    if (s.name == "PEC2" || s.name == "pec1") return "PECompact";
    if (s.name == ".petite") return "Petite";
    if (s.name == ".nsp0" || s.name == ".nsp1") return "NsPack";
    if (s.name == ".vmp0" || s.name == ".vmp1") return "VMProtect";
  }
  return {};
}

}  // namespace

void analyze_pe(ByteSpan bytes, Entry& entry) {
  const std::optional<PeImage> parsed = parse_pe(bytes);
  if (!parsed) {
    add_validation(entry, "PE", "format", false, {"not a PE image: no PE header at e_lfanew"});
    return;
  }
  const PeImage& image = *parsed;
  std::vector<std::string> warnings = image.warnings;
  Value& pe = entry.metadata.at("application").at("pe");

  Value& dos = pe.set("dos_header", Value::object());
  dos.set("e_magic", "MZ");
  dos.set("e_lfanew", static_cast<uint64_t>(image.pe_offset));

  Value& file = pe.set("file_header", Value::object());
  file.set("machine", machine_name(image.machine));
  file.set("number_of_sections", static_cast<uint64_t>(image.number_of_sections));
  file.set("time_date_stamp", static_cast<uint64_t>(image.time_date_stamp));
  file.set("time_date_stamp_decoded", utc_time(image.time_date_stamp));
  file.set("pointer_to_symbol_table", static_cast<uint64_t>(image.pointer_to_symbol_table));
  file.set("number_of_symbols", static_cast<uint64_t>(image.number_of_symbols));
  file.set("size_of_optional_header", static_cast<uint64_t>(image.size_of_optional_header));
  file.set("characteristics", flag_names(image.characteristics, {{0x1, "RELOCS_STRIPPED"}, {0x2, "EXECUTABLE_IMAGE"},
                                                                  {0x20, "LARGE_ADDRESS_AWARE"}, {0x100, "32BIT_MACHINE"},
                                                                  {0x200, "DEBUG_STRIPPED"}, {0x1000, "SYSTEM"},
                                                                  {0x2000, "DLL"}}));

  const uint32_t computed_checksum = pe_checksum(image);
  Value& optional = pe.set("optional_header", Value::object());
  optional.set("magic", image.pe32_plus ? "PE32+" : "PE32");
  optional.set("linker_version", std::to_string(image.linker_major) + "." + std::to_string(image.linker_minor));
  optional.set("size_of_code", static_cast<uint64_t>(image.size_of_code));
  optional.set("address_of_entry_point", static_cast<uint64_t>(image.address_of_entry_point));
  optional.set("image_base", image.image_base);
  optional.set("section_alignment", static_cast<uint64_t>(image.section_alignment));
  optional.set("file_alignment", static_cast<uint64_t>(image.file_alignment));
  optional.set("operating_system_version", std::to_string(image.os_major) + "." + std::to_string(image.os_minor));
  optional.set("subsystem_version", std::to_string(image.subsystem_major) + "." + std::to_string(image.subsystem_minor));
  optional.set("size_of_image", static_cast<uint64_t>(image.size_of_image));
  optional.set("size_of_headers", static_cast<uint64_t>(image.size_of_headers));
  optional.set("checksum", static_cast<uint64_t>(image.checksum));
  optional.set("checksum_computed", static_cast<uint64_t>(computed_checksum));
  optional.set("subsystem", static_cast<uint64_t>(image.subsystem));
  optional.set("dll_characteristics", flag_names(image.dll_characteristics, {{0x20, "HIGH_ENTROPY_VA"}, {0x40, "DYNAMIC_BASE"},
                                                                             {0x80, "FORCE_INTEGRITY"}, {0x100, "NX_COMPAT"},
                                                                             {0x200, "NO_ISOLATION"}, {0x400, "NO_SEH"},
                                                                             {0x1000, "APPCONTAINER"}, {0x4000, "GUARD_CF"}}));
  Value& directories = optional.set("data_directories", Value::array());
  for (size_t i = 0; i < image.directories.size(); ++i) {
    Value& directory = directories.push(Value::object());
    directory.set("name", kDirectoryNames[i]);
    directory.set("address", static_cast<uint64_t>(image.directories[i].rva));
    directory.set("size", static_cast<uint64_t>(image.directories[i].size));
  }

  Value& sections = pe.set("sections", Value::array());
  bool writable_executable = false;
  for (const PeSection& s : image.sections) {
    const ByteSpan data = bytes.sub(s.raw_offset, s.raw_size);
    Value& section = sections.push(Value::object());
    section.set("name", s.name);
    section.set("flags", section_flags(s.characteristics));
    section.set("relative_base", static_cast<uint64_t>(s.virtual_address));
    section.set("relative_size", static_cast<uint64_t>(s.virtual_size));
    section.set("physical_base", static_cast<uint64_t>(s.raw_offset));
    section.set("physical_size", static_cast<uint64_t>(s.raw_size));
    section.set("entropy", entropy_of(data));
    section.set("hashes", hashes_of(data));
    if ((s.characteristics & kSectionExecute) && (s.characteristics & kSectionWrite)) writable_executable = true;
  }

  PeImports imports = read_pe_imports(image, warnings);
  pe.set("imports", std::move(imports.list));
  if (!imports.imphash.empty()) entry.extra_hashes.emplace_back("imphash", imports.imphash);
  std::sort(entry.extra_hashes.begin(), entry.extra_hashes.end());
  pe.set("exports", read_pe_exports(image, warnings));

  const std::vector<PeResource> resources = pe_resources(image, warnings);
  Value& resource_list = pe.set("resources", Value::array());
  for (const PeResource& r : resources) {
    const ByteSpan data = bytes.sub(r.offset, r.size);
    Value& resource = resource_list.push(Value::object());
    resource.set("type", r.type);
    resource.set("name", r.name);
    resource.set("language_id", static_cast<uint64_t>(r.language));
    resource.set("offset", static_cast<uint64_t>(r.offset));
    resource.set("size", static_cast<uint64_t>(r.size));
    resource.set("entropy", entropy_of(data));
    resource.set("hashes", hashes_of(data));
  }
  pe.set("version_info", read_pe_version_info(image, resources));
  Value rich = read_pe_rich_header(image);
  if (!rich.is_null()) {
    entry.add_tag("rich-header");
    pe.set("rich_header", std::move(rich));
  }
  pe.set("codeviews", read_pe_codeviews(image));
  pe.set("tls_callbacks", read_pe_tls_callbacks(image));
  Value dotnet = read_pe_dotnet(image);
  if (!dotnet.is_null()) {
    entry.add_tag("dotnet");
    entry.metadata.at("application").set("dotnet", std::move(dotnet));
  }

  // The overlay: bytes past the last section's data, not counting a certificate table that sits there.
  const PeDataDirectory security = image.directory(kDirSecurity);
  uint64_t overlay_start = image.end_of_image_data();
  if (security.rva != 0 && security.rva == overlay_start) overlay_start += security.size;
  if (security.rva != 0) entry.add_tag("signed");
  analyze_pe_authenticode(image, entry);
  if (overlay_start < bytes.size()) {
    const ByteSpan overlay = bytes.sub(static_cast<size_t>(overlay_start));
    if (entry.info_extra.find("overlays") == nullptr) entry.info_extra.set("overlays", Value::array());
    Value& record = entry.info_extra.at("overlays").push(Value::object());
    record.set("from", "pe");
    record.set("offset", overlay_start);
    record.set("size", static_cast<uint64_t>(overlay.size()));
    record.set("entropy", entropy_of(overlay));
    record.set("hashes", hashes_of(overlay));
    entry.add_tag("overlay");
  }

  const std::string packer = packer_of(image);
  if (!packer.empty()) {
    entry.add_tag("packed");
    entry.identification_name = packer;
  }

  // Indicators from headers and sections.
  const PeSection* entry_section = image.section_of(image.address_of_entry_point);
  if (image.address_of_entry_point != 0 && (entry_section == nullptr || !(entry_section->characteristics & kSectionExecute))) {
    add_indicator(entry, kIndicatorPeEntryOutsideCode, 5, kCategoryEvasion, "Entry point outside executable code", "entry point is not in an executable section");
  }
  if (writable_executable) {
    add_indicator(entry, kIndicatorPeWritableExecutable, 5, kCategoryEvasion, "A section is both writable and executable", "a section has MEM_WRITE and MEM_EXECUTE");
  }
  if (image.checksum != 0 && image.checksum != computed_checksum) {
    warnings.push_back("header checksum does not match the file");
    add_indicator(entry, kIndicatorPeBadChecksum, 3, kCategoryEvasion, "PE checksum is wrong", "the header checksum does not match the file");
  }
  if (image.time_date_stamp > static_cast<uint32_t>(std::time(nullptr)) + 86400 && image.time_date_stamp < 0xFFFF0000u) {
    add_indicator(entry, kIndicatorPeFutureTimestamp, 3, kCategoryEvasion, "Compile time lies in the future", "timestamp " + utc_time(image.time_date_stamp));
  }
  const uint64_t capabilities = apply_pe_capabilities(imports.apis, entry);
  entry.metadata.at("application").set("capabilities", capabilities);

  // Decided before the call: a by-value parameter may be moved into before the other arguments are read.
  const bool valid = warnings.empty();
  add_validation(entry, "PE", "format", valid, std::move(warnings));
}

}  // namespace assay
