// C ABI: assay_scan_rules_fd, the rules-only scan that retro hunting runs over stored samples
// (engine/scan/rules_walk.h does the walk; this maps it onto the C types).
//
// Thread-safety: like every scan, one thread at a time per scanner.
#include <memory>

#include "input/source.h"
#include "objects.h"
#include "scan/rules_walk.h"

using assay::capi::checked;
using assay::capi::guarded;

extern "C" {

int assay_scan_rules_fd(assay_scanner* scanner, int fd, const char* name, int flags,
                        assay_rule_match_callback callback, void* user_data) {
  auto* s = checked<assay_scanner>(scanner);
  if (s == nullptr) return ASSAY_E_INVALID_HANDLE;
  if (fd < 0) return s->fail(ASSAY_E_INVALID_ARGUMENT, "fd is negative");
  if ((flags & ~ASSAY_RULES_ROOT_ONLY) != 0) return s->fail(ASSAY_E_INVALID_ARGUMENT, "unknown flags");
  return guarded(s, [&]() -> int {
    // Held for the whole scan: a reload elsewhere cannot free what this scan uses.
    const std::shared_ptr<const assay::Engine> engine = s->slot->current();
    s->last_error.clear();
    if (!engine->rules() || engine->rules()->empty()) return ASSAY_OK;  // nothing can match: the file is not read
    auto source = assay::Source::from_fd(fd, engine->config().limits.max_object_bytes);
    if (!source.ok()) {
      const assay::ErrorCode code = source.error().code;
      const int status = code == assay::ErrorCode::TooLarge ? ASSAY_E_TOO_LARGE
                         : code == assay::ErrorCode::Io     ? ASSAY_E_IO
                                                            : ASSAY_E_INTERNAL;
      return s->fail(status, source.error().message);
    }
    const auto on_hit = [&](const assay::RuleHit& hit) {
      if (callback == nullptr) return true;
      assay_rule_match info{};
      info.struct_size = sizeof info;
      info.depth = hit.depth;
      info.object_index = hit.object_index;
      info.ruleset = hit.match.ns.c_str();
      info.rule = hit.match.rule.c_str();
      info.file_path = hit.file_path.c_str();
      return callback(&info, user_data) == ASSAY_CALLBACK_CONTINUE;
    };
    switch (assay::walk_rules(*engine, s->rules_matcher, source.value().bytes(), name != nullptr ? name : "",
                              (flags & ASSAY_RULES_ROOT_ONLY) == 0, on_hit)) {
      case assay::RulesWalkOutcome::Complete: return ASSAY_OK;
      case assay::RulesWalkOutcome::LimitReached: return ASSAY_LIMIT_REACHED;
      case assay::RulesWalkOutcome::Aborted: return ASSAY_ABORTED;
    }
    return ASSAY_E_INTERNAL;
  });
}

}  // extern "C"
