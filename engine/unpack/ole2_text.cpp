// UTF-16LE and Windows-1252 to UTF-8 for the OLE2 readers (see ole2_text.h).
#include "unpack/ole2_text.h"

#include "util/utf8.h"

namespace assay {
namespace {

// Length of the well-formed UTF-8 sequence at `at` (1 for ASCII), or 0 when it is not one.
size_t utf8_sequence(std::string_view text, size_t at) {
  return static_cast<uint8_t>(text[at]) < 0x80 ? 1 : utf8_sequence_length(text, at);
}

char msi_character(uint32_t six_bits) {
  if (six_bits < 10) return static_cast<char>('0' + six_bits);
  if (six_bits < 36) return static_cast<char>('A' + six_bits - 10);
  if (six_bits < 62) return static_cast<char>('a' + six_bits - 36);
  return six_bits == 62 ? '.' : '_';
}

}  // namespace

std::string utf16le_to_utf8(ByteSpan units) {
  std::string out;
  out.reserve(units.size() / 2);
  const size_t count = units.size() / 2;
  for (size_t i = 0; i < count; ++i) {
    const uint16_t unit = *units.le16(2 * i);
    if (unit == 0) break;
    if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < count) {
      const uint16_t low = *units.le16(2 * (i + 1));
      if (low >= 0xdc00 && low < 0xe000) {
        append_utf8(out, 0x10000 + ((static_cast<uint32_t>(unit) - 0xd800) << 10) + (low - 0xdc00));
        ++i;
        continue;
      }
    }
    append_utf8(out, unit);  // a lone surrogate becomes U+FFFD there
  }
  return out;
}

std::string cp1252_to_utf8(ByteSpan bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) {
    const uint8_t byte = *bytes.u8(i);
    if (byte == 0) break;
    if (byte < 0x80) {
      out.push_back(static_cast<char>(byte));
    } else {
      append_utf8(out, byte < 0xa0 ? cp1252_high(byte).value_or(kReplacementCharacter) : byte);
    }
  }
  return out;
}

std::string codepage_to_utf8(ByteSpan bytes, int codepage) {
  if (codepage == 1200) return utf16le_to_utf8(bytes);
  if (codepage != 65001) return cp1252_to_utf8(bytes);
  std::string_view text = bytes.as_chars();
  text = text.substr(0, text.find('\0'));
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const size_t length = utf8_sequence(text, at);
    if (length == 0) {
      append_utf8(out, kReplacementCharacter);
      ++at;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

std::string msi_stream_name(std::string_view name) {
  std::string out;
  for (size_t at = 0; at < name.size();) {
    const size_t length = utf8_sequence(name, at);
    if (length == 0) {  // cannot happen for names this reader decoded; copied through regardless
      out.push_back(name[at++]);
      continue;
    }
    uint32_t cp = static_cast<uint8_t>(name[at]);
    if (length > 1) {
      cp &= 0x7fu >> length;
      for (size_t i = 1; i < length; ++i) cp = (cp << 6) | (static_cast<uint8_t>(name[at + i]) & 0x3fu);
    }
    if (cp >= 0x3800 && cp < 0x4800) {
      out.push_back(msi_character((cp - 0x3800) & 0x3f));
      out.push_back(msi_character(((cp - 0x3800) >> 6) & 0x3f));
    } else if (cp >= 0x4800 && cp < 0x4840) {
      out.push_back(msi_character(cp - 0x4800));
    } else if (cp == 0x4840) {
      out.push_back('!');
    } else {
      out.append(name.substr(at, length));
    }
    at += length;
  }
  return out;
}

}  // namespace assay
