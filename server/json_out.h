// json_out.h: a small streaming JSON writer for the Worker's responses.
//
// Strings from clients (file names, tokens, headers, URLs) may hold any bytes. JSON must be valid
// UTF-8, so every string goes through escape(): control characters become \u escapes and invalid
// UTF-8 sequences become U+FFFD, byte by byte. Fragments that are already JSON (the engine's
// rendered tc_report, a custom_data the upload handler validated) are inserted raw.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace worker {

// Appends `s` to `out` as a quoted JSON string.
inline void json_escape(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: copy it only when it is well-formed UTF-8 (no overlongs, no
    // surrogates, nothing past U+10FFFF); otherwise one replacement character per bad byte.
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) ok = false;
      else cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if (ok && len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ok = false;
    if (ok && len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ok = false;
    if (ok) {
      out.append(reinterpret_cast<const char*>(p + i), len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  out.push_back('"');
}

// Builds one JSON document; commas are placed by the writer, so callers only say what comes next.
class JsonOut {
 public:
  JsonOut& begin_object() { separate(); out_.push_back('{'); first_.push_back(true); return *this; }
  JsonOut& end_object() { out_.push_back('}'); first_.pop_back(); return *this; }
  JsonOut& begin_array() { separate(); out_.push_back('['); first_.push_back(true); return *this; }
  JsonOut& end_array() { out_.push_back(']'); first_.pop_back(); return *this; }

  JsonOut& key(std::string_view k) {
    separate();
    json_escape(out_, k);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonOut& value(std::string_view s) { separate(); json_escape(out_, s); return *this; }
  JsonOut& value(const char* s) { return value(std::string_view(s)); }
  JsonOut& value(int64_t v) { separate(); out_ += std::to_string(v); return *this; }
  JsonOut& value(uint64_t v) { separate(); out_ += std::to_string(v); return *this; }
  JsonOut& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonOut& value(bool v) { separate(); out_ += v ? "true" : "false"; return *this; }
  JsonOut& null() { separate(); out_ += "null"; return *this; }
  // A fragment the caller knows to be valid JSON.
  JsonOut& raw(std::string_view json) { separate(); out_.append(json); return *this; }

  JsonOut& field(std::string_view k, std::string_view v) { return key(k).value(v); }
  JsonOut& field(std::string_view k, const char* v) { return key(k).value(v); }
  JsonOut& field(std::string_view k, int64_t v) { return key(k).value(v); }
  JsonOut& field(std::string_view k, bool v) { return key(k).value(v); }
  JsonOut& string_array(std::string_view k, const std::vector<std::string>& values) {
    key(k).begin_array();
    for (const std::string& v : values) value(v);
    return end_array();
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }
  void reserve(size_t n) { out_.reserve(n); }

 private:
  // A value directly after its key needs no comma; any other item after a sibling does.
  void separate() {
    if (after_key_) { after_key_ = false; return; }
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

// {"message": "..."}: the body of every error response.
inline std::string json_message(std::string_view message) {
  JsonOut j;
  j.begin_object().field("message", message).end_object();
  return j.take();
}

}  // namespace worker
