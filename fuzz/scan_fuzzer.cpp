// libFuzzer target over the C ABI's scan entry point: any bytes, scanned as a root object with tight
// limits, rendered to JSON. Oracles beyond "no crash, no leak, no hang": the same bytes scanned
// twice render the same report, the report holds at least the root, and no analyzer or unpacker
// threw (the scanner turns that into an "internal error" warning on the object).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

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
  }
};

std::string render(assay_scanner* scanner, const uint8_t* data, size_t size) {
  assay_report* report = nullptr;
  const int status = assay_scan_buffer(scanner, data, size, "fuzz.bin", &report);
  if (status < 0) {
    std::fprintf(stderr, "scan failed: %s\n", assay_scanner_last_error(scanner));
    abort();
  }
  if (assay_report_object_count(report) == 0) abort();
  const char* json = nullptr;
  size_t length = 0;
  if (assay_report_render(report, nullptr, &json, &length) != ASSAY_OK || length < 2 || json[0] != '[') abort();
  std::string text(json, length);
  assay_report_free(report);
  // The scanner contains an analyzer's or unpacker's exception to its object; here it is a finding.
  if (text.find("internal error, please report") != std::string::npos) {
    std::fprintf(stderr, "an analyzer or unpacker threw: %s\n", text.substr(text.find("internal error")).substr(0, 300).c_str());
    abort();
  }
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  const std::string first = render(fixture.scanner, data, size);
  // Determinism: a timeout could differ between runs, so compare only when both finished in time.
  if (first.find("limit timeout reached") == std::string::npos) {
    const std::string second = render(fixture.scanner, data, size);
    if (second != first && second.find("limit timeout reached") == std::string::npos) {
      std::fprintf(stderr, "non-deterministic report\n");
      abort();
    }
  }
  return 0;
}
