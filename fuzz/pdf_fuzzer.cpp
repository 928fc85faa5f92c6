// libFuzzer target over the PDF readers (through the C++ core): any bytes through the PDF analyzer
// (object scanning, object streams, metadata, indicators) and the PDF unpacker (every stream through
// its filter chain), and, since real files rarely reach them with arbitrary content, the same bytes
// straight into each stream filter and the predictors.
// Oracles beyond "no crash, leak or hang": the analyzer records exactly one validation result and
// renders the same report twice; a child either borrows bytes inside the input or owns at most
// max_object_bytes (plus one charge chunk); a filter whose charge refuses stops within one chunk.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "analyze/formats.h"
#include "analyzer_oracle.h"
#include "unpacker_oracle.h"
#include "unpack/pdf_filters.h"
#include "unpack/unpacker.h"

namespace {

void filters(assay::ByteSpan bytes) {
  constexpr size_t kCap = 1 << 20;
  const assay::PdfCharge charge = [](size_t, size_t total) { return total <= kCap; };
  const auto check = [](const std::vector<uint8_t>& out) {
    if (out.size() > kCap + assay::kPdfChargeChunk + 4096) abort();
  };
  std::vector<uint8_t> out;
  assay::pdf_flate_decode(bytes, out, charge);
  check(out);
  for (const bool early : {true, false}) {
    out.clear();
    assay::pdf_lzw_decode(bytes, early, out, charge);
    check(out);
  }
  out.clear();
  assay::pdf_ascii85_decode(bytes, out, charge);
  check(out);
  out.clear();
  assay::pdf_ascii_hex_decode(bytes, out, charge);
  check(out);
  out.clear();
  assay::pdf_run_length_decode(bytes, out, charge);
  check(out);
  for (const int predictor : {2, 10, 15}) {
    out.clear();
    const int colors = bytes.empty() ? 1 : 1 + bytes.data()[0] % 4;
    assay::pdf_unpredict(bytes, predictor, colors, 8, 1 + static_cast<int>(bytes.size() % 7), out, charge);
    check(out);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  assay_fuzz::check_analyzer(assay::analyze_pdf, assay::FileFormat::Pdf, bytes);
  assay_fuzz::unpack_all(assay::FileFormat::Pdf, data, size, assay::kPdfChargeChunk);
  filters(bytes);
  return 0;
}
