#include "classify/verdict.h"

#include <algorithm>
#include <string>

#include "classify/heuristics.h"

namespace assay {
namespace {

bool result_more_severe(const ScanResult& a, const ScanResult& b) {
  return more_severe(a.verdict, a.factor, b.verdict, b.factor);
}

std::string_view verdict_word(Verdict v) {
  switch (v) {
    case Verdict::Unknown: return "unknown";
    case Verdict::Goodware: return "goodware";
    case Verdict::Suspicious: return "suspicious";
    case Verdict::Malicious: return "malicious";
  }
  return "unknown";
}

// An object's own verdict, before propagation: its most severe scan result decides.
void decide_own(Entry& entry) {
  Classification& c = entry.classification;
  std::stable_sort(c.scan_results.begin(), c.scan_results.end(), result_more_severe);
  if (!c.scan_results.empty()) {
    c.verdict = c.scan_results.front().verdict;
    c.factor = c.verdict == Verdict::Unknown ? 0 : c.scan_results.front().factor;
    c.result = c.scan_results.front().result;
  }
}

// Lifts `parent` to `child`'s verdict when the child is worse and its verdict may travel.
void propagate(const Entry& child, Entry& parent) {
  const Classification& from = child.classification;
  Classification& to = parent.classification;
  if (from.verdict != Verdict::Suspicious && from.verdict != Verdict::Malicious) return;
  if (!more_severe(from.verdict, from.factor, to.verdict, to.factor)) return;
  to.verdict = from.verdict;
  to.factor = from.factor;
  to.result = from.result;
  to.propagated = true;
  // The source is the descendant where the verdict was born, however deep.
  to.propagation_source = from.propagated && from.propagation_source ? from.propagation_source
                                                                      : std::optional(child.digests.sha1);
  if (!from.scan_results.empty()) {
    // The deciding result first. It supersedes the parent's own (weaker) result from the same
    // scanner, so each scanner appears once (the flat view keys results by scanner name).
    const ScanResult& deciding = from.scan_results.front();
    std::erase_if(to.scan_results, [&](const ScanResult& r) { return r.name == deciding.name; });
    to.scan_results.insert(to.scan_results.begin(), deciding);
  }
  const bool already = std::any_of(parent.indicators.begin(), parent.indicators.end(),
                                   [](const Indicator& i) { return i.id == kIndicatorContainsThreat; });
  std::string reason = "contains " + std::string(verdict_word(from.verdict)) + " object '" + child.file_name + "'";
  if (!from.result.empty()) reason += " (" + from.result + ")";
  if (already) {
    auto it = std::find_if(parent.indicators.begin(), parent.indicators.end(),
                           [](const Indicator& i) { return i.id == kIndicatorContainsThreat; });
    it->reasons.insert(it->reasons.begin(), IndicatorReason{kCategoryDetection, std::move(reason), true});
  } else {
    parent.indicators.push_back(Indicator{kIndicatorContainsThreat, from.verdict == Verdict::Malicious ? uint8_t{7} : uint8_t{5},
                                          kCategoryDetection, "Contains a detected object", 9,
                                          {{kCategoryDetection, std::move(reason), true}}});
  }
}

std::string describe(const Entry& entry) {
  const FormatInfo& info = format_info(entry.format);
  std::string what = info.identification.empty() ? std::string(info.file_type) : std::string(info.identification);
  if (entry.format == FileFormat::Binary && !entry.magic_description.empty()) what = entry.magic_description;
  // Built with append: GCC 12 warns wrongly (-Wrestrict) on literal + std::string chains at -O3.
  std::string story(entry.parent < 0 ? "A " : "An extracted ");
  story.append(what).append(" object of ").append(std::to_string(entry.size)).append(" bytes");
  if (!entry.children.empty()) {
    story += " holding " + std::to_string(entry.children.size()) + (entry.children.size() == 1 ? " member" : " members");
  }
  story += ".";
  if (entry.unpack_status == UnpackStatus::Partial) story += " Unpacking stopped early (see warnings).";
  if (entry.unpack_status == UnpackStatus::Failed) story += " It could not be unpacked.";
  const Classification& c = entry.classification;
  if (c.verdict == Verdict::Malicious || c.verdict == Verdict::Suspicious) {
    story += " Classified " + std::string(verdict_word(c.verdict));
    if (!c.result.empty()) story += " as " + c.result;
    if (c.propagated) {
      story += " because it contains a detected object.";
    } else if (!c.scan_results.empty()) {
      story += " by " + c.scan_results.front().name + ".";
    } else {
      story += ".";
    }
  } else if (c.verdict == Verdict::Goodware) {
    story += " Classified goodware.";
  } else {
    story += " No threat found.";
  }
  return story;
}

}  // namespace

void record_yara_outcome(Entry& entry, YaraOutcome& outcome, std::string_view ruleset_id) {
  for (std::string& warning : outcome.warnings) entry.add_warning(std::move(warning));
  if (outcome.matches.empty()) return;
  entry.add_tag("yara-match");
  ScanResult best{std::string(kYaraScanner), "yara", Verdict::Unknown, 0, "", std::string(ruleset_id), false};
  for (size_t i = 0; i < outcome.matches.size(); ++i) {
    const RuleVerdict& rule = *outcome.verdicts[i];
    if (more_severe(rule.verdict, rule.factor, best.verdict, best.factor) ||
        (best.result.empty() && !rule.threat_name.empty() && rule.verdict == best.verdict && rule.factor == best.factor)) {
      best.verdict = rule.verdict;
      best.factor = rule.factor;
      best.result = rule.threat_name;
    }
    if (!rule.explicit_verdict) {
      entry.indicators.push_back(Indicator{kIndicatorYaraMatch, 4, kCategoryDetection,
                                           "Matched YARA rule " + outcome.matches[i].ns + ":" + outcome.matches[i].rule, 5,
                                           {{kCategoryDetection, "the rule states no verdict", false}}});
    }
  }
  entry.classification.scan_results.push_back(std::move(best));
  entry.yara_matches = std::move(outcome.matches);
}

void decide_verdicts(ReportModel& model) {
  for (size_t i = 0; i < model.size(); ++i) decide_own(model.at(i));
  // Children come after their parents: sweeping backwards finishes every subtree before its root.
  for (size_t i = model.size(); i-- > 1;) {
    const Entry& child = model.at(i);
    if (child.parent >= 0) propagate(child, model.at(static_cast<size_t>(child.parent)));
  }
  for (size_t i = 0; i < model.size(); ++i) model.at(i).story = describe(model.at(i));
}

}  // namespace assay
