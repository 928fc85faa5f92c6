// libFuzzer target over the PE analyzer and the PE member unpacker (resources, overlay, Authenticode
// included). Oracles: no crash or leak; the entry renders; every child lies inside the input.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "analyze/analyzer.h"
#include "report/json_render.h"
#include "unpack/unpacker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  assay::ReportModel model;
  assay::Entry& entry = model.add_entry();
  if (const assay::Analyzer analyze = assay::find_analyzer(assay::FileFormat::PeExe)) analyze(bytes, entry);
  assay::Limits limits;
  assay::Budget budget(limits, size);
  const std::vector<std::string> passwords;
  assay::UnpackContext ctx(budget, passwords, entry);
  if (auto unpacker = assay::find_unpacker(assay::FileFormat::PeExe)(bytes, ctx)) {
    assay::Child child;
    for (int i = 0; i < 10000 && unpacker->next(ctx, child); ++i) {
      if (!child.owned.empty()) abort();  // PE members always borrow
      if (child.bytes.size() != 0 && (child.bytes.data() < data || child.bytes.data() + child.bytes.size() > data + size)) abort();
    }
  }
  model.finish();
  std::string json;
  assay::RenderOptions options;
  options.report_type = "large";
  assay::render_tc_report(model, options, json);
  if (json.empty() || json.front() != '[') abort();
  return 0;
}
