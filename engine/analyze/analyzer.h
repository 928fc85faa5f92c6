// analyze/: reads an identified object's structure and records what it says about itself.
//
// Takes an object's bytes (borrowed, read only through the checked reader) and its report entry;
// hands on metadata (entry.metadata, e.g. metadata.application.pe), validation results, indicators,
// tags and properties. Analyzers never extract children: formats that have embedded objects (PE
// resources and overlays, Mach-O slices) also register an unpacker in unpack/registry.cpp. One file
// per format, registered in registry.cpp, so adding a format is one file and one line.
#pragma once

#include "identify/file_format.h"
#include "report/report_model.h"
#include "util/checked_reader.h"

namespace assay {

using Analyzer = void (*)(ByteSpan bytes, Entry& entry);

// The analyzer for `format`, or nullptr when there is none.
Analyzer find_analyzer(FileFormat format);

// A validator's verdict, for info.validation.scan_results; problems become warnings.
void add_validation(Entry& entry, std::string_view name, std::string_view type, bool valid,
                    std::vector<std::string> warnings);

// An indicator with one reason of its own category, at the analyzers' usual severity.
void add_indicator(Entry& entry, uint32_t id, uint8_t priority, uint32_t category, std::string description,
                   std::string reason);

}  // namespace assay
