// Renders a ReportModel as the tc_report JSON array of spec/tc-report.md, straight into the output
// buffer (no intermediate DOM), so cost follows output size.
#pragma once

#include <string>
#include <string_view>

#include "report/report_model.h"

namespace assay {

enum class ReportType : uint8_t {
  Large,  // "full": every field the model holds
};

struct RenderOptions {
  ReportType report_type = ReportType::Large;
  bool pretty = false;
};

// Known report type names, for error messages.
std::string_view known_report_types();
// Parses a report type name ("large", "full"); false when unknown.
bool parse_report_type(std::string_view name, ReportType& out);

void render_tc_report(const ReportModel& model, const RenderOptions& options, std::string& out);

}  // namespace assay
