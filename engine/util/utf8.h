// util/utf8.h: the UTF-8 pieces every text reader shares (MIME headers, OLE2 names and properties,
// Office XML, the strings scan): checking a sequence, writing a code point, and Windows-1252's upper
// block. Malformed input is never an error here: callers decide between U+FFFD and a fallback.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace assay {

inline constexpr uint32_t kReplacementCharacter = 0xfffd;

// Length (2 to 4) of the well-formed UTF-8 multi-byte sequence starting at p[i]; 0 when p[i] is ASCII,
// a continuation byte, or starts an overlong, surrogate, out-of-range or truncated sequence.
size_t utf8_sequence_length(const uint8_t* p, size_t n, size_t i);
inline size_t utf8_sequence_length(std::string_view text, size_t i) {
  return utf8_sequence_length(reinterpret_cast<const uint8_t*>(text.data()), text.size(), i);
}

// Appends `code_point` as UTF-8; surrogates and values past U+10FFFF become U+FFFD.
void append_utf8(std::string& out, uint32_t code_point);

// Windows-1252's meaning of a byte in 0x80..0x9F (the rest of its upper half equals Latin-1);
// nothing for the five bytes it leaves undefined, or a byte outside that block.
std::optional<uint32_t> cp1252_high(uint8_t byte);

}  // namespace assay
