// VBA projects inside compound files ([MS-OVBA]): the decompression algorithm, the `dir` stream's
// module table, and each module's source. Shared by the OLE2 unpacker (module sources become
// children under the "vba" layer) and the OLE2 analyzer (macro indicators).
//
// Everything is bounded: decompression writes at most the caller's cap and reports each decoded
// chunk (at most 4096 bytes) to a charge callback before keeping it, so a caller with a Budget
// charges inside the loop; the dir parser reads at most kMaxModules modules.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "unpack/ole2_cfb.h"
#include "util/checked_reader.h"

namespace assay {

// Called with the size of each piece before it is kept; false refuses it and ends the work.
using VbaCharge = std::function<bool(size_t)>;

// [MS-OVBA] 2.4.1.3.1: decompresses a CompressedContainer (signature byte 0x01, then chunks),
// appending at most `max_out` bytes to `out`. Returns true when the container decoded whole and
// cleanly; otherwise `problem` says why (what was decoded before that stays in `out`).
bool ovba_decompress(ByteSpan container, std::vector<uint8_t>& out, size_t max_out, const VbaCharge& charge,
                     std::string& problem);

struct VbaModule {
  std::string name;         // MODULENAME (or MODULENAMEUNICODE), UTF-8
  std::string stream_name;  // MODULESTREAMNAME, UTF-8
  uint32_t text_offset = 0;  // where the compressed source starts in the module stream
  bool procedural = true;    // MODULETYPE 0x0021 (.bas); false for document and class modules (.cls)
  std::optional<uint32_t> stream;  // the module stream's entry in the compound file, when found

  // "<name>.bas" or "<name>.cls", made safe for a report path.
  std::string file_name() const;
};

struct VbaProject {
  uint32_t vba_storage = 0;  // the storage named VBA that holds `dir`
  std::string path;          // that storage's path, e.g. "Macros/VBA"
  int codepage = 1252;       // PROJECTCODEPAGE: the encoding of names and sources
  std::string name;          // PROJECTNAME
  std::vector<VbaModule> modules;
};

// Parses a decompressed `dir` stream (2.3.4.2). Problems (truncation, odd records) are appended.
VbaProject parse_vba_dir(ByteSpan dir, std::vector<std::string>& problems);

// Every VBA project in the file (a storage called VBA with a `dir` stream), at most kMaxProjects, with
// module streams resolved. Decompressing each dir stream is charged through `charge`.
inline constexpr size_t kMaxVbaProjects = 16;
inline constexpr size_t kMaxVbaModules = 1024;
std::vector<VbaProject> find_vba_projects(const CfbFile& cfb, const VbaCharge& charge,
                                          std::vector<std::string>& problems);

// A module's source: its stream's bytes from text_offset on, decompressed (at most `max_out` bytes)
// into `out`. Copying a non-contiguous stream and the decompressed chunks are both charged.
bool vba_module_source(const CfbFile& cfb, const VbaModule& module, std::vector<uint8_t>& out, size_t max_out,
                       const VbaCharge& charge, std::string& problem);

}  // namespace assay
