// The one table that says which analyzer reads which format.
#include <utility>

#include "analyze/analyzer.h"
#include "analyze/formats.h"

namespace assay {
namespace {

constexpr std::pair<FileFormat, Analyzer> kAnalyzers[] = {
#define ASSAY_ANALYZER_ROW(format, function) {FileFormat::format, function},
    ASSAY_ANALYZERS(ASSAY_ANALYZER_ROW)
#undef ASSAY_ANALYZER_ROW
};

}  // namespace

Analyzer find_analyzer(FileFormat format) {
  for (const auto& [known, analyzer] : kAnalyzers) {
    if (known == format) return analyzer;
  }
  return nullptr;
}

void add_indicator(Entry& entry, uint32_t id, uint8_t priority, uint32_t category, std::string description,
                   std::string reason) {
  entry.indicators.push_back(Indicator{id, priority, category, std::move(description), 5, {{category, std::move(reason), false}}});
}

void add_validation(Entry& entry, std::string_view name, std::string_view type, bool valid,
                    std::vector<std::string> warnings) {
  Value& validation = entry.info_extra.at("validation");
  if (validation.find("valid") == nullptr) validation.set("valid", true);
  if (!valid) validation.set("valid", false);
  Value result = Value::object();
  result.set("name", name);
  result.set("type", type);
  result.set("valid", valid);
  result.set("version", "1");
  Value& list = result.set("warnings", Value::array());
  for (std::string& warning : warnings) list.push(std::move(warning));
  if (validation.find("scan_results") == nullptr) validation.set("scan_results", Value::array());
  validation.at("scan_results").push(std::move(result));
}

}  // namespace assay
