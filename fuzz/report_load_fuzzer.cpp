// libFuzzer target over assay_report_load: saved reports come back from a database, so they are
// parsed as hostile bytes. Oracles: no crash or leak; whatever loads renders in every view; and a
// loaded report saved again loads to the same rendering (round trip).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "assay.h"

namespace {

std::string render(assay_report* report, const char* view) {
  assay_render_options* options = nullptr;
  if (assay_render_options_new(&options) != ASSAY_OK) abort();
  assay_render_options_set_text(options, ASSAY_RENDER_REPORT_TYPE, "large");
  assay_render_options_set_text(options, ASSAY_RENDER_VIEW, view);
  const char* json = nullptr;
  size_t length = 0;
  if (assay_report_render(report, options, &json, &length) != ASSAY_OK || length < 2) abort();
  std::string text(json, length);
  assay_render_options_free(options);
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  assay_report* report = nullptr;
  if (assay_report_load(nullptr, data, size, &report) != ASSAY_OK) {
    if (report != nullptr) abort();
    return 0;
  }
  const std::string nested = render(report, "nested");
  render(report, "flat");
  render(report, "extended");
  const uint8_t* bytes = nullptr;
  size_t length = 0;
  if (assay_report_save(report, &bytes, &length) != ASSAY_OK) abort();
  assay_report* again = nullptr;
  if (assay_report_load(nullptr, bytes, length, &again) != ASSAY_OK) abort();
  if (render(again, "nested") != nested) abort();
  assay_report_free(again);
  assay_report_free(report);
  return 0;
}
