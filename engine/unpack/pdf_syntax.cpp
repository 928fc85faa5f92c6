// The PDF value parser and the text and date conversions (see pdf_syntax.h).
#include "unpack/pdf_syntax.h"

#include <cstdio>

namespace assay {

bool pdf_is_space(int c) { return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '; }

bool pdf_is_delimiter(int c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '/' ||
         c == '%';
}

namespace {

int hex_digit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_regular(int c) { return c >= 0 && !pdf_is_space(c) && !pdf_is_delimiter(c); }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

const PdfValue* PdfValue::get(std::string_view key) const {
  const PdfValue* found = nullptr;
  for (const auto& [name, value] : entries) {
    if (name == key) found = &value;
  }
  return found;
}

std::optional<int64_t> PdfValue::as_int() const {
  if (kind != PdfKind::Number || number < -9.0e15 || number > 9.0e15) return std::nullopt;
  return static_cast<int64_t>(number);
}

void PdfParser::skip_space() {
  while (pos_ < bytes_.size()) {
    const int c = bytes_.data()[pos_];
    if (pdf_is_space(c)) {
      ++pos_;
    } else if (c == '%') {
      while (pos_ < bytes_.size() && bytes_.data()[pos_] != '\n' && bytes_.data()[pos_] != '\r') ++pos_;
    } else {
      return;
    }
  }
}

std::string_view PdfParser::read_keyword() {
  const size_t start = pos_;
  while (is_regular(peek())) ++pos_;
  return bytes_.sub(start, pos_ - start).as_chars();
}

bool PdfParser::accept_keyword(std::string_view keyword) {
  skip_space();
  if (!bytes_.matches(pos_, keyword) || is_regular(bytes_.u8(pos_ + keyword.size()).value_or(' '))) return false;
  pos_ += keyword.size();
  return true;
}

std::optional<std::pair<double, bool>> PdfParser::read_number() {
  const size_t start = pos_;
  bool negative = false, seen_digit = false, seen_dot = false;
  if (peek() == '+' || peek() == '-') negative = bytes_.data()[pos_++] == '-';
  double value = 0, scale = 0.1;
  for (int c = peek(); (c >= '0' && c <= '9') || c == '.'; c = peek()) {
    ++pos_;
    if (c == '.') {
      if (seen_dot) break;
      seen_dot = true;
    } else if (!seen_dot) {
      seen_digit = true;
      value = value * 10 + (c - '0');
    } else {
      seen_digit = true;
      value += (c - '0') * scale;
      scale /= 10;
    }
  }
  if (!seen_digit) {
    pos_ = start;
    return std::nullopt;
  }
  return std::make_pair(negative ? -value : value, !seen_dot);
}

std::string PdfParser::read_name() {
  ++pos_;  // the slash
  std::string name;
  while (is_regular(peek())) {
    const int c = bytes_.data()[pos_++];
    const int hi = hex_digit(bytes_.u8(pos_).value_or(0)), lo = hex_digit(bytes_.u8(pos_ + 1).value_or(0));
    if (c == '#' && hi >= 0 && lo >= 0) {
      name += static_cast<char>(hi * 16 + lo);
      pos_ += 2;
    } else {
      name += static_cast<char>(c);
    }
  }
  return name;
}

std::string PdfParser::read_literal() {
  ++pos_;  // the opening parenthesis
  std::string text;
  int depth = 1;
  while (pos_ < bytes_.size()) {
    const int c = bytes_.data()[pos_++];
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (--depth == 0) return text;
    } else if (c == '\\') {
      const int e = peek();
      if (e < 0) break;
      ++pos_;
      switch (e) {
        case 'n':
          text += '\n';
          continue;
        case 'r':
          text += '\r';
          continue;
        case 't':
          text += '\t';
          continue;
        case 'b':
          text += '\b';
          continue;
        case 'f':
          text += '\f';
          continue;
        case '\r':
          if (peek() == '\n') ++pos_;
          continue;
        case '\n':
          continue;
        default:
          break;
      }
      if (e >= '0' && e <= '7') {
        int code = e - '0';
        for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i) code = code * 8 + (bytes_.data()[pos_++] - '0');
        text += static_cast<char>(code & 0xFF);
      } else {
        text += static_cast<char>(e);  // \( \) \\ and unknown escapes stand for the character itself
      }
      continue;
    }
    text += static_cast<char>(c);
  }
  return text;  // unterminated: what there was
}

std::string PdfParser::read_hex() {
  ++pos_;  // '<'
  std::string text;
  int pending = -1;
  while (pos_ < bytes_.size()) {
    const int c = bytes_.data()[pos_++];
    if (c == '>') break;
    const int d = hex_digit(c);
    if (d < 0) continue;  // whitespace and noise
    if (pending < 0) {
      pending = d;
    } else {
      text += static_cast<char>(pending * 16 + d);
      pending = -1;
    }
  }
  if (pending >= 0) text += static_cast<char>(pending * 16);  // an odd final digit is followed by 0
  return text;
}

PdfValue PdfParser::parse_value(int depth) {
  PdfValue value;
  skip_space();
  if (nodes_.remaining == 0 || pos_ >= bytes_.size()) return value;
  --nodes_.remaining;
  const int c = peek();
  if (c == '/') {
    value.kind = PdfKind::Name;
    value.text = read_name();
  } else if (c == '(') {
    value.kind = PdfKind::String;
    value.text = read_literal();
  } else if (c == '<' && bytes_.u8(pos_ + 1) == '<') {
    pos_ += 2;
    value.kind = PdfKind::Dict;
    if (depth >= kMaxPdfDepth) return value;
    while (nodes_.remaining > 0) {
      skip_space();
      const int k = peek();
      if (k < 0) break;
      if (k == '>') {
        pos_ += bytes_.u8(pos_ + 1) == '>' ? 2 : 1;
        break;
      }
      if (k != '/') {
        // Not a key: a stray token. Skip it as a value; a keyword (endobj, stream) ends the dictionary.
        const size_t before = pos_;
        parse_value(depth + 1);
        if (pos_ == before) break;
        continue;
      }
      std::string key = read_name();
      skip_space();
      const bool keep = value.entries.size() < kMaxPdfContainerItems;
      if (peek() == '>') {
        if (keep) value.entries.emplace_back(std::move(key), PdfValue{});
        continue;
      }
      const size_t before = pos_;
      PdfValue item = parse_value(depth + 1);
      if (keep) value.entries.emplace_back(std::move(key), std::move(item));
      if (pos_ == before) break;  // a keyword where a value should be: the dictionary is cut short
    }
    value.entries.shrink_to_fit();
  } else if (c == '<') {
    value.kind = PdfKind::String;
    value.text = read_hex();
  } else if (c == '[') {
    ++pos_;
    value.kind = PdfKind::Array;
    if (depth >= kMaxPdfDepth) return value;
    while (nodes_.remaining > 0) {
      skip_space();
      if (peek() == ']') {
        ++pos_;
        break;
      }
      const size_t before = pos_;
      PdfValue item = parse_value(depth + 1);
      if (pos_ == before) break;
      if (value.items.size() < kMaxPdfContainerItems) value.items.push_back(std::move(item));
    }
    value.items.shrink_to_fit();  // a tree of many small containers: no spare capacity
  } else if (c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9')) {
    const auto number = read_number();
    if (!number) {
      ++pos_;  // a lone sign or dot: skip it
      return value;
    }
    value.kind = PdfKind::Number;
    value.number = number->first;
    value.integer = number->second;
    // "N G R" is a reference: look ahead without committing.
    if (value.integer && value.number >= 0 && value.number < 4294967296.0) {
      const size_t after_first = pos_;
      skip_space();
      const auto gen = read_number();
      if (gen && gen->second && gen->first >= 0 && gen->first < 65536 && accept_keyword("R")) {
        value.kind = PdfKind::Ref;
        value.ref_num = static_cast<uint32_t>(value.number);
        value.ref_gen = static_cast<uint32_t>(gen->first);
      } else {
        pos_ = after_first;
      }
    }
  } else if (c == ')' || c == '>' || c == ']' || c == '{' || c == '}') {
    ++pos_;  // stray delimiter
  } else {
    const size_t start = pos_;
    const std::string_view word = read_keyword();
    if (word == "true" || word == "false") {
      value.kind = PdfKind::Bool;
      value.boolean = word == "true";
    } else if (word != "null") {
      pos_ = start;  // not a value: leave it for the caller
      ++nodes_.remaining;
    }
  }
  return value;
}

std::string pdf_text_to_utf8(std::string_view bytes) {
  std::string out;
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0xFE && static_cast<uint8_t>(bytes[1]) == 0xFF) {
    for (size_t i = 2; i + 1 < bytes.size(); i += 2) {
      uint32_t unit = (static_cast<uint8_t>(bytes[i]) << 8) | static_cast<uint8_t>(bytes[i + 1]);
      if (unit >= 0xD800 && unit < 0xDC00 && i + 3 < bytes.size()) {
        const uint32_t low = (static_cast<uint8_t>(bytes[i + 2]) << 8) | static_cast<uint8_t>(bytes[i + 3]);
        if (low >= 0xDC00 && low < 0xE000) {
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          i += 2;
        }
      }
      if (unit >= 0xD800 && unit < 0xE000) unit = 0xFFFD;
      append_utf8(out, unit);
    }
    return out;
  }
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  for (const char ch : bytes) append_utf8(out, static_cast<uint8_t>(ch));
  return out;
}

std::optional<std::string> pdf_date_to_iso8601(std::string_view date) {
  if (date.substr(0, 2) == "D:") date.remove_prefix(2);
  const auto digits = [&](size_t at, size_t count, int fallback) -> std::optional<int> {
    if (at >= date.size()) return fallback;
    if (at + count > date.size()) return std::nullopt;
    int value = 0;
    for (size_t i = at; i < at + count; ++i) {
      if (date[i] < '0' || date[i] > '9') return std::nullopt;
      value = value * 10 + (date[i] - '0');
    }
    return value;
  };
  if (date.size() < 4) return std::nullopt;
  const auto year = digits(0, 4, 0), month = digits(4, 2, 1), day = digits(6, 2, 1);
  const auto hour = digits(8, 2, 0), minute = digits(10, 2, 0), second = digits(12, 2, 0);
  if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12 || *day < 1 || *day > 31 ||
      *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  int64_t offset_minutes = 0;
  if (date.size() > 14 && (date[14] == '+' || date[14] == '-')) {
    const auto zone_hours = digits(15, 2, 0);
    const auto zone_minutes = date.size() > 18 ? digits(18, 2, 0) : std::optional<int>(0);
    if (zone_hours && zone_minutes) offset_minutes = (date[14] == '+' ? 1 : -1) * (*zone_hours * 60 + *zone_minutes);
  }
  // Days from the civil date (Howard Hinnant's algorithm), then back, to apply the zone offset.
  const int64_t y = *year - (*month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (*month + (*month > 2 ? -3 : 9)) + 2) / 5 + *day - 1;
  const int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_minutes * 60;
  int64_t d = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  const int64_t rem = seconds - d * 86400;
  d += 719468;
  const int64_t e = (d >= 0 ? d : d - 146096) / 146097;
  const int64_t de = d - e * 146097;
  const int64_t ye = (de - de / 1460 + de / 36524 - de / 146096) / 365;
  const int64_t dy = de - (365 * ye + ye / 4 - ye / 100);
  const int64_t mp = (5 * dy + 2) / 153;
  const int64_t dd = dy - (153 * mp + 2) / 5 + 1;
  const int64_t mm = mp < 10 ? mp + 3 : mp - 9;
  const int64_t yy = ye + e * 400 + (mm <= 2 ? 1 : 0);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(yy),
                static_cast<long long>(mm), static_cast<long long>(dd), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  return std::string(buffer);
}

}  // namespace assay
