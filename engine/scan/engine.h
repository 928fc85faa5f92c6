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
#include "limits/limits.h"

namespace assay {

struct EngineConfig {
  Limits limits;
  std::vector<std::string> passwords{"infected"};
  size_t magic_prefix_bytes = 64 * 1024;
  std::vector<std::string> rule_paths;  // YARA sources (files or folders) and compiled rule files
};

class Engine {
 public:
  // Compiles the rules at config.rule_paths (a broken file is reported in rules()->statuses()).
  explicit Engine(EngineConfig config)
      : config_(std::move(config)),
        identifier_(std::make_shared<const Identifier>(config_.magic_prefix_bytes)),
        rules_(config_.rule_paths.empty() ? nullptr : RuleSet::load(config_.rule_paths)) {}

  // The same engine with other rules: what a reload swaps in.
  Engine(const Engine& base, std::shared_ptr<const RuleSet> rules)
      : config_(base.config_), identifier_(base.identifier_), rules_(std::move(rules)) {}

  const EngineConfig& config() const { return config_; }
  const Identifier& identifier() const { return *identifier_; }
  // nullptr when no rule paths are configured.
  const std::shared_ptr<const RuleSet>& rules() const { return rules_; }

 private:
  EngineConfig config_;
  std::shared_ptr<const Identifier> identifier_;
  std::shared_ptr<const RuleSet> rules_;
};

}  // namespace assay
