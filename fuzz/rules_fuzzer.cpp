// libFuzzer target: compiles arbitrary rule text and scans arbitrary bytes with it through the whole
// engine. The input is "RULES\n----\nDATA"; without the separator, all of it is rule text and the
// data is the rule text itself. Oracles: no crash, leak or hang; a ruleset that compiles has a
// 40-digit identifier and compiling the same text twice gives the same identifier.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "classify/rule_set.h"
#include "report/json_render.h"
#include "scan/engine.h"
#include "scan/scanner.h"

namespace {

std::shared_ptr<const assay::Engine> base_engine() {
  static const auto engine = [] {
    assay::EngineConfig config;
    config.limits.max_object_bytes = 4u << 20;
    config.limits.max_total_bytes = 16u << 20;
    config.limits.max_objects = 500;
    config.limits.timeout_ms = 5000;
    return std::make_shared<const assay::Engine>(config);
  }();
  return engine;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSeparator = "\n----\n";
  const size_t split = input.find(kSeparator);
  const std::string rules_text(input.substr(0, split));
  const std::string_view bytes = split == std::string_view::npos ? input : input.substr(split + kSeparator.size());

  const auto rules = assay::RuleSet::from_text({{"fuzz", rules_text}});
  if (rules->all_compiled() ? rules->identifier().size() != 40 : !rules->identifier().empty()) abort();
  if (rules->all_compiled()) {
    const auto again = assay::RuleSet::from_text({{"fuzz", rules_text}});
    if (again->identifier() != rules->identifier()) abort();
  }

  auto engine = std::make_shared<const assay::Engine>(*base_engine(), rules);
  assay::Scanner scanner(engine);
  assay::ReportModel model;
  scanner.scan(assay::ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "fuzz.bin", model);
  if (model.size() == 0) abort();
  std::string json;
  assay::render_tc_report(model, {}, json);
  if (json.empty() || json.front() != '[') abort();
  return 0;
}
