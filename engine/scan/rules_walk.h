// The rules-only walk: every object a full scan would visit (the same unpackers, depth-first order,
// Budget and limits), matched against the rules and nothing else. No hashing, no libmagic, no format
// analysis, no verdicts, no report: what retro hunting needs to run a stored corpus through new rules
// at close to YARA's own speed (assay_scan_rules_fd in the C ABI).
//
// It must agree with Scanner::scan on what an object is (name, path, depth, format from the built-in
// sniffer, which is what identification decides apart from libmagic's description); the C test
// tests/c/c_rules_scan_test.c compares the two.
//
// Thread-safety: one walk per thread, with that thread's YaraMatcher.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "classify/yara_matcher.h"
#include "scan/engine.h"
#include "util/checked_reader.h"

namespace assay {

// One rule that matched one object.
struct RuleHit {
  uint32_t depth;         // 0: the input itself
  uint64_t object_index;  // the object's index in the report a full scan with the same limits makes
  const YaraMatch& match;
  const std::string& file_path;
};

enum class RulesWalkOutcome { Complete, LimitReached, Aborted };

// Walks `root` (named `name`) with `engine`'s current rules; `on_hit` returns false to stop the walk.
// `unpack` false matches the input itself only.
RulesWalkOutcome walk_rules(const Engine& engine, YaraMatcher& matcher, ByteSpan root, std::string_view name,
                            bool unpack, const std::function<bool(const RuleHit&)>& on_hit);

}  // namespace assay
