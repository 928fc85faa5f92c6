// Turning scan results into verdicts, once per scan after the work stack drains.
#pragma once

#include <string_view>

#include "classify/yara_matcher.h"
#include "report/report_model.h"

namespace assay {

inline constexpr std::string_view kYaraScanner = "Assay YARA";

// Records YARA's findings on an object: its matches, a yara-match tag, one "Assay YARA" scan result
// (the most severe matching rule decides it) and an indicator for matches with no verdict meta.
void record_yara_outcome(Entry& entry, YaraOutcome& outcome, std::string_view ruleset_id);

// For every entry: the verdict from its own scan results (deciding result first); then propagation
// child -> parent (only suspicious and malicious travel up; goodware never lowers a parent), then a
// short story. Entries must be in extraction order (parents before children).
void decide_verdicts(ReportModel& model);

}  // namespace assay
