// Shared by the analyzer fuzz targets: analyze bytes as `format` into a fresh one-entry report and
// render it in full, so every metadata field the analyzer wrote goes through the renderer.
// Oracles: exactly one validation result, the report renders as a JSON array, and the same bytes
// render the same report twice.
#pragma once

#include <cstdlib>
#include <string>
#include <variant>

#include "analyze/analyzer.h"
#include "report/json_render.h"

namespace assay_fuzz {

// Finishes `model` and renders it in full (large report); the output must be a JSON array.
inline std::string render_large(assay::ReportModel& model) {
  model.finish();
  std::string json;
  assay::RenderOptions options;
  options.report_type = "large";
  assay::render_tc_report(model, options, json);
  if (json.size() < 2 || json.front() != '[') abort();
  return json;
}

inline std::string analyze_and_render(assay::Analyzer analyzer, assay::FileFormat format, assay::ByteSpan bytes) {
  assay::ReportModel model;
  assay::Entry& entry = model.add_entry();
  entry.format = format;
  entry.size = bytes.size();
  analyzer(bytes, entry);
  const assay::Value* results = entry.info_extra.at("validation").find("scan_results");
  if (results == nullptr || std::get<assay::Value::Array>(results->data()).size() != 1) abort();
  return render_large(model);
}

inline void check_analyzer(assay::Analyzer analyzer, assay::FileFormat format, assay::ByteSpan bytes) {
  if (analyze_and_render(analyzer, format, bytes) != analyze_and_render(analyzer, format, bytes)) abort();
}

}  // namespace assay_fuzz
