#include "classify/yara_matcher.h"

#include <yara.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <new>
#include <string>

namespace assay {
namespace {

struct CallbackState {
  const RuleSet* rules;
  YaraOutcome* out;
};

YaraMatch describe_match(YR_SCAN_CONTEXT* context, const YR_RULE* rule) {
  YaraMatch match;
  match.rule = rule->identifier;
  match.ns = rule->ns->name;
  const char* tag = nullptr;
  yr_rule_tags_foreach(rule, tag) { match.tags.emplace_back(tag); }
  const YR_META* meta = nullptr;
  yr_rule_metas_foreach(rule, meta) {
    if (meta->type == META_TYPE_INTEGER) {
      match.meta.emplace_back(meta->identifier, static_cast<int64_t>(meta->integer));
    } else if (meta->type == META_TYPE_BOOLEAN) {
      match.meta.emplace_back(meta->identifier, meta->integer != 0);
    } else {
      match.meta.emplace_back(meta->identifier, std::string(meta->string != nullptr ? meta->string : ""));
    }
  }
  const YR_STRING* string = nullptr;
  yr_rule_strings_foreach(rule, string) {
    size_t kept = 0;
    // libyara keeps each string's matches ordered by offset, so the first ones kept are the earliest.
    // libyara 4.2 places YR_MATCH records at unaligned addresses (its notebook allocator does not
    // round sizes up), so each record is copied out before any field is read: reading in place is
    // undefined behaviour, and a bus error on strict-alignment CPUs.
    const void* at = context->matches[string->idx].head;
    while (at != nullptr && kept < YaraMatcher::kMaxMatchesPerString) {
      YR_MATCH hit;
      std::memcpy(&hit, at, sizeof hit);
      at = hit.next;
      if (hit.is_private) continue;
      ++kept;
      YaraString found{string->identifier, static_cast<uint64_t>(hit.base + hit.offset),
                       static_cast<uint32_t>(hit.match_length), {}};
      if (hit.data != nullptr && hit.data_length > 0) {
        const size_t copied = std::min<size_t>(static_cast<size_t>(hit.data_length), YaraString::kMaxData);
        found.data.assign(hit.data, hit.data + copied);
      }
      match.strings.push_back(std::move(found));
    }
  }
  std::sort(match.strings.begin(), match.strings.end(), [](const YaraString& a, const YaraString& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.identifier < b.identifier;
  });
  return match;
}

int on_scan_message(YR_SCAN_CONTEXT* context, int message, void* data, void* user_data) {
  auto* state = static_cast<CallbackState*>(user_data);
  if (message == CALLBACK_MSG_RULE_MATCHING) {
    const auto* rule = static_cast<const YR_RULE*>(data);
    state->out->matches.push_back(describe_match(context, rule));
    state->out->verdicts.push_back(&state->rules->verdict_of(rule));
  } else if (message == CALLBACK_MSG_TOO_MANY_MATCHES) {
    const auto* string = static_cast<const YR_STRING*>(data);
    state->out->warnings.push_back(std::string("yara: too many matches for string ") + string->identifier +
                                   "; later matches of it were dropped");
  }
  return CALLBACK_CONTINUE;
}

std::string dotted_extension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  std::string ext(name.substr(dot));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

}  // namespace

YaraMatcher::~YaraMatcher() {
  for (YR_SCANNER* scanner : scanners_) yr_scanner_destroy(scanner);
}

void YaraMatcher::bind(const std::shared_ptr<const RuleSet>& rules) {
  if (rules_ == rules) return;
  for (YR_SCANNER* scanner : scanners_) yr_scanner_destroy(scanner);
  scanners_.clear();
  rules_ = rules;  // releases the previous set (after its scanners are gone)
  if (!rules_) return;
  for (YR_RULES* compiled : rules_->compiled()) {
    YR_SCANNER* scanner = nullptr;
    if (yr_scanner_create(compiled, &scanner) != ERROR_SUCCESS) throw std::bad_alloc();
    scanners_.push_back(scanner);
  }
}

void YaraMatcher::scan(const std::shared_ptr<const RuleSet>& rules, ByteSpan bytes, const Entry& entry,
                       std::chrono::steady_clock::time_point deadline, YaraOutcome& out) {
  bind(rules);
  if (!rules_ || scanners_.empty()) return;
  const FormatInfo& format = format_info(entry.format);
  const std::string extension = dotted_extension(entry.file_name);
  const std::string file_type(format.file_type);
  const std::string file_subtype(format.file_subtype);
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - std::chrono::steady_clock::now());
  // libyara counts whole seconds; never pass 0, which means "no timeout".
  const int timeout_seconds = static_cast<int>(std::max<int64_t>(1, left.count() + 1));

  CallbackState state{rules_.get(), &out};
  for (YR_SCANNER* scanner : scanners_) {
    // Precompiled rules may not declare every external; defining an unknown one fails harmlessly.
    yr_scanner_define_string_variable(scanner, "filename", entry.file_name.c_str());
    yr_scanner_define_string_variable(scanner, "filepath", entry.file_path.c_str());
    yr_scanner_define_string_variable(scanner, "extension", extension.c_str());
    yr_scanner_define_string_variable(scanner, "filetype", file_type.c_str());
    yr_scanner_define_string_variable(scanner, "filesubtype", file_subtype.c_str());
    yr_scanner_define_string_variable(scanner, "owner", "");
    yr_scanner_set_callback(scanner, on_scan_message, &state);
    yr_scanner_set_timeout(scanner, timeout_seconds);
    yr_scanner_set_flags(scanner, SCAN_FLAGS_REPORT_RULES_MATCHING);
    static const uint8_t kNothing = 0;
    const int status = yr_scanner_scan_mem(scanner, bytes.empty() ? &kNothing : bytes.data(), bytes.size());
    if (status == ERROR_SCAN_TIMEOUT) {
      out.warnings.push_back("yara: scan timed out; matches found until then are kept");
    } else if (status == ERROR_TOO_MANY_MATCHES) {
      out.warnings.push_back("yara: too many matches; matches found until then are kept");
    } else if (status != ERROR_SUCCESS) {
      out.warnings.push_back("yara: scan failed with libyara error " + std::to_string(status));
    }
  }
}

}  // namespace assay
