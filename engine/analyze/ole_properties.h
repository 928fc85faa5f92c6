// Document properties of compound files ([MS-OLEPS] property sets): the "\x05SummaryInformation"
// and "\x05DocumentSummaryInformation" streams at the root, read into metadata.document (title,
// subject, author, keywords, last_saved_by, creation_date and modified_date as ISO 8601 UTC, pages,
// application, company...). Every count and string length is capped; a malformed set yields what could
// be read plus problems.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "report/value.h"
#include "unpack/ole2_cfb.h"

namespace assay {

struct OleProperty {
  uint32_t id = 0;
  // Integers, text (already UTF-8) or a FILETIME (100 ns ticks since 1601-01-01 UTC).
  struct FileTime {
    uint64_t ticks = 0;
  };
  std::variant<int64_t, std::string, FileTime> value;
};

// The properties of the first section of a property set stream, if that section's FMTID is
// `fmtid` (16 bytes in their on-disk form). Types other than integers, strings and FILETIME are skipped.
std::vector<OleProperty> read_property_set(ByteSpan stream, ByteSpan fmtid, std::vector<std::string>& problems);

// "2024-01-02T03:04:05Z", or nothing for 0 and for dates outside years 1601..9999.
std::optional<std::string> filetime_to_iso8601(uint64_t ticks);

// Fills `document` (an object) from the two summary streams of `cfb`, when present. An installer
// (.msi) gives ids 14 and 15 their Windows Installer meanings (installer_version, source_flags).
void read_document_properties(const CfbFile& cfb, bool installer, Value& document, std::vector<std::string>& problems);

}  // namespace assay
