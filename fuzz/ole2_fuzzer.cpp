// libFuzzer target over the OLE2 readers (through the C++ core): any bytes, as a compound file, an
// Outlook message and an installer, through the analyzers (property sets, VBA macros, message
// properties) and the unpackers (streams, VBA module sources, attachments); and, since real
// containers rarely reach them with arbitrary content, the same bytes straight into MS-OVBA
// decompression, the VBA dir parser and the property set reader.
// Oracles beyond "no crash, leak or hang": each analyzer records exactly one validation result and
// renders the same report twice; a child either borrows bytes inside the input or owns at most
// max_object_bytes; decompression never writes past its cap.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "analyze/formats.h"
#include "analyze/ole_properties.h"
#include "analyze/vba_project.h"
#include "analyzer_oracle.h"
#include "unpacker_oracle.h"
#include "unpack/unpacker.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  assay_fuzz::check_analyzer(assay::analyze_ole2, assay::FileFormat::Doc, bytes);
  assay_fuzz::check_analyzer(assay::analyze_ole2, assay::FileFormat::Msi, bytes);
  assay_fuzz::check_analyzer(assay::analyze_outlook_msg, assay::FileFormat::Outlook, bytes);
  for (const auto format : {assay::FileFormat::Ole2, assay::FileFormat::Msi, assay::FileFormat::Outlook}) {
    assay_fuzz::unpack_all(format, data, size, 0);
  }

  constexpr size_t kCap = 1 << 20;
  std::vector<uint8_t> out;
  std::string problem;
  assay::ovba_decompress(bytes, out, kCap, [](size_t) { return true; }, problem);
  if (out.size() > kCap) abort();
  std::vector<std::string> problems;
  assay::parse_vba_dir(bytes, problems);
  assay::parse_vba_dir(assay::ByteSpan(out.data(), out.size()), problems);
  static constexpr uint8_t kSummary[] = {0xe0, 0x85, 0x9f, 0xf2, 0xf9, 0x4f, 0x68, 0x10,
                                         0xab, 0x91, 0x08, 0x00, 0x2b, 0x27, 0xb3, 0xd9};
  assay::read_property_set(bytes, assay::ByteSpan(kSummary, sizeof kSummary), problems);
  return 0;
}
