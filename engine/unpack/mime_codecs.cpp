// Base64, quoted-printable and uuencode decoding for mail; see mime_codecs.h.
#include "unpack/mime_codecs.h"

#include <array>
#include <cstring>

namespace assay::mime {
namespace {

constexpr uint8_t kSkip = 0xff;  // not in the alphabet: ignored
constexpr uint8_t kPad = 0xfe;   // '='

constexpr std::array<uint8_t, 256> make_values() {
  std::array<uint8_t, 256> values{};
  for (auto& v : values) v = kSkip;
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i) values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<uint8_t>(i);
  values['='] = kPad;
  return values;
}
constexpr std::array<uint8_t, 256> kValues = make_values();

// The fast path decodes a whole quantum with four lookups: each table holds the character's six
// bits already shifted into place, and any character outside the alphabet sets bit 24, so one
// comparison tells whether the quantum was clean.
constexpr uint32_t kBadQuantum = 1u << 24;
constexpr std::array<uint32_t, 256> make_shifted(int shift) {
  std::array<uint32_t, 256> table{};
  for (size_t c = 0; c < 256; ++c) table[c] = kValues[c] < 64 ? static_cast<uint32_t>(kValues[c]) << shift : kBadQuantum;
  return table;
}
constexpr std::array<uint32_t, 256> kShift18 = make_shifted(18);
constexpr std::array<uint32_t, 256> kShift12 = make_shifted(12);
constexpr std::array<uint32_t, 256> kShift6 = make_shifted(6);
constexpr std::array<uint32_t, 256> kShift0 = make_shifted(0);

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

void Base64Decoder::feed(std::string_view in, std::vector<uint8_t>& out) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const size_t n = in.size();
  // At most three bytes per four characters, counting the characters already held.
  const size_t start = out.size();
  out.resize(start + (n / 4 + 2) * 3);
  uint8_t* w = out.data() + start;
  size_t i = 0;
  while (i < n) {
    if (count_ == 0) {
      while (i + 4 <= n) {
        const uint32_t x = kShift18[p[i]] | kShift12[p[i + 1]] | kShift6[p[i + 2]] | kShift0[p[i + 3]];
        if (x >= kBadQuantum) break;
        w[0] = static_cast<uint8_t>(x >> 16);
        w[1] = static_cast<uint8_t>(x >> 8);
        w[2] = static_cast<uint8_t>(x);
        w += 3;
        i += 4;
      }
      if (i >= n) break;
    }
    const uint8_t v = kValues[p[i++]];
    if (v < 64) {
      bits_ = (bits_ << 6) | v;
      if (++count_ == 4) {
        w[0] = static_cast<uint8_t>(bits_ >> 16);
        w[1] = static_cast<uint8_t>(bits_ >> 8);
        w[2] = static_cast<uint8_t>(bits_);
        w += 3;
        bits_ = 0;
        count_ = 0;
      }
    } else if (v == kPad && count_ != 0) {
      if (count_ >= 2) *w++ = static_cast<uint8_t>(bits_ >> (count_ == 2 ? 4 : 10));
      if (count_ == 3) *w++ = static_cast<uint8_t>(bits_ >> 2);
      bits_ = 0;
      count_ = 0;
    }
  }
  out.resize(static_cast<size_t>(w - out.data()));
}

void Base64Decoder::finish(std::vector<uint8_t>& out) {
  if (count_ >= 2) out.push_back(static_cast<uint8_t>(bits_ >> (count_ == 2 ? 4 : 10)));
  if (count_ == 3) out.push_back(static_cast<uint8_t>(bits_ >> 2));
  bits_ = 0;
  count_ = 0;
}

std::vector<uint8_t> decode_base64(std::string_view in) {
  std::vector<uint8_t> out;
  Base64Decoder decoder;
  decoder.feed(in, out);
  decoder.finish(out);
  return out;
}

void decode_quoted_printable(std::string_view in, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  out.resize(start + in.size());
  uint8_t* w = out.data() + start;
  size_t i = 0;
  while (i < in.size()) {
    // Copy the run up to the next '=' in one go: most of a QP body is literal.
    const void* eq = std::memchr(in.data() + i, '=', in.size() - i);
    const size_t run_end = eq ? static_cast<size_t>(static_cast<const char*>(eq) - in.data()) : in.size();
    std::memcpy(w, in.data() + i, run_end - i);
    w += run_end - i;
    i = run_end;
    if (i >= in.size()) break;
    if (i + 2 < in.size()) {
      const int high = hex_value(in[i + 1]), low = hex_value(in[i + 2]);
      if (high >= 0 && low >= 0) {
        *w++ = static_cast<uint8_t>(high * 16 + low);
        i += 3;
        continue;
      }
    }
    // A soft line break: '=' then optional blanks, then CRLF, LF or a lone CR (or the input's end).
    size_t j = i + 1;
    while (j < in.size() && is_blank(in[j])) ++j;
    bool line_break = j >= in.size();
    if (j < in.size() && in[j] == '\r') {
      ++j;
      line_break = true;
    }
    if (j < in.size() && in[j] == '\n') {
      ++j;
      line_break = true;
    }
    if (line_break) {
      i = j;
    } else {
      *w++ = '=';
      ++i;
    }
  }
  out.resize(static_cast<size_t>(w - out.data()));
}

size_t qp_slice_end(std::string_view in, size_t wanted) {
  if (wanted >= in.size()) return in.size();
  constexpr size_t kLineWindow = 4096;
  const size_t newline = in.rfind('\n', wanted - 1);
  if (newline != std::string_view::npos && wanted - newline <= kLineWindow) return newline + 1;
  // No line break nearby (a very long line): cut before an '=' whose escape or soft break could
  // reach past the cut. Only blanks and a CR may sit between a soft-break '=' and its line break.
  size_t end = wanted;
  for (size_t k = wanted; k > 0 && wanted - k < 80; --k) {
    const char c = in[k - 1];
    if (c == '=') {
      end = k - 1;
      break;
    }
    if (!is_blank(c) && c != '\r' && wanted - k >= 2) break;
  }
  return end == 0 ? wanted : end;
}

std::string decode_q_encoding(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
               hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool decode_uu_line(std::string_view line, std::vector<uint8_t>& out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.empty()) return false;
  for (const char c : line) {
    if (c < ' ' || c > '`') return false;
  }
  const size_t length = static_cast<size_t>((line[0] - ' ') & 0x3f);
  const auto sextet = [&](size_t k) -> uint32_t {
    return k < line.size() ? static_cast<uint32_t>((line[k] - ' ') & 0x3f) : 0;  // missing: a stripped blank
  };
  size_t produced = 0;
  // Blanks stripped from the line's end are put back, but a group with no character left at all
  // ends the line: a short line never decodes to more bytes than it holds characters, plus one.
  for (size_t k = 1; produced < length && k < line.size(); k += 4) {
    const uint32_t x = (sextet(k) << 18) | (sextet(k + 1) << 12) | (sextet(k + 2) << 6) | sextet(k + 3);
    const uint8_t bytes[3] = {static_cast<uint8_t>(x >> 16), static_cast<uint8_t>(x >> 8), static_cast<uint8_t>(x)};
    for (size_t b = 0; b < 3 && produced < length; ++b, ++produced) out.push_back(bytes[b]);
  }
  return true;
}

namespace {

std::string_view line_at(std::string_view text, size_t pos, size_t& next) {
  const size_t newline = text.find('\n', pos);
  next = newline == std::string_view::npos ? text.size() : newline + 1;
  std::string_view line = text.substr(pos, next - pos);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// "begin 644 name" or "begin-base64 644 name": the mode is three or four octal digits.
std::optional<UuBlock> parse_begin_line(std::string_view line) {
  UuBlock block;
  std::string_view rest;
  if (line.starts_with("begin-base64 ")) {
    block.base64 = true;
    rest = line.substr(13);
  } else if (line.starts_with("begin ")) {
    rest = line.substr(6);
  } else {
    return std::nullopt;
  }
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '7') ++digits;
  if (digits < 3 || digits > 4 || digits >= rest.size() || rest[digits] != ' ') return std::nullopt;
  block.name = rest.substr(digits + 1);
  while (!block.name.empty() && is_blank(block.name.back())) block.name.remove_suffix(1);
  return block;
}

}  // namespace

std::optional<UuBlock> find_uu_block(std::string_view text, size_t from) {
  for (size_t at = text.find("begin", from); at != std::string_view::npos; at = text.find("begin", at + 5)) {
    if (at != 0 && text[at - 1] != '\n') continue;
    size_t next = 0;
    std::optional<UuBlock> block = parse_begin_line(line_at(text, at, next));
    if (!block) continue;
    block->begin = at;
    block->data_begin = next;
    block->data_end = text.size();
    block->end = text.size();
    const std::string_view terminator = block->base64 ? "====" : "end";
    for (size_t pos = next; pos < text.size();) {
      size_t after = 0;
      const std::string_view line = line_at(text, pos, after);
      if (line == terminator) {
        block->data_end = pos;
        block->end = after;
        break;
      }
      pos = after;
    }
    return block;
  }
  return std::nullopt;
}

}  // namespace assay::mime
