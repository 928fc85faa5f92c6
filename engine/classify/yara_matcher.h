// The per-thread half of YARA: one YR_SCANNER per compiled set of a RuleSet, reused for every object
// a thread scans, and rebuilt only when the RuleSet changes (a reload). Objects are scanned from their
// bytes in place, with the external variables set from the object's report entry.
//
// Thread-safety: one thread at a time; it holds a reference to the RuleSet it scans with, so a reload
// never frees rules under a running scan.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "classify/rule_set.h"
#include "util/checked_reader.h"

struct YR_SCAN_CONTEXT;

namespace assay {

struct YaraOutcome {
  std::vector<YaraMatch> matches;
  std::vector<const RuleVerdict*> verdicts;  // parallel to matches
  std::vector<std::string> warnings;         // timeouts, too many matches, libyara errors
};

class YaraMatcher {
 public:
  YaraMatcher() = default;
  ~YaraMatcher();
  YaraMatcher(const YaraMatcher&) = delete;
  YaraMatcher& operator=(const YaraMatcher&) = delete;

  // Scans `bytes` (an object described by `entry`) with every compiled set of `rules`, stopping at
  // `deadline`. Each string's matches are kept up to a bound, the first ones by offset.
  void scan(const std::shared_ptr<const RuleSet>& rules, ByteSpan bytes, const Entry& entry,
            std::chrono::steady_clock::time_point deadline, YaraOutcome& out);

  static constexpr size_t kMaxMatchesPerString = 64;

 private:
  void bind(const std::shared_ptr<const RuleSet>& rules);

  std::shared_ptr<const RuleSet> rules_;
  std::vector<YR_SCAN_CONTEXT*> scanners_;  // libyara's YR_SCANNER
};

}  // namespace assay
