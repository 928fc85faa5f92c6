#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "classify/rule_set.h"
#include "classify/verdict.h"
#include "scan/engine.h"
#include "scan/scanner.h"

namespace {

assay::ByteSpan span_of(const std::string& text) {
  return assay::ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

const char* kMarkerRule = R"(
rule Marker { meta: classification = "malicious" factor = 4 threat_name = "Text.Trojan.Marker"
  strings: $m = "MARKER" condition: $m })";

}  // namespace

TEST_CASE("a reload frees the old rules once the last scanner moves on") {
  auto base = std::make_shared<const assay::Engine>(assay::EngineConfig{});
  auto first_rules = assay::RuleSet::from_text({{"first", kMarkerRule}});
  std::weak_ptr<const assay::RuleSet> first_weak = first_rules;
  auto first = std::make_shared<const assay::Engine>(*base, std::move(first_rules));

  assay::Scanner scanner(first);
  assay::ReportModel model;
  scanner.scan(span_of("a MARKER here"), "x.txt", model);
  CHECK(model.at(0).classification.verdict == assay::Verdict::Malicious);

  auto second = std::make_shared<const assay::Engine>(*base, assay::RuleSet::from_text({{"second", "rule Nothing { condition: false }"}}));
  first.reset();
  CHECK_FALSE(first_weak.expired());  // the scanner's YARA scanners still hold it
  scanner.set_engine(second);
  assay::ReportModel again;
  scanner.scan(span_of("a MARKER here"), "x.txt", again);
  CHECK(again.at(0).classification.verdict == assay::Verdict::Unknown);
  CHECK(first_weak.expired());
}

TEST_CASE("rule verdict meta is read once, with threat names checked") {
  const auto rules = assay::RuleSet::from_text({{"verdicts", R"(
rule Good { meta: classification = "goodware" factor = 5 condition: true }
rule NoMeta { condition: true }
rule BadName { meta: classification = "malicious" threat_name = "Win32.Trojan.Generic" condition: true }
rule BadFactor { meta: classification = "suspicious" factor = 9 condition: true }
rule Parts { meta: classification = "malicious" factor = 3 platform = "Script" subplatform = "JS"
  type = "Downloader" family = "Nemucod" condition: true })"}});
  REQUIRE(rules->all_compiled());
  CHECK(rules->rule_count() == 5);
  const auto& warnings = rules->statuses().at(0).warnings;
  CHECK(warnings.size() == 2);

  auto engine = std::make_shared<const assay::Engine>(assay::Engine(assay::EngineConfig{}), rules);
  assay::Scanner scanner(engine);
  assay::ReportModel model;
  scanner.scan(span_of("anything"), "x.bin", model);
  const assay::Entry& entry = model.at(0);
  REQUIRE(entry.yara_matches.size() == 5);
  // Malicious beats the rest; of the two malicious rules, factor 3 (Parts) beats BadName's default 1.
  CHECK(entry.classification.verdict == assay::Verdict::Malicious);
  CHECK(entry.classification.factor == 3);
  CHECK(entry.classification.result == "Script-JS.Downloader.Nemucod");
  // NoMeta says nothing about a verdict: an indicator, no invented family.
  int yara_indicators = 0;
  for (const assay::Indicator& indicator : entry.indicators) yara_indicators += indicator.id == 1100;
  CHECK(yara_indicators == 1);
}

TEST_CASE("a broken ruleset is reported with its line and leaves the others active") {
  const auto rules = assay::RuleSet::from_text({{"good", "rule A { condition: true }"},
                                                {"bad", "rule B {\n condition:\n  nonsense here\n}"},
                                                {"also_good", "rule C { condition: false }"}});
  CHECK_FALSE(rules->all_compiled());
  CHECK(rules->statuses().at(0).active);
  CHECK_FALSE(rules->statuses().at(1).active);
  CHECK(rules->statuses().at(2).active);
  REQUIRE_FALSE(rules->statuses().at(1).errors.empty());
  CHECK(rules->statuses().at(1).errors[0].find(":3: ") != std::string::npos);
  CHECK(rules->identifier().size() == 40);
  CHECK(rules->rule_count() == 2);
}

TEST_CASE("a ruleset that uses a module another file imported gets the import, with a warning") {
  // signature-base is written to be compiled as one source: a file may use pe because an earlier file
  // imported it. Each file here is its own namespace, where YARA needs the import again.
  const auto rules = assay::RuleSet::from_text(
      {{"imports", "import \"pe\"\nrule A { condition: pe.number_of_sections > 0 }"},
       {"relies", "rule B {\n condition:\n  pe.number_of_sections > 0 and math.entropy(0, filesize) > 1\n}"},
       {"not_a_module", "rule C {\n condition:\n  nosuch.value > 0\n}"},
       {"also_broken", "rule D {\n condition: pe.is_pe\n}\nrule E {\n condition:\n  nonsense here\n}"}});
  const auto& statuses = rules->statuses();
  CHECK(statuses.at(0).active);
  CHECK(statuses.at(0).warnings.empty());
  REQUIRE(statuses.at(1).active);
  REQUIRE(statuses.at(1).warnings.size() == 1);
  CHECK(statuses.at(1).warnings[0].find("uses module \"pe\", \"math\" without importing it") != std::string::npos);
  // A name that is no module stays an error, at its own line.
  CHECK_FALSE(statuses.at(2).active);
  REQUIRE_FALSE(statuses.at(2).errors.empty());
  CHECK(statuses.at(2).errors[0].find(":3: undefined identifier \"nosuch\"") != std::string::npos);
  // Given the import, the next real problem is reported, at its own line (the import shifts none).
  CHECK_FALSE(statuses.at(3).active);
  REQUIRE_FALSE(statuses.at(3).errors.empty());
  CHECK(statuses.at(3).errors[0].find(":6: ") != std::string::npos);
  CHECK(rules->rule_count() == 2);
}

TEST_CASE("the identifier changes exactly when the rules change") {
  const auto a = assay::RuleSet::from_text({{"r", "rule A { condition: true }"}});
  const auto same = assay::RuleSet::from_text({{"r", "rule A { condition: true }"}});
  const auto renamed = assay::RuleSet::from_text({{"s", "rule A { condition: true }"}});
  const auto edited = assay::RuleSet::from_text({{"r", "rule A { condition: false }"}});
  CHECK(a->identifier() == same->identifier());
  CHECK(a->identifier() != renamed->identifier());
  CHECK(a->identifier() != edited->identifier());
}

TEST_CASE("hashing large objects on a helper thread changes no digest, entropy or verdict") {
  std::string member(300'000, '\0');
  for (size_t i = 0; i < member.size(); ++i) member[i] = static_cast<char>(i * 7919u >> 5);
  member.replace(1000, 6, "MARKER");
  const auto rules = assay::RuleSet::from_text({{"marker", kMarkerRule}});
  const auto scan_with = [&](uint64_t parallel_hash_bytes) {
    assay::EngineConfig config;
    config.parallel_hash_bytes = parallel_hash_bytes;
    auto engine = std::make_shared<const assay::Engine>(assay::Engine(config), rules);
    assay::Scanner scanner(engine);
    assay::ReportModel model;
    scanner.scan(span_of(member), "big.bin", model);
    return model;
  };
  const assay::ReportModel inline_model = scan_with(0);
  const assay::ReportModel helper_model = scan_with(1);  // every object on a helper thread
  REQUIRE(inline_model.size() == helper_model.size());
  const assay::Entry& a = inline_model.at(0);
  const assay::Entry& b = helper_model.at(0);
  CHECK(a.digests.md5 == b.digests.md5);
  CHECK(a.digests.sha1 == b.digests.sha1);
  CHECK(a.digests.sha256 == b.digests.sha256);
  CHECK(a.digests.sha512 == b.digests.sha512);
  CHECK(a.digests.entropy == doctest::Approx(b.digests.entropy));
  CHECK(a.digests.entropy > 7.0);
  assay::Hasher reference;
  CHECK(b.digests.sha256 == reference.digest(span_of(member)).sha256);  // not merely equal and empty
  CHECK(a.format == b.format);
  CHECK(b.classification.verdict == assay::Verdict::Malicious);
}
