// Internal to identify/: the pieces of sniff_format() that live in sniff_text.cpp.
//
// content_sniffer.cpp owns the dispatch and every binary format; sniff_text.cpp owns the decision
// "is this text?" and the classification of text. Nothing outside identify/ should include this.
#pragma once

#include <cstddef>
#include <string_view>

#include "identify/file_format.h"
#include "util/checked_reader.h"

namespace assay::sniff {

// The text heuristics look at no more than this many leading bytes, so a multi-gigabyte log costs
// the same as a 4 KiB one.
inline constexpr size_t kTextPrefix = 4096;

// Classifies the leading bytes as one of the text formats (Email ... PlainText), or returns Unknown
// when they do not look like text. `name` only breaks ties between scripts without a shebang.
FileFormat sniff_text(ByteSpan bytes, std::string_view name);

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive (ASCII only) comparisons; `pattern` is expected in lower case.
constexpr bool starts_with_ci(std::string_view text, std::string_view pattern) {
  if (text.size() < pattern.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (ascii_lower(text[i]) != pattern[i]) return false;
  }
  return true;
}
constexpr bool equals_ci(std::string_view text, std::string_view pattern) {
  return text.size() == pattern.size() && starts_with_ci(text, pattern);
}

}  // namespace assay::sniff
