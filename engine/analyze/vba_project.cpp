// [MS-OVBA] decompression, the dir stream and module sources (see vba_project.h). Section numbers
// refer to [MS-OVBA] v20210817.
#include "analyze/vba_project.h"

#include <algorithm>
#include <array>

#include "unpack/ole2_text.h"

namespace assay {
namespace {

constexpr size_t kChunkSize = 4096;       // a decompressed chunk holds at most this many bytes
constexpr size_t kMaxDirBytes = 1 << 20;  // a real dir stream is a few KiB decompressed
constexpr size_t kMaxDirStreamBytes = 1 << 20;

// 2.4.1.3.19.1: the split of a CopyToken between offset and length depends on how far into the
// decompressed chunk the token stands.
unsigned copy_token_bit_count(size_t difference) {
  unsigned bits = 0;
  while ((size_t{1} << bits) < difference) ++bits;
  return std::max(bits, 4u);
}

// One compressed chunk (2.4.1.3.2); `chunk` is its data after the header. Returns false on a
// malformed token (what was decoded before it is kept in `out`).
bool decompress_chunk(ByteSpan chunk, std::array<uint8_t, kChunkSize>& out, size_t& produced) {
  size_t at = 0;
  produced = 0;
  while (at < chunk.size()) {
    const uint8_t flags = *chunk.u8(at++);
    for (unsigned bit = 0; bit < 8 && at < chunk.size(); ++bit) {
      if ((flags & (1u << bit)) == 0) {
        if (produced >= kChunkSize) return false;
        out[produced++] = *chunk.u8(at++);
        continue;
      }
      const auto token = chunk.le16(at);
      if (!token) return false;
      at += 2;
      const unsigned bits = copy_token_bit_count(produced);
      const size_t length = (*token & (0xffffu >> bits)) + 3u;
      const size_t offset = (static_cast<size_t>(*token) >> (16 - bits)) + 1u;
      if (offset > produced || length > kChunkSize - produced) return false;
      // Byte by byte on purpose: a copy may overlap the bytes it produces (runs of one pattern).
      for (size_t i = 0; i < length; ++i, ++produced) out[produced] = out[produced - offset];
    }
  }
  return true;
}

std::string hex4(uint16_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x0000";
  for (int i = 0; i < 4; ++i) text[5 - i] = kDigits[(value >> (4 * i)) & 0xf];
  return text;
}

// MBCS names in the project's code page, or the Unicode variant when the record gave one.
std::string record_text(ByteSpan data, int codepage) { return codepage_to_utf8(data, codepage); }

}  // namespace

bool ovba_decompress(ByteSpan container, std::vector<uint8_t>& out, size_t max_out, const VbaCharge& charge,
                     std::string& problem) {
  if (container.empty() || *container.u8(0) != 0x01) {
    problem = "compressed container does not start with signature byte 0x01";
    return false;
  }
  std::array<uint8_t, kChunkSize> chunk{};
  size_t at = 1;
  size_t kept = 0;
  while (at < container.size()) {
    const auto header = container.le16(at);
    if (!header) {
      problem = "compressed chunk header cut off at offset " + std::to_string(at);
      return false;
    }
    if (((*header >> 12) & 0x7) != 0x3) {
      problem = "compressed chunk at offset " + std::to_string(at) + " has a bad signature";
      return false;
    }
    const size_t stated_end = at + (*header & 0x0fffu) + 3u;
    const size_t chunk_end = std::min(container.size(), stated_end);
    const bool compressed = (*header & 0x8000) != 0;
    size_t produced = 0;
    bool chunk_ok = true;
    if (compressed) {
      chunk_ok = decompress_chunk(container.sub(at + 2, chunk_end - (at + 2)), chunk, produced) &&
                 chunk_end == stated_end;
      at = chunk_end;
    } else {
      // 2.4.1.3.3: a raw chunk always holds 4096 bytes, whatever its size field says.
      const ByteSpan raw = container.sub(at + 2, kChunkSize);
      std::copy(raw.data(), raw.data() + raw.size(), chunk.begin());
      produced = raw.size();
      chunk_ok = raw.size() == kChunkSize;
      at += 2 + kChunkSize;
    }
    const size_t keep = std::min(produced, max_out - kept);
    if (keep > 0) {
      if (!charge(keep)) {
        problem = "decompression stopped by a limit after " + std::to_string(kept) + " bytes";
        return false;
      }
      out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(keep));
      kept += keep;
    }
    if (!chunk_ok) {
      problem = compressed ? "compressed chunk malformed or cut off" : "uncompressed chunk cut off";
      return false;
    }
    if (keep < produced) {
      problem = "decompressed data larger than " + std::to_string(max_out) + " bytes";
      return false;
    }
  }
  return true;
}

std::string VbaModule::file_name() const {
  const std::string base = name.empty() ? (stream_name.empty() ? "module" : stream_name) : name;
  return CfbFile::display_name(base) + (procedural ? ".bas" : ".cls");
}

// 2.3.4.2: a sequence of records (Id u16, Size u32, Size bytes). PROJECTVERSION is the one record
// whose "size" field is a constant 4 followed by 6 bytes of data.
VbaProject parse_vba_dir(ByteSpan dir, std::vector<std::string>& problems) {
  constexpr uint16_t kCodePage = 0x0003, kProjectName = 0x0004, kVersion = 0x0009, kDirEnd = 0x0010;
  constexpr uint16_t kModuleName = 0x0019, kStreamName = 0x001a, kProcedural = 0x0021, kDocument = 0x0022;
  constexpr uint16_t kModuleEnd = 0x002b, kTextOffset = 0x0031, kStreamNameUnicode = 0x0032;
  constexpr uint16_t kModuleNameUnicode = 0x0047;
  VbaProject project;
  std::optional<VbaModule> module;
  bool unicode_stream = false;
  const auto finish_module = [&] {
    if (!module) return;
    if (project.modules.size() < kMaxVbaModules) {
      project.modules.push_back(std::move(*module));
    } else if (project.modules.size() == kMaxVbaModules) {
      problems.push_back("dir: more than " + std::to_string(kMaxVbaModules) + " modules; the rest are not read");
    }
    module.reset();
  };
  size_t at = 0;
  while (at < dir.size()) {
    const auto id = dir.le16(at);
    const auto size = dir.le32(at + 2);
    if (!id || !size) {
      problems.push_back("dir: record header cut off at offset " + std::to_string(at));
      break;
    }
    const size_t length = *id == kVersion ? 6 : *size;
    const auto data = dir.exact(at + 6, length);
    if (!data) {
      problems.push_back("dir: record " + hex4(*id) + " at offset " + std::to_string(at) + " runs past the end");
      break;
    }
    at += 6 + length;
    switch (*id) {
      case kCodePage:
        if (const auto page = data->le16(0)) project.codepage = *page;
        break;
      case kProjectName: project.name = record_text(*data, project.codepage); break;
      case kModuleName:
        finish_module();
        module.emplace();
        unicode_stream = false;
        module->name = record_text(*data, project.codepage);
        break;
      case kModuleNameUnicode:
        if (module) module->name = utf16le_to_utf8(*data);
        break;
      case kStreamName:
        if (module && !unicode_stream) module->stream_name = record_text(*data, project.codepage);
        break;
      case kStreamNameUnicode:
        if (module) {
          module->stream_name = utf16le_to_utf8(*data);
          unicode_stream = true;
        }
        break;
      case kTextOffset:
        if (module) module->text_offset = data->le32(0).value_or(0);
        break;
      case kProcedural:
        if (module) module->procedural = true;
        break;
      case kDocument:
        if (module) module->procedural = false;
        break;
      case kModuleEnd: finish_module(); break;
      case kDirEnd:
        finish_module();
        return project;
      default: break;
    }
  }
  if (module) problems.push_back("dir: the last module record is not terminated");
  finish_module();
  return project;
}

std::vector<VbaProject> find_vba_projects(const CfbFile& cfb, const VbaCharge& charge,
                                          std::vector<std::string>& problems) {
  std::vector<VbaProject> projects;
  // A module stream is handed out once: a crafted dir naming one stream for a thousand modules would
  // otherwise have it decompressed a thousand times.
  std::vector<uint8_t> stream_taken(cfb.entries().size(), 0);
  const auto& entries = cfb.entries();
  for (uint32_t id = 0; id < entries.size(); ++id) {
    const CfbEntry& storage = entries[id];
    if (!storage.reachable || storage.type != CfbType::Storage) continue;
    const std::string_view name = storage.name;
    if (name.size() != 3 || (name[0] | 0x20) != 'v' || (name[1] | 0x20) != 'b' || (name[2] | 0x20) != 'a') continue;
    const auto dir_id = cfb.find_child(id, "dir");
    if (!dir_id || cfb.entry(*dir_id).type != CfbType::Stream) continue;
    if (projects.size() == kMaxVbaProjects) {
      problems.push_back("more than " + std::to_string(kMaxVbaProjects) + " VBA projects; the rest are not read");
      break;
    }
    const std::string path = cfb.path_of(id);
    std::vector<uint8_t> scratch, dir;
    const ByteSpan compressed = cfb.read(*dir_id, scratch, kMaxDirStreamBytes);
    std::string problem;
    if (!ovba_decompress(compressed, dir, kMaxDirBytes, charge, problem)) {
      problems.push_back(path + "/dir: " + problem);
    }
    VbaProject project = parse_vba_dir(ByteSpan(dir.data(), dir.size()), problems);
    project.vba_storage = id;
    project.path = path;
    for (VbaModule& module : project.modules) {
      module.stream = cfb.find_child(id, module.stream_name);
      if (!module.stream || cfb.entry(*module.stream).type != CfbType::Stream) {
        module.stream.reset();
        problems.push_back(path + ": module '" + module.name + "' names stream '" + module.stream_name +
                           "', which is not there");
      } else if (stream_taken[*module.stream]) {
        module.stream.reset();
        problems.push_back(path + ": module '" + module.name + "' names stream '" + module.stream_name +
                           "', which another module already has");
      } else {
        stream_taken[*module.stream] = 1;
      }
    }
    projects.push_back(std::move(project));
  }
  return projects;
}

bool vba_module_source(const CfbFile& cfb, const VbaModule& module, std::vector<uint8_t>& out, size_t max_out,
                       const VbaCharge& charge, std::string& problem) {
  if (!module.stream) {
    problem = "module stream missing";
    return false;
  }
  const CfbEntry& entry = cfb.entry(*module.stream);
  if (module.text_offset >= entry.readable) {
    problem = "source offset " + std::to_string(module.text_offset) + " lies past the module stream's " +
              std::to_string(entry.readable) + " bytes";
    return false;
  }
  ByteSpan stream;
  std::vector<uint8_t> copied;
  if (const auto whole = cfb.contiguous(*module.stream)) {
    stream = *whole;
  } else {
    // A module stream is the compressed source behind a p-code cache; neither is large in practice,
    // and the copy is charged like any decoded bytes.
    cfb.copy(*module.stream, copied, static_cast<size_t>(entry.readable), charge);
    stream = ByteSpan(copied.data(), copied.size());
  }
  return ovba_decompress(stream.sub(module.text_offset), out, max_out, charge, problem);
}

}  // namespace assay
