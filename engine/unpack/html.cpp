// HTML pages: inline <script> bodies as children (layer "script", name "script-N", borrowed), data:
// URIs decoded (base64 or percent-encoding) as children (layer "data-uri", name "data-N", property
// media_type), and indicators for script obfuscation on the page itself: long encoded string literals,
// decoding fed to eval or Function, and document.write of decoded content.
//
// One linear pass with memchr over '<' finds the script elements (tag names case-insensitive,
// attribute values skipped so a '>' inside quotes does not end a tag); data: URIs are found from their
// ':' by looking back at "data". Bounded: kMaxScripts scripts, kMaxDataUris URIs, string literals are
// judged in one pass each; decoded bytes are charged to the Budget in chunks.
#include <algorithm>
#include <cstring>

#include "report/indicator_ids.h"
#include "unpack/formats.h"

namespace assay {
namespace {

constexpr size_t kMaxScripts = 1024;
constexpr size_t kMaxDataUris = 1024;
constexpr size_t kMaxMediaType = 128;
constexpr size_t kLongEncoded = 256;  // characters of one base64, hex or escaped string literal
constexpr size_t kMinEscapes = 32;    // escapes in one literal for it to count as escaped text
constexpr size_t kMaxReasons = 16;
constexpr size_t kChargeChunk = size_t{64} << 10;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ci(std::string_view text, size_t at, std::string_view word) {
  if (at > text.size() || word.size() > text.size() - at) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (lower(text[at + i]) != word[i]) return false;
  }
  return true;
}

size_t find_ci(std::string_view text, std::string_view word, size_t from) {
  while (from < text.size()) {
    const void* hit = std::memchr(text.data() + from, '<', text.size() - from);
    if (hit == nullptr) return std::string_view::npos;
    const size_t at = static_cast<size_t>(static_cast<const char*>(hit) - text.data());
    if (equals_ci(text, at, word)) return at;
    from = at + 1;
  }
  return std::string_view::npos;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'z'); }
bool is_base64(char c) { return is_alnum(c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_'; }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'f'); }

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Where the start tag that begins at `at` ends (just past its '>'), skipping quoted attribute values.
size_t end_of_tag(std::string_view text, size_t at) {
  char quote = 0;
  for (size_t i = at; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return text.size();
}

struct DataUri {
  std::string_view media_type;
  std::string_view payload;
  bool base64 = false;
};

// What a script's text shows, for the indicators.
struct ScriptFindings {
  std::vector<std::string> long_strings, decode_eval, write_decoded;
};

bool calls(std::string_view script, std::string_view name) {
  for (size_t at = script.find(name); at != std::string_view::npos; at = script.find(name, at + 1)) {
    if (at > 0 && (is_alnum(script[at - 1]) || script[at - 1] == '_')) continue;
    size_t after = at + name.size();
    while (after < script.size() && is_space(script[after])) ++after;
    if (after < script.size() && script[after] == '(') return true;
  }
  return false;
}

void judge_literals(std::string_view script, size_t index, ScriptFindings& found) {
  size_t i = 0;
  while (i < script.size() && found.long_strings.size() < kMaxReasons) {
    const char quote = script[i];
    if (quote != '"' && quote != '\'' && quote != '`') {
      ++i;
      continue;
    }
    size_t end = i + 1, escapes = 0;
    bool base64 = true, hex = true;
    while (end < script.size() && script[end] != quote && (quote == '`' || script[end] != '\n')) {
      const char c = script[end];
      if (c == '\\' || c == '%') {
        ++escapes;
        base64 = hex = false;
        if (c == '\\') ++end;  // the escaped character cannot close the literal
      } else {
        base64 = base64 && is_base64(c);
        hex = hex && is_hex(c);
      }
      ++end;
    }
    const size_t length = std::min(end, script.size()) - i - 1;
    if (length >= kLongEncoded) {
      const char* kind = hex                                               ? "hex"
                         : base64                                          ? "base64"
                         : escapes >= kMinEscapes && escapes * 3 >= length ? "escaped"
                                                                           : nullptr;
      if (kind != nullptr) {
        found.long_strings.push_back("script " + std::to_string(index) + ": " + kind + " string of " +
                                     std::to_string(length) + " characters");
      }
    }
    i = end + 1;
  }
}

void judge_script(std::string_view script, size_t index, ScriptFindings& found) {
  judge_literals(script, index, found);
  std::string decoders;
  for (const char* decoder : {"atob", "unescape", "decodeURIComponent", "decodeURI", "String.fromCharCode", "escape"}) {
    if (calls(script, decoder)) decoders += (decoders.empty() ? "" : ", ") + std::string(decoder);
  }
  if (decoders.empty()) return;
  std::string runners;
  for (const char* runner : {"eval", "Function", "setTimeout", "setInterval"}) {
    if (calls(script, runner)) runners += (runners.empty() ? "" : ", ") + std::string(runner);
  }
  // setTimeout and setInterval are everyday calls: they count only beside eval-like code.
  if ((calls(script, "eval") || calls(script, "Function")) && found.decode_eval.size() < kMaxReasons) {
    found.decode_eval.push_back("script " + std::to_string(index) + ": " + runners + " with " + decoders);
  }
  if ((calls(script, "document.write") || calls(script, "document.writeln")) &&
      found.write_decoded.size() < kMaxReasons) {
    found.write_decoded.push_back("script " + std::to_string(index) + ": document.write with " + decoders);
  }
}

class HtmlParts final : public Unpacker {
 public:
  explicit HtmlParts(ByteSpan bytes) : bytes_(bytes), text_(bytes.as_chars()) {
    find_scripts();
    find_data_uris();
  }

  void raise_indicators(Entry& entry) const {
    ScriptFindings found;
    for (size_t i = 0; i < scripts_.size(); ++i)
      judge_script(text_.substr(scripts_[i].first, scripts_[i].second), i, found);
    const auto raise = [&entry](uint32_t id, uint8_t priority, std::string description,
                                const std::vector<std::string>& reasons) {
      if (reasons.empty()) return;
      Indicator indicator{id, priority, kCategoryEvasion, std::move(description), 5, {}};
      for (const std::string& reason : reasons)
        indicator.reasons.push_back(IndicatorReason{kCategoryEvasion, reason, false});
      entry.indicators.push_back(std::move(indicator));
    };
    raise(kIndicatorHtmlLongEncodedString, 4, "A script holds long encoded strings", found.long_strings);
    raise(kIndicatorHtmlDecodeAndEval, 6, "A script evaluates decoded code", found.decode_eval);
    raise(kIndicatorHtmlWritesDecodedContent, 5, "A script writes decoded content into the page", found.write_decoded);
  }

  bool next(UnpackContext& ctx, Child& child) override {
    while (next_script_ < scripts_.size()) {
      const auto [offset, length] = scripts_[next_script_];
      child = Child{};
      child.layer = "script";
      child.name = "script-" + std::to_string(next_script_++);
      child.bytes = bytes_.sub(offset, length);
      return true;
    }
    while (next_uri_ < uris_.size()) {
      const DataUri& uri = uris_[next_uri_];
      child = Child{};
      std::optional<LimitKind> limit;
      decode(uri, child.owned, ctx, limit);
      const size_t index = next_uri_++;
      if (limit) {
        ctx.stop_on_limit(*limit, "data: URI " + std::to_string(index));
        if (ctx.budget.scan_stopped()) return false;
        continue;
      }
      if (child.owned.empty()) continue;
      child.layer = "data-uri";
      child.name = "data-" + std::to_string(index);
      child.bytes = ByteSpan(child.owned.data(), child.owned.size());
      if (!uri.media_type.empty()) child.properties.push_back(Property{"media_type", std::string(uri.media_type)});
      return true;
    }
    return false;
  }

 private:
  void find_scripts() {
    for (size_t at = find_ci(text_, "<script", 0); at != std::string_view::npos;
         at = find_ci(text_, "<script", at + 1)) {
      const char after = at + 7 < text_.size() ? text_[at + 7] : '>';
      if (!is_space(after) && after != '>' && after != '/') continue;  // <scripts>, <script-x>
      const size_t body = end_of_tag(text_, at + 7);
      if (body > 0 && text_[body - 1] == '>' && body >= 2 && text_[body - 2] == '/') continue;  // <script ... />
      size_t close = find_ci(text_, "</script", body);
      if (close == std::string_view::npos) close = text_.size();
      size_t first = body, last = close;
      while (first < last && is_space(text_[first])) ++first;
      while (last > first && is_space(text_[last - 1])) --last;
      if (last > first) {
        if (scripts_.size() == kMaxScripts) break;
        scripts_.emplace_back(body, close - body);
      }
      at = close == text_.size() ? close - 1 : close;
    }
  }

  void find_data_uris() {
    for (size_t from = 0; from < text_.size() && uris_.size() < kMaxDataUris;) {
      const void* hit = std::memchr(text_.data() + from, ':', text_.size() - from);
      if (hit == nullptr) break;
      const size_t colon = static_cast<size_t>(static_cast<const char*>(hit) - text_.data());
      from = colon + 1;
      if (colon < 4 || !equals_ci(text_, colon - 4, "data") || (colon > 4 && is_alnum(text_[colon - 5]))) continue;
      // Searched within the longest media type only, so a page of "data:" without commas stays linear.
      const size_t within = text_.substr(colon, kMaxMediaType + 2).find(',');
      if (within == std::string_view::npos) continue;
      const size_t comma = colon + within;
      DataUri uri;
      uri.media_type = text_.substr(colon + 1, comma - colon - 1);
      if (std::any_of(uri.media_type.begin(), uri.media_type.end(), [](char c) {
            return is_space(c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '(';
          })) {
        continue;
      }
      if (uri.media_type.size() >= 7 && equals_ci(uri.media_type, uri.media_type.size() - 7, ";base64")) {
        uri.base64 = true;
        uri.media_type.remove_suffix(7);
      }
      size_t end = comma + 1;
      while (end < text_.size() && text_[end] != '"' && text_[end] != '\'' && text_[end] != ')' && text_[end] != '<' &&
             text_[end] != '>' && !is_space(text_[end])) {
        ++end;
      }
      uri.payload = text_.substr(comma + 1, end - comma - 1);
      if (!uri.payload.empty()) uris_.push_back(uri);
      from = end;
    }
  }

  static void decode(const DataUri& uri, std::vector<uint8_t>& out, UnpackContext& ctx,
                     std::optional<LimitKind>& limit) {
    GrowthCharge charge(ctx.budget, out, limit);
    const std::string_view p = uri.payload;
    if (uri.base64) {
      uint32_t bits = 0;
      int count = 0;
      for (const char c : p) {
        const int v = base64_value(c);
        if (v < 0) continue;  // padding, whitespace and noise
        bits = (bits << 6) | static_cast<uint32_t>(v);
        if (++count == 4) {
          out.push_back(static_cast<uint8_t>(bits >> 16));
          out.push_back(static_cast<uint8_t>(bits >> 8));
          out.push_back(static_cast<uint8_t>(bits));
          bits = 0;
          count = 0;
          if (charge.uncharged() >= kChargeChunk && !charge()) return;
        }
      }
      if (count == 2) out.push_back(static_cast<uint8_t>(bits >> 4));
      if (count == 3) {
        out.push_back(static_cast<uint8_t>(bits >> 10));
        out.push_back(static_cast<uint8_t>(bits >> 2));
      }
    } else {
      for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '%' && i + 2 < p.size() && hex_value(p[i + 1]) >= 0 && hex_value(p[i + 2]) >= 0) {
          out.push_back(static_cast<uint8_t>(hex_value(p[i + 1]) * 16 + hex_value(p[i + 2])));
          i += 2;
        } else {
          out.push_back(static_cast<uint8_t>(p[i]));
        }
        if (charge.uncharged() >= kChargeChunk && !charge()) return;
      }
    }
    charge();
  }

  ByteSpan bytes_;
  std::string_view text_;
  std::vector<std::pair<size_t, size_t>> scripts_;  // offset and length of each non-blank body
  std::vector<DataUri> uris_;
  size_t next_script_ = 0, next_uri_ = 0;
};

}  // namespace

std::unique_ptr<Unpacker> unpack_html(ByteSpan bytes, UnpackContext& ctx) {
  auto parts = std::make_unique<HtmlParts>(bytes);
  parts->raise_indicators(ctx.container);
  return parts;
}

}  // namespace assay
