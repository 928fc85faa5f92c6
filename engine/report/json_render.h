// Renders a ReportModel as the tc_report JSON array of spec/tc-report.md, straight into the output
// buffer: the report type and field lists are consulted key by key, so a field that is not wanted is
// never rendered at all (small costs what small outputs, not what large does).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "report/field_selection.h"
#include "report/report_model.h"
#include "report/report_types.h"

namespace assay {

enum class View : uint8_t {
  Nested,    // the entry as the spec shapes it
  Flat,      // one level per entry: keys joined with '_' (spec section 5)
  Extended,  // nested, plus children, depth and the bytes YARA matched (as hex)
};

struct RenderOptions {
  std::string report_type;   // "": `full` decides, else "medium"
  std::optional<bool> full;  // deprecated: true means large, false medium; report_type wins
  View view = View::Nested;
  bool v13 = false;          // enumerations as integers where strings are used now
  bool pretty = false;
  std::optional<PathSet> include_fields;  // when given, exactly these paths (and their ancestors)
  PathSet exclude_fields;                 // removed after inclusion
};

bool parse_view(std::string_view name, View& out);

// The selection `options` asks for, or an error naming the known report types.
Result<const FieldSelection*> resolve_report_type(const ReportTypes& types, const RenderOptions& options);

// Renders the whole report; fails only for an unknown report type.
std::optional<Error> render_tc_report(const ReportModel& model, const ReportTypes& types, const RenderOptions& options,
                                      std::string& out);

// Shorthand for tests and benchmarks: the built-in types only.
void render_tc_report(const ReportModel& model, const RenderOptions& options, std::string& out);

}  // namespace assay
