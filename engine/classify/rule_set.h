// classify/: YARA rules and built-in heuristics turn each object into a verdict.
//
// A RuleSet is compiled once from folders of .yar/.yara files (one ruleset per file, its namespace the
// file's stem) and precompiled rule files, and is then immutable: every scanning thread shares it and
// keeps its own YR_SCANNER (yara_matcher.h). A file that fails to compile is reported with file, line
// and message and left out, so one user's broken rule cannot blind the engine. Each rule's verdict
// meta (classification, factor, threat_name or platform/type/family) is read and checked once here.
//
// Thread-safety: immutable after load(); share it through std::shared_ptr<const RuleSet>.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "report/report_model.h"

struct YR_RULES;
struct YR_RULE;

namespace assay {

// What a rule's meta says about the objects it matches.
struct RuleVerdict {
  Verdict verdict = Verdict::Suspicious;  // a rule with no verdict meta makes an object suspicious
  uint8_t factor = 1;
  std::string threat_name;  // "" when the rule names none, or names one badly
  bool explicit_verdict = false;
};

struct RulesetStatus {
  std::string name;  // the file's stem: the ruleset's name and its YARA namespace
  std::string path;
  bool precompiled = false;
  bool active = false;  // compiled and in use
  uint64_t rule_count = 0;
  std::vector<std::string> errors;    // "file:line: message"
  std::vector<std::string> warnings;  // compiler warnings and threat-name problems
};

class RuleSet {
 public:
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  // Compiles every rule source and loads every precompiled file found at `paths` (files or folders,
  // searched recursively). Never throws for bad rules: each file's outcome is in statuses().
  static std::shared_ptr<const RuleSet> load(const std::vector<std::string>& paths);

  // Compiles rule sources given as text, one ruleset per (name, text) pair; for fuzzing and tests.
  static std::shared_ptr<const RuleSet> from_text(const std::vector<std::pair<std::string, std::string>>& sources);

  // The SHA-1 (hex) of the active rulesets' names and contents; "" when no rules are active.
  const std::string& identifier() const { return identifier_; }
  const std::vector<RulesetStatus>& statuses() const { return statuses_; }
  bool all_compiled() const;
  bool empty() const { return compiled_.empty(); }
  uint64_t rule_count() const;

  const std::vector<YR_RULES*>& compiled() const { return compiled_; }
  const RuleVerdict& verdict_of(const YR_RULE* rule) const;

 private:
  RuleSet() = default;
  struct Source;
  static std::shared_ptr<const RuleSet> build(std::vector<Source> files, std::vector<RulesetStatus> unusable);
  static bool compile_alone(Source& file, RulesetStatus& status);

  std::string identifier_;
  std::vector<RulesetStatus> statuses_;
  std::vector<YR_RULES*> compiled_;
  std::unordered_map<const YR_RULE*, RuleVerdict> verdicts_;
};

// The external variables every rule may use, defined for each object scanned (names common rule
// sets such as signature-base expect).
inline constexpr const char* kYaraExternals[] = {"filename", "filepath", "extension", "filetype", "filesubtype",
                                                 "owner"};

}  // namespace assay
