// The syntax behind interesting_strings (analyze/interesting_strings.cpp): character classes, host
// names that end in a known TLD, and the IPv4 and IPv6 text forms. Internal to analyze/.
//
// Thread-safety: constant tables and pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace assay::strings {

enum : uint8_t {
  kUrlChar = 1,     // may appear inside a URL run
  kDelimiter = 2,   // may bound a run: blanks, NUL, quotes, brackets, punctuation
  kPieceChar = 4,   // may appear inside an address or name piece
  kHostChar = 8,    // letters, digits, '-', '.'
  kHexChar = 16,
  kLetter = 32,
  kDigit = 64,
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    uint8_t k = 0;
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (letter) k |= kLetter;
    if (digit) k |= kDigit;
    if (letter || digit || c == '-' || c == '.') k |= kUrlChar | kPieceChar | kHostChar;
    if (c == '_' || c == '~' || c == '%' || c == '+' || c == ':' || c == '@') k |= kUrlChar | kPieceChar;
    if (c == '/' || c == '?' || c == '#' || c == '[' || c == ']' || c == '&' || c == '=') k |= kUrlChar;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) k |= kHexChar;
    classes[static_cast<size_t>(c)] = k;
  }
  for (const char c : std::string_view("\t\n\v\f\r \"'(),;!*$<>\\^`{|}")) classes[static_cast<uint8_t>(c)] |= kDelimiter;
  classes[0] |= kDelimiter;
  return classes;
}
inline constexpr std::array<uint8_t, 256> kClasses = make_classes();

inline bool has(char c, uint8_t mask) { return (kClasses[static_cast<uint8_t>(c)] & mask) != 0; }
inline bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
inline char lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// Runs and pieces are a few dozen bytes: plain loops beat a memchr call per lookup.
inline size_t index_of(std::string_view s, char c, size_t from = 0) {
  for (size_t i = from; i < s.size(); ++i) {
    if (s[i] == c) return i;
  }
  return std::string_view::npos;
}
inline size_t last_index_of(std::string_view s, char c) {
  for (size_t i = s.size(); i > 0; --i) {
    if (s[i - 1] == c) return i - 1;
  }
  return std::string_view::npos;
}

// ASCII case-insensitive equality with a lower-case word.
bool equals_lower(std::string_view text, std::string_view lower_word);

// A host name: labels of letters, digits and inner hyphens, ending in a known TLD (common generic
// TLDs and every two-letter country code). `strict` (text outside a URL) also asks for natural
// letter case and, for two labels, no file-extension ending and three characters or more before a
// country code.
bool valid_domain(std::string_view name, bool strict);

bool is_ipv4(std::string_view s);

// RFC 4291 text form: eight groups, or fewer with one "::", optionally ending in dotted IPv4.
// `plausible` (text outside brackets) also asks for two groups or more and a decimal digit, which
// keeps "Add::Bad"-style C++ and Perl names out.
bool is_ipv6(std::string_view s, bool plausible);

}  // namespace assay::strings
