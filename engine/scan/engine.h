// scan/: the Engine (immutable, shared) and the Scanner (one per thread) that drive a scan.
//
// An Engine holds everything a scan only reads: limits, the password list, the identifier and its
// libmagic pool, the compiled rules. It is built once and shared by any number of threads; a rules
// reload builds a new Engine around the new RuleSet (sharing the rest) and callers swap pointers, so
// scans in flight finish on the engine they started with. A Scanner owns per-thread state (hash
// contexts, YARA scanners) and runs one scan at a time over an explicit work stack, depth-first,
// never recursing on the C stack however deep the input nests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "classify/rule_set.h"
#include "identify/identify.h"
#include "report/report_types.h"
#include "limits/limits.h"

namespace assay {

struct EngineConfig {
  Limits limits;
  std::vector<std::string> passwords{"infected"};
  size_t magic_prefix_bytes = 64 * 1024;
  // Objects at least this large are hashed beside the rest of their analysis (0: never).
  uint64_t parallel_hash_bytes = uint64_t{256} << 10;
  std::vector<std::string> rule_paths;  // YARA sources (files or folders) and compiled rule files
  std::string report_types_dir;         // custom report types (*.json); "" for the built-ins only
};

class Engine {
 public:
  // Compiles the rules at config.rule_paths (a broken file is reported in rules()->statuses()).
  // Custom report types must load cleanly: use create() to get that error as a value.
  explicit Engine(EngineConfig config, std::shared_ptr<const ReportTypes> report_types = nullptr)
      : config_(std::move(config)),
        identifier_(std::make_shared<const Identifier>(config_.magic_prefix_bytes)),
        rules_(config_.rule_paths.empty() ? nullptr : RuleSet::load(config_.rule_paths)),
        report_types_(report_types ? std::move(report_types) : std::make_shared<const ReportTypes>()) {}

  // The same engine with other rules: what a reload swaps in.
  Engine(const Engine& base, std::shared_ptr<const RuleSet> rules)
      : config_(base.config_),
        identifier_(base.identifier_),
        rules_(std::move(rules)),
        report_types_(base.report_types_) {}

  // Loads the custom report types first, failing with an error that names the file and field.
  static Result<std::shared_ptr<const Engine>> create(EngineConfig config) {
    std::shared_ptr<const ReportTypes> types;
    if (!config.report_types_dir.empty()) {
      auto loaded = ReportTypes::load(config.report_types_dir);
      if (!loaded.ok()) return loaded.error();
      types = std::make_shared<const ReportTypes>(std::move(loaded.value()));
    }
    return std::make_shared<const Engine>(std::move(config), std::move(types));
  }

  const EngineConfig& config() const { return config_; }
  const Identifier& identifier() const { return *identifier_; }
  // nullptr when no rule paths are configured.
  const std::shared_ptr<const RuleSet>& rules() const { return rules_; }
  const std::shared_ptr<const ReportTypes>& report_types() const { return report_types_; }

 private:
  EngineConfig config_;
  std::shared_ptr<const Identifier> identifier_;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<const ReportTypes> report_types_;
};

}  // namespace assay
