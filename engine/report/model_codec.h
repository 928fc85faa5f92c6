// A compact, versioned byte encoding of a ReportModel, so a task store can keep reports and render
// them later with any report type or view (spec: "stored compact, render-ready").
//
// Decoding treats its input as hostile: every length is checked against what remains, every enum
// against its range, every parent link must point backwards, and nothing is allocated beyond what the
// input could describe. Derived facts (children lists, statistics) are not stored but rebuilt.
#pragma once

#include <optional>
#include <string>

#include "report/report_model.h"
#include "util/checked_reader.h"

namespace assay {

// Appends the encoding of `model` to `out`.
void encode_report(const ReportModel& model, std::string& out);

// The model `bytes` encode, or nullopt (with a reason in `error`) when they are not a valid encoding.
std::optional<ReportModel> decode_report(ByteSpan bytes, std::string& error);

}  // namespace assay
