// libFuzzer target over mail: any bytes unpacked as MIME mail, as an mbox and as TNEF, plus the
// e-mail analyzer and the interesting-strings scan (through the C++ core, with a small Budget).
// Oracles beyond "no crash, leak or hang": every child is a span of the input or of its own decoded
// buffer; decoded parts are never larger than the input (no transfer encoding expands); names are
// non-empty valid UTF-8; the strings scan keeps its caps; and the same bytes give the same children
// and the same rendered report twice.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "analyze/formats.h"
#include "analyze/interesting_strings.h"
#include "analyzer_oracle.h"
#include "unpack/mime_charset.h"
#include "unpack/unpacker.h"

namespace {

bool inside(assay::ByteSpan part, assay::ByteSpan whole) {
  return part.empty() || (part.data() >= whole.data() && part.size() <= whole.size() &&
                          part.data() - whole.data() <= static_cast<std::ptrdiff_t>(whole.size() - part.size()));
}

// Unpacks `bytes` as `format` and returns a transcript of the children (name, layer, size, bytes).
std::string unpack_transcript(assay::FileFormat format, assay::ByteSpan bytes) {
  assay::Limits limits;
  limits.max_object_bytes = 4u << 20;
  limits.max_total_bytes = 16u << 20;
  limits.timeout_ms = 10'000;
  assay::Budget budget(limits, bytes.size());
  const std::vector<std::string> passwords;
  assay::Entry container;
  assay::UnpackContext ctx(budget, passwords, container);
  std::string transcript;
  auto unpacker = assay::find_unpacker(format)(bytes, ctx);
  if (!unpacker) return transcript;
  assay::Child child;
  for (int i = 0; i < 5000 && unpacker->next(ctx, child); ++i) {
    const assay::ByteSpan owned(child.owned.data(), child.owned.size());
    if (!child.owned.empty() ? !inside(child.bytes, owned) : !inside(child.bytes, bytes)) abort();
    if (!child.owned.empty() && child.owned.size() > bytes.size()) abort();
    if (child.name.empty() || !assay::mime::is_valid_utf8(child.name)) abort();
    transcript += child.layer + "/" + child.name + ":" + std::to_string(child.bytes.size()) + ":";
    transcript.append(child.bytes.as_chars());
    transcript.push_back('\n');
  }
  for (const std::string& warning : container.warnings) transcript += warning + "\n";
  return transcript;
}

std::string analyze_and_render(assay::ByteSpan bytes) {
  assay::ReportModel model;
  assay::Entry& entry = model.add_entry();
  entry.format = assay::FileFormat::Email;
  entry.size = bytes.size();
  assay::analyze_email(bytes, entry);
  assay::add_interesting_strings(bytes, entry);
  for (const assay::InterestingStrings& row : entry.interesting_strings) {
    if (row.values.empty() || row.values.size() > 256) abort();
    for (const std::string& value : row.values) {
      if (value.empty() || value.size() > 2048) abort();
    }
  }
  return assay_fuzz::render_large(model);
}

std::string run_all(assay::ByteSpan bytes) {
  std::string out = analyze_and_render(bytes);
  for (const assay::FileFormat format : {assay::FileFormat::Email, assay::FileFormat::Mbox, assay::FileFormat::Tnef}) {
    out += unpack_transcript(format, bytes);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const assay::ByteSpan bytes(data, size);
  if (run_all(bytes) != run_all(bytes)) abort();
  return 0;
}
