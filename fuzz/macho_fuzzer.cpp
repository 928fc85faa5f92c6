// libFuzzer target over the Mach-O analyzers and the fat unpacker (through the C++ core): any bytes
// are analyzed as a thin Mach-O and as a fat file, each into a fresh entry rendered as a one-entry
// "large" report; then the fat unpacker runs over them and every slice it yields is analyzed too.
// Oracles beyond "no crash, leak or hang": each analysis records exactly one validation result and
// renders as a JSON array, the same bytes render the same report twice, every slice lies inside the
// input and borrows it (nothing owned), and there are never more slices than the unpacker's cap.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "analyze/formats.h"
#include "analyze/macho_internal.h"
#include "analyzer_oracle.h"
#include "unpack/unpacker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  assay_fuzz::check_analyzer(assay::analyze_macho, assay::FileFormat::MachOExecutable, bytes);
  assay_fuzz::check_analyzer(assay::analyze_macho_fat, assay::FileFormat::MachOFat, bytes);

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
    assay_fuzz::analyze_and_render(assay::analyze_macho, assay::FileFormat::MachOExecutable, child.bytes);
  }
  return 0;
}
