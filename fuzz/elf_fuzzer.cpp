// libFuzzer target over the ELF analyzer alone (through the C++ core): any bytes, analyzed as an ELF
// object into a fresh entry and rendered as a one-entry "large" report, so every metadata field the
// analyzer wrote goes through the renderer. Oracles beyond "no crash, leak or hang": the analyzer
// records exactly one validation result, the report renders as a JSON array, and analyzing the same
// bytes twice renders the same report.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>

#include "analyze/formats.h"
#include "report/json_render.h"

namespace {

std::string analyze_and_render(assay::ByteSpan bytes) {
  assay::ReportModel model;
  assay::Entry& entry = model.add_entry();
  entry.format = assay::FileFormat::ElfExecutable;
  entry.size = bytes.size();
  assay::analyze_elf(bytes, entry);
  const assay::Value* results = entry.info_extra.at("validation").find("scan_results");
  if (results == nullptr || std::get<assay::Value::Array>(results->data()).size() != 1) abort();
  model.finish();
  std::string json;
  assay::RenderOptions options;
  options.report_type = "large";
  assay::render_tc_report(model, options, json);
  if (json.size() < 2 || json.front() != '[') abort();
  return json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  if (analyze_and_render(bytes) != analyze_and_render(bytes)) abort();
  return 0;
}
