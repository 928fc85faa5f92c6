// libFuzzer target over the RTF and HTML unpackers (through the C++ core): any bytes as an RTF
// (\objdata decoding, OLE1 headers, OLE Packages, the control-word scan for indicators) and as an
// HTML page (script elements, data: URIs, the obfuscation checks).
// Oracles beyond "no crash, leak or hang": a child either borrows bytes inside the input or owns at
// most max_object_bytes plus one decoding chunk, and indicators are bounded in number.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "unpack/unpacker.h"

namespace {

void unpack_all(assay::FileFormat format, const uint8_t* data, size_t size) {
  assay::ReportModel model;
  assay::Entry& entry = model.add_entry();
  entry.format = format;
  assay::Limits limits;
  limits.max_object_bytes = 1 << 20;
  assay::Budget budget(limits, size);
  const std::vector<std::string> passwords;
  assay::UnpackContext ctx(budget, passwords, entry);
  auto unpacker = assay::find_unpacker(format)(assay::ByteSpan(data, size), ctx);
  if (!unpacker) return;
  assay::Child child;
  for (int i = 0; i < 100000 && unpacker->next(ctx, child); ++i) {
    if (child.owned.empty()) {
      if (child.bytes.size() != 0 &&
          (child.bytes.data() < data || child.bytes.data() + child.bytes.size() > data + size)) {
        abort();
      }
    } else if (child.owned.size() > limits.max_object_bytes + (64 << 10) + (size_t{1} << 20)) {
      abort();  // \bin runs are copied whole before the next charge: at most one input's worth more
    }
  }
  if (entry.indicators.size() > 16) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unpack_all(assay::FileFormat::Rtf, data, size);
  unpack_all(assay::FileFormat::Html, data, size);
  return 0;
}
