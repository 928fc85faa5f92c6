// Charset conversion and RFC 2047 encoded-words; see mime_charset.h.
#include "unpack/mime_charset.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <cstdint>
#include <vector>

#include "unpack/mime_codecs.h"
#include "util/utf8.h"

namespace assay::mime {
namespace {

// Latin-1, or Windows-1252 (whose holes in 0x80..0x9f read as Latin-1), to UTF-8.
void append_single_byte(std::string& out, std::string_view bytes, bool cp1252) {
  for (const char ch : bytes) {
    const auto c = static_cast<uint8_t>(ch);
    if (const auto mapped = cp1252 ? cp1252_high(c) : std::nullopt) {
      append_utf8(out, *mapped);
    } else {
      append_utf8(out, c);
    }
  }
}

// UTF-8 kept where valid; each invalid byte read as Latin-1 (what a reader shows for stray 8-bit).
void append_utf8_or_latin1(std::string& out, std::string_view bytes) {
  for (size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<uint8_t>(bytes[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const size_t length = utf8_sequence_length(bytes, i);
    if (length == 0) {
      append_utf8(out, c);
      ++i;
    } else {
      out.append(bytes.substr(i, length));
      i += length;
    }
  }
}

// A charset label reduced to what iconv and our comparisons need: lower case, no RFC 2231 language
// suffix ("utf-8*en"), and only label characters, so hostile input never reaches iconv unfiltered.
std::string normalize_charset(std::string_view charset) {
  const size_t star = charset.find('*');
  if (star != std::string_view::npos) charset = charset.substr(0, star);
  std::string out;
  for (const char c : charset) {
    if (out.size() >= 40) return {};
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':') {
      out.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c != ' ' && c != '"') {
      return {};
    }
  }
  return out;
}

bool convert_with_iconv(std::string& out, std::string_view bytes, const std::string& charset) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::vector<char> buffer(bytes.size() * 4 + 16);
  char* in = const_cast<char*>(bytes.data());  // iconv's interface is not const-correct; it does not write
  size_t in_left = bytes.size();
  const size_t start = out.size();
  while (in_left > 0) {
    char* w = buffer.data();
    size_t w_left = buffer.size();
    const size_t result = iconv(cd, &in, &in_left, &w, &w_left);
    out.append(buffer.data(), buffer.size() - w_left);
    if (result != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) continue;
    // An invalid or truncated sequence: show that byte as Latin-1 and go on after it.
    append_utf8(out, static_cast<uint8_t>(*in));
    ++in;
    --in_left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset the shift state
  }
  iconv_close(cd);
  // A converter may emit anything; keep the promise of valid UTF-8.
  if (!is_valid_utf8(std::string_view(out).substr(start))) {
    std::string fixed;
    append_utf8_or_latin1(fixed, std::string_view(out).substr(start));
    out.resize(start);
    out += fixed;
  }
  return true;
}

void append_converted(std::string& out, std::string_view bytes, std::string_view charset_label) {
  const std::string charset = normalize_charset(charset_label);
  if (charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii" || charset == "ascii") {
    append_utf8_or_latin1(out, bytes);
  } else if (charset == "iso-8859-1" || charset == "latin1" || charset == "iso8859-1" || charset == "l1") {
    append_single_byte(out, bytes, false);
  } else if (charset == "windows-1252" || charset == "cp1252") {
    append_single_byte(out, bytes, true);
  } else if (!convert_with_iconv(out, bytes, charset)) {
    append_utf8_or_latin1(out, bytes);
  }
}

struct EncodedWord {
  std::string_view charset;
  std::string bytes;
  size_t end = 0;
};

bool is_blank_or_break(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr size_t kMaxCharsetLength = 64;
// RFC 2047 allows 75 characters per word; real mail sometimes has more. Up to this much text.
constexpr size_t kMaxWordText = 4096;

// "=?charset?B|Q?text?=" at `at`, or nothing. No whitespace inside a word. `clean_until` carries
// what earlier failed attempts learnt: from the last failed word's text up to there, no "?=" and
// no whitespace, so the search for a word's end resumes there and "=?=?=?..." costs linear time.
std::optional<EncodedWord> parse_encoded_word(std::string_view text, size_t at, size_t& clean_until) {
  size_t charset_end = at + 2;
  while (charset_end < text.size() && text[charset_end] != '?' && !is_blank_or_break(text[charset_end]) &&
         charset_end - at < kMaxCharsetLength) {
    ++charset_end;
  }
  if (charset_end == at + 2 || charset_end + 3 > text.size() || text[charset_end] != '?') return std::nullopt;
  const char encoding = text[charset_end + 1];
  if (text[charset_end + 2] != '?') return std::nullopt;
  const size_t data_start = charset_end + 3;
  size_t i = std::max(data_start, clean_until);
  for (;; ++i) {
    if (i >= text.size() || i - data_start >= kMaxWordText || is_blank_or_break(text[i])) {
      clean_until = i;
      return std::nullopt;
    }
    if (text[i] == '?' && i + 1 < text.size() && text[i + 1] == '=') break;
  }
  const size_t data_end = i;
  const std::string_view data = text.substr(data_start, data_end - data_start);
  const std::string_view charset = text.substr(at + 2, charset_end - at - 2);
  EncodedWord word;
  word.charset = charset;
  word.end = data_end + 2;
  if (encoding == 'B' || encoding == 'b') {
    const std::vector<uint8_t> decoded = decode_base64(data);
    word.bytes.assign(decoded.begin(), decoded.end());
  } else if (encoding == 'Q' || encoding == 'q') {
    word.bytes = decode_q_encoding(data);
  } else {
    return std::nullopt;
  }
  return word;
}

bool all_blank(std::string_view text) {
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  std::string out;
  out.reserve(bytes.size());
  append_converted(out, bytes, charset);
  return out;
}

std::string utf16le_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() / 2);
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    uint32_t unit = static_cast<uint8_t>(bytes[i]) | (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8);
    if (unit == 0) break;
    if (unit >= 0xd800 && unit <= 0xdbff && i + 3 < bytes.size()) {
      const uint32_t low = static_cast<uint8_t>(bytes[i + 2]) | (static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 3])) << 8);
      if (low >= 0xdc00 && low <= 0xdfff) {
        append_utf8(out, 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
        i += 2;
        continue;
      }
    }
    if (unit >= 0xd800 && unit <= 0xdfff) unit = 0xfffd;
    append_utf8(out, unit);
  }
  return out;
}

std::string decode_encoded_words(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::string pending;  // raw bytes of adjacent encoded-words in one charset, not yet converted
  std::string pending_charset;
  bool after_word = false;
  const auto flush = [&] {
    if (!pending.empty()) append_converted(out, pending, pending_charset);
    pending.clear();
  };
  size_t pos = 0;
  size_t clean_until = 0;
  while (pos < text.size()) {
    size_t at = text.find("=?", pos);
    std::optional<EncodedWord> word;
    while (at != std::string_view::npos && !(word = parse_encoded_word(text, at, clean_until))) {
      at = text.find("=?", at + 2);
    }
    const std::string_view gap = text.substr(pos, (word ? at : text.size()) - pos);
    if (!(after_word && word && all_blank(gap))) {
      flush();
      append_utf8_or_latin1(out, gap);
    }
    if (!word) break;
    const std::string charset = normalize_charset(word->charset);
    if (charset != pending_charset) {
      flush();
      pending_charset = charset;
    }
    pending += word->bytes;
    after_word = true;
    pos = word->end;
  }
  flush();
  return out;
}

void truncate_utf8(std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<uint8_t>(text[cut]) & 0xc0) == 0x80) --cut;  // not inside a character
  text.resize(cut);
}

std::string clean_name(std::string_view utf8, size_t max_bytes) {
  std::string out;
  out.reserve(utf8.size());
  for (const char c : utf8) {
    const auto u = static_cast<uint8_t>(c);
    out.push_back(u < 0x20 || u == 0x7f ? '_' : c);
  }
  const size_t first = out.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  out.erase(0, first);
  out.erase(out.find_last_not_of(" \t") + 1);
  truncate_utf8(out, max_bytes);
  return out;
}

}  // namespace assay::mime
