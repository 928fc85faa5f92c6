// libFuzzer target over the RTF and HTML unpackers (through the C++ core): any bytes as an RTF
// (\objdata decoding, OLE1 headers, OLE Packages, the control-word scan for indicators) and as an
// HTML page (script elements, data: URIs, the obfuscation checks).
// Oracles beyond "no crash, leak or hang": a child either borrows bytes inside the input or owns at
// most max_object_bytes plus one decoding chunk, and indicators are bounded in number.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "unpacker_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // \bin runs are copied whole before the next charge: at most one input's worth over the limit.
  for (const auto format : {assay::FileFormat::Rtf, assay::FileFormat::Html}) {
    const assay::Entry entry = assay_fuzz::unpack_all(format, data, size, (64 << 10) + size);
    if (entry.indicators.size() > 16) abort();
  }
  return 0;
}
