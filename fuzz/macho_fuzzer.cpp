// libFuzzer target over the Mach-O analyzers and the fat unpacker (through the C++ core): any bytes
// are analyzed as a thin Mach-O and as a fat file, each into a fresh entry rendered as a one-entry
// "large" report; then the fat unpacker runs over them and every slice it yields is analyzed too.
// Oracles beyond "no crash, leak or hang": each analysis records exactly one validation result and
// renders as a JSON array, the same bytes render the same report twice, every slice lies inside the
// input and borrows it (nothing owned), and there are never more slices than the unpacker's cap.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "analyze/formats.h"
#include "analyze/macho_internal.h"
#include "report/json_render.h"
#include "unpack/unpacker.h"

namespace {

std::string analyze_and_render(assay::Analyzer analyzer, assay::ByteSpan bytes) {
  assay::ReportModel model;
  assay::Entry& entry = model.add_entry();
  entry.format = assay::FileFormat::MachOExecutable;
  entry.size = bytes.size();
  analyzer(bytes, entry);
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

void check(assay::Analyzer analyzer, assay::ByteSpan bytes) {
  if (analyze_and_render(analyzer, bytes) != analyze_and_render(analyzer, bytes)) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  check(assay::analyze_macho, bytes);
  check(assay::analyze_macho_fat, bytes);

  assay::Limits limits;
  assay::Budget budget(limits, size);
  const std::vector<std::string> passwords;
  assay::Entry container;
  assay::UnpackContext ctx(budget, passwords, container);
  auto unpacker = assay::find_unpacker(assay::FileFormat::MachOFat)(bytes, ctx);
  size_t slices = 0;
  assay::Child child;
  while (unpacker && unpacker->next(ctx, child)) {
    const bool inside = child.bytes.data() >= data && child.bytes.size() <= size &&
                        static_cast<size_t>(child.bytes.data() - data) <= size - child.bytes.size();
    if (!inside || !child.owned.empty() || ++slices > assay::kMaxFatSlices) abort();
    analyze_and_render(assay::analyze_macho, child.bytes);
  }
  return 0;
}
