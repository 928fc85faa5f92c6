// The bounded XML tag scanner of office_xml.h.
#include "analyze/office_xml.h"

#include <cstdint>

#include "unpack/ole2_text.h"

namespace assay {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Skips a construct that starts at `at` with `open` and ends with `close`; npos when it never ends.
size_t skip_past(std::string_view xml, size_t at, std::string_view close) {
  const size_t end = xml.find(close, at);
  return end == std::string_view::npos ? end : end + close.size();
}

}  // namespace

bool XmlScanner::next(XmlTag& tag) {
  while (at_ < xml_.size()) {
    const size_t open = xml_.find('<', at_);
    if (open == std::string_view::npos) break;
    const std::string_view rest = xml_.substr(open);
    size_t after = std::string_view::npos;
    if (rest.starts_with("<!--")) {
      after = skip_past(xml_, open + 4, "-->");
    } else if (rest.starts_with("<![CDATA[")) {
      after = skip_past(xml_, open + 9, "]]>");
    } else if (rest.starts_with("<?")) {
      after = skip_past(xml_, open + 2, "?>");
    } else if (rest.starts_with("<!")) {
      after = skip_past(xml_, open + 2, ">");
    } else {
      // Attribute values may hold '>' only when quoted; find the '>' outside quotes.
      char quote = 0;
      size_t close = open + 1;
      for (; close < xml_.size(); ++close) {
        const char c = xml_[close];
        if (quote != 0) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '>') {
          break;
        }
      }
      if (close >= xml_.size()) break;
      std::string_view inside = xml_.substr(open + 1, close - open - 1);
      tag = XmlTag{};
      if (!inside.empty() && inside.front() == '/') {
        tag.closing = true;
        inside.remove_prefix(1);
      }
      if (!inside.empty() && inside.back() == '/') {
        tag.self_closing = true;
        inside.remove_suffix(1);
      }
      size_t name_end = 0;
      while (name_end < inside.size() && !is_space(inside[name_end])) ++name_end;
      tag.name = inside.substr(0, name_end);
      tag.attributes = inside.substr(name_end);
      at_ = close + 1;
      const size_t text_end = xml_.find('<', at_);
      tag.text = xml_.substr(at_, (text_end == std::string_view::npos ? xml_.size() : text_end) - at_);
      return true;
    }
    if (after == std::string_view::npos) break;
    at_ = after;
  }
  at_ = xml_.size();
  return false;
}

std::string_view xml_local_name(std::string_view qualified) {
  const size_t colon = qualified.rfind(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

std::optional<std::string> xml_attribute(std::string_view attributes, std::string_view name) {
  const bool by_local_name = name.find(':') == std::string_view::npos;
  size_t at = 0;
  while (at < attributes.size()) {
    while (at < attributes.size() && is_space(attributes[at])) ++at;
    const size_t name_start = at;
    while (at < attributes.size() && attributes[at] != '=' && !is_space(attributes[at])) ++at;
    const std::string_view found = attributes.substr(name_start, at - name_start);
    while (at < attributes.size() && is_space(attributes[at])) ++at;
    if (at >= attributes.size() || attributes[at] != '=') return std::nullopt;  // malformed: stop
    ++at;
    while (at < attributes.size() && is_space(attributes[at])) ++at;
    if (at >= attributes.size() || (attributes[at] != '"' && attributes[at] != '\'')) return std::nullopt;
    const char quote = attributes[at++];
    const size_t value_end = attributes.find(quote, at);
    if (value_end == std::string_view::npos) return std::nullopt;
    const std::string_view value = attributes.substr(at, value_end - at);
    at = value_end + 1;
    if (found == name || (by_local_name && xml_local_name(found) == name)) return xml_text(value, 8192);
  }
  return std::nullopt;
}

std::string xml_text(std::string_view raw, size_t max_bytes) {
  raw = trim(raw);
  std::string out;
  for (size_t at = 0; at < raw.size() && out.size() < max_bytes;) {
    if (raw[at] != '&') {
      out.push_back(raw[at++]);
      continue;
    }
    const size_t semicolon = raw.find(';', at);
    const std::string_view entity =
        semicolon == std::string_view::npos || semicolon - at > 12 ? std::string_view() : raw.substr(at + 1, semicolon - at - 1);
    static constexpr std::pair<std::string_view, char> kNamed[] = {
        {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
    bool decoded = false;
    for (const auto& [name, c] : kNamed) {
      if (entity == name) {
        out.push_back(c);
        decoded = true;
      }
    }
    if (!decoded && entity.size() >= 2 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      uint32_t code = 0;
      bool digits = entity.size() > (hex ? 2u : 1u);
      for (size_t i = hex ? 2 : 1; i < entity.size() && digits; ++i) {
        const char c = entity[i];
        const int digit = c >= '0' && c <= '9'                 ? c - '0'
                          : hex && c >= 'a' && c <= 'f'        ? c - 'a' + 10
                          : hex && c >= 'A' && c <= 'F'        ? c - 'A' + 10
                                                               : -1;
        if (digit < 0 || code > 0x10ffff) digits = false;
        else code = code * (hex ? 16 : 10) + static_cast<uint32_t>(digit);
      }
      if (digits) {
        append_utf8(out, code);
        decoded = true;
      }
    }
    if (decoded) {
      at = semicolon + 1;
    } else {
      out.push_back(raw[at++]);  // a bare '&': kept as written
    }
  }
  if (out.size() > max_bytes) {
    // Cut at a character boundary: drop a partial UTF-8 sequence left at the end.
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<uint8_t>(out[cut]) & 0xc0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

}  // namespace assay
