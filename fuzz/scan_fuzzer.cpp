// libFuzzer target over the C ABI's scan entry point: any bytes, scanned as a root object with tight
// limits, rendered to JSON. Oracles beyond "no crash, no leak, no hang": the same bytes scanned
// twice render the same report, the report holds at least the root, and no analyzer or unpacker
// threw (the scanner turns that into an "internal error" warning on the object).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "assay.h"

namespace {

struct Fixture {
  assay_engine* engine = nullptr;
  assay_scanner* scanner = nullptr;

  Fixture() {
    assay_config* config = nullptr;
    assay_config_new(&config);
    // Budgets sized for a fuzzer: big enough to reach every decoder, small enough to stay fast.
    assay_config_set_u64(config, ASSAY_OPT_MAX_OBJECT_BYTES, 16u << 20);
    assay_config_set_u64(config, ASSAY_OPT_MAX_TOTAL_BYTES, 64u << 20);
    assay_config_set_u64(config, ASSAY_OPT_MAX_OBJECTS, 2000);
    assay_config_set_u64(config, ASSAY_OPT_TIMEOUT_MS, 5000);
    if (assay_engine_new(&engine, config) != ASSAY_OK || assay_scanner_new(&scanner, engine) != ASSAY_OK) abort();
    assay_config_free(config);
    // Only the engine's own words about each object: the oracles below look for warnings there, not
    // in the whole report, where the input's own text appears too (names, interesting strings).
    if (assay_render_options_new(&warnings_only) != ASSAY_OK ||
        assay_render_options_set_text(warnings_only, ASSAY_RENDER_REPORT_TYPE, "large") != ASSAY_OK ||
        assay_render_options_set_text(warnings_only, ASSAY_RENDER_VIEW, "flat") != ASSAY_OK ||
        assay_render_options_set_text(warnings_only, ASSAY_RENDER_INCLUDE_FIELDS, "[\"info.unpacking.warnings\"]") != ASSAY_OK) {
      abort();
    }
  }
  assay_render_options* warnings_only = nullptr;
};

// One scan's report, and the warnings of its objects alone (a JSON array of entries).
struct Rendered {
  std::string report;
  std::string warnings;
};

std::string render_with(assay_report* report, const assay_render_options* options) {
  const char* json = nullptr;
  size_t length = 0;
  if (assay_report_render(report, options, &json, &length) != ASSAY_OK || length < 2 || json[0] != '[') abort();
  return std::string(json, length);
}

// Whether a string of the rendered JSON begins with `prefix`. Strings are found by walking the JSON,
// so an escaped quote inside one (a member named '"internal error, please report: ...') starts none.
bool has_warning(const std::string& json, std::string_view prefix) {
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (!in_string) {
      if (c == '"') {
        in_string = true;
        if (json.compare(i + 1, prefix.size(), prefix) == 0) return true;
      }
    } else if (c == '\\') {
      ++i;  // the escaped character
    } else if (c == '"') {
      in_string = false;
    }
  }
  return false;
}

Rendered render(const Fixture& fixture, const uint8_t* data, size_t size) {
  assay_report* report = nullptr;
  const int status = assay_scan_buffer(fixture.scanner, data, size, "fuzz.bin", &report);
  if (status < 0) {
    std::fprintf(stderr, "scan failed: %s\n", assay_scanner_last_error(fixture.scanner));
    abort();
  }
  if (assay_report_object_count(report) == 0) abort();
  Rendered out{render_with(report, nullptr), render_with(report, fixture.warnings_only)};
  assay_report_free(report);
  // The scanner contains an analyzer's or unpacker's exception to its object; here it is a finding.
  if (has_warning(out.warnings, "internal error, please report: ")) {
    std::fprintf(stderr, "an analyzer or unpacker threw: %s\n",
                 out.warnings.substr(out.warnings.find("internal error")).substr(0, 300).c_str());
    abort();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  const Rendered first = render(fixture, data, size);
  // Determinism: a timeout could differ between runs, so compare only when both finished in time.
  if (!has_warning(first.warnings, "limit timeout reached")) {
    const Rendered second = render(fixture, data, size);
    if (second.report != first.report && !has_warning(second.warnings, "limit timeout reached")) {
      std::fprintf(stderr, "non-deterministic report\n");
      abort();
    }
  }
  return 0;
}
