// libFuzzer target over the ELF analyzer alone (through the C++ core): any bytes, analyzed as an ELF
// object into a fresh entry and rendered as a one-entry "large" report, so every metadata field the
// analyzer wrote goes through the renderer. Oracles beyond "no crash, leak or hang": the analyzer
// records exactly one validation result, the report renders as a JSON array, and analyzing the same
// bytes twice renders the same report.
#include <cstdint>
#include <cstdlib>

#include "analyze/formats.h"
#include "analyzer_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  assay_fuzz::check_analyzer(assay::analyze_elf, assay::FileFormat::ElfExecutable, bytes);
  return 0;
}
