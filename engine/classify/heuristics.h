// Built-in heuristics (scan result type "internal", scanner "Assay Heuristics"): facts about an object
// that need no rules. Each one that fires adds an indicator and, where it implies a verdict, a result.
#pragma once

#include <optional>

#include "limits/limits.h"
#include "report/indicator_ids.h"
#include "report/report_model.h"
#include "util/checked_reader.h"

namespace assay {

inline constexpr std::string_view kHeuristicsScanner = "Assay Heuristics";

// What an object's own bytes and name say: EICAR, an executable behind a document or image
// extension, a double extension.
void apply_object_heuristics(ByteSpan bytes, Entry& entry);

// What unpacking a container said: a bomb limit hit, encrypted members.
void apply_container_heuristics(Entry& entry, std::optional<LimitKind> limit_hit, bool encrypted);

// What the tree says once it is complete: containers that hold executables get "contains-pe",
// "contains-elf" or "contains-macho" (any depth below them).
void apply_tree_heuristics(ReportModel& model);

// True when `bytes` are the EICAR anti-malware test file (the 68-byte string, optionally followed by
// whitespace, at most 128 bytes in all).
bool is_eicar(ByteSpan bytes);

}  // namespace assay
