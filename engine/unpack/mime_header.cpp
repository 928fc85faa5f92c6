// Header blocks, structured MIME fields and address lists; see mime_header.h.
#include "unpack/mime_header.h"

#include <algorithm>

#include "unpack/mime_charset.h"

namespace assay::mime {
namespace {

constexpr size_t kMaxParams = 64;
constexpr size_t kMaxSections = 64;  // RFC 2231 continuations of one parameter
constexpr size_t kMaxParamBytes = 8192;  // of one raw parameter value; longer ones are cut

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// A field name: printable ASCII without ':' (RFC 5322 ftext), blanks before the colon tolerated.
bool is_field_name(std::string_view name) {
  while (!name.empty() && is_blank(name.back())) name.remove_suffix(1);
  if (name.empty()) return false;
  for (const char c : name) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// Skips blanks and (nested, escaped) comments from `pos`.
size_t skip_cfws(std::string_view s, size_t pos) {
  while (pos < s.size()) {
    if (is_space(s[pos])) {
      ++pos;
    } else if (s[pos] == '(') {
      int depth = 0;
      for (; pos < s.size(); ++pos) {
        if (s[pos] == '\\') {
          ++pos;
        } else if (s[pos] == '(') {
          ++depth;
        } else if (s[pos] == ')' && --depth == 0) {
          ++pos;
          break;
        }
      }
    } else {
      break;
    }
  }
  return pos;
}

// A quoted string starting at s[pos] == '"'; returns its content unescaped and moves `pos` past it.
std::string read_quoted(std::string_view s, size_t& pos) {
  std::string out;
  for (++pos; pos < s.size(); ++pos) {
    if (s[pos] == '\\' && pos + 1 < s.size()) {
      out.push_back(s[++pos]);
    } else if (s[pos] == '"') {
      ++pos;
      break;
    } else {
      out.push_back(s[pos]);
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

struct RawParam {
  std::string name;  // lower case, as written ("filename*1*")
  std::string value;
};

// One RFC 2231 section: name*N or name*N* (extended: percent-encoded, charset in section 0).
struct Section {
  size_t index = 0;
  bool extended = false;
  std::string value;
};

std::string join_sections(std::vector<Section>& sections) {
  std::stable_sort(sections.begin(), sections.end(), [](const Section& a, const Section& b) { return a.index < b.index; });
  std::string charset, bytes;
  for (size_t i = 0; i < sections.size(); ++i) {
    std::string_view value = sections[i].value;
    if (!sections[i].extended) {
      bytes += value;
      continue;
    }
    if (i == 0) {  // charset'language'data
      const size_t first = value.find('\'');
      const size_t second = first == std::string_view::npos ? first : value.find('\'', first + 1);
      if (second != std::string_view::npos) {
        charset = std::string(value.substr(0, first));
        value = value.substr(second + 1);
      }
    }
    bytes += percent_decode(value);
  }
  return to_utf8(bytes, charset);
}

// Joins RFC 2231 parameters ("filename*0*=utf-8''a%C3%A9; filename*1=.txt") and decodes the rest.
std::vector<std::pair<std::string, std::string>> decode_params(std::vector<RawParam>& raw) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::pair<std::string, std::vector<Section>>> continued;
  for (RawParam& p : raw) {
    const size_t star = p.name.find('*');
    if (star == std::string::npos || star == 0) {
      out.emplace_back(p.name, p.value.find("=?") != std::string::npos ? decode_encoded_words(p.value)
                                                                        : to_utf8(p.value, "utf-8"));
      continue;
    }
    const std::string base = p.name.substr(0, star);
    std::string_view rest = std::string_view(p.name).substr(star + 1);
    Section section;
    if (rest.empty()) {
      section.extended = true;
    } else {
      size_t digits = 0;
      while (digits < rest.size() && digits < 6 && rest[digits] >= '0' && rest[digits] <= '9') {
        section.index = section.index * 10 + static_cast<size_t>(rest[digits] - '0');
        ++digits;
      }
      if (digits == 0 || !(rest.size() == digits || (rest.size() == digits + 1 && rest[digits] == '*'))) {
        out.emplace_back(p.name, to_utf8(p.value, "utf-8"));  // not a 2231 name after all
        continue;
      }
      section.extended = rest.size() == digits + 1;
    }
    section.value = std::move(p.value);
    auto group = std::find_if(continued.begin(), continued.end(), [&](const auto& g) { return g.first == base; });
    if (group == continued.end()) {
      continued.emplace_back(base, std::vector<Section>{});
      group = continued.end() - 1;
    }
    if (group->second.size() < kMaxSections) group->second.push_back(std::move(section));
  }
  for (auto& group : continued) {  // (not a structured binding: clang 14 cannot capture those)
    std::string value = join_sections(group.second);
    auto existing = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == group.first; });
    if (existing != out.end()) {
      existing->second = std::move(value);  // the RFC 2231 form wins over a plain duplicate
    } else {
      out.emplace_back(group.first, std::move(value));
    }
  }
  return out;
}

// The display name of a mailbox: quoted strings unquoted, comments dropped, encoded-words decoded,
// blanks collapsed.
std::string display_name(std::string_view s) {
  std::string raw;
  for (size_t pos = 0; pos < s.size();) {
    if (s[pos] == '"') {
      raw += read_quoted(s, pos);
    } else if (s[pos] == '(') {
      const size_t after = skip_cfws(s, pos);
      pos = after > pos ? after : pos + 1;
      raw.push_back(' ');
    } else {
      raw.push_back(s[pos++]);
    }
  }
  const std::string decoded = decode_encoded_words(raw);
  std::string out;
  for (const char c : decoded) {
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// An address as written, without comments and blanks; a source route ("@a,@b:user@x") dropped.
std::string bare_address(std::string_view s) {
  std::string out;
  for (size_t pos = 0; pos < s.size();) {
    if (s[pos] == '(') {
      const size_t after = skip_cfws(s, pos);
      pos = after > pos ? after : pos + 1;
    } else if (s[pos] == '"') {
      const size_t start = pos;
      read_quoted(s, pos);
      out.append(s.substr(start, pos - start));
    } else {
      if (!is_space(s[pos])) out.push_back(s[pos]);
      ++pos;
    }
  }
  const size_t colon = out.rfind(':');
  if (!out.empty() && out.front() == '@' && colon != std::string::npos) out.erase(0, colon + 1);
  return to_utf8(out, "utf-8");
}

Mailbox parse_mailbox(std::string_view item) {
  Mailbox mailbox;
  bool in_quote = false;
  int comment = 0;
  for (size_t i = 0; i < item.size(); ++i) {
    const char c = item[i];
    if (c == '\\') {
      ++i;
    } else if (in_quote) {
      in_quote = c != '"';
    } else if (c == '"' && comment == 0) {
      in_quote = true;
    } else if (c == '(') {
      ++comment;
    } else if (c == ')' && comment > 0) {
      --comment;
    } else if (c == '<' && comment == 0) {
      const size_t close = item.find('>', i + 1);
      mailbox.address = bare_address(item.substr(i + 1, (close == std::string_view::npos ? item.size() : close) - i - 1));
      mailbox.name = display_name(item.substr(0, i));
      return mailbox;
    }
  }
  mailbox.address = bare_address(item);
  return mailbox;
}

}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

const HeaderField* HeaderBlock::find(std::string_view name) const {
  for (const HeaderField& field : fields) {
    if (equals_ignore_case(field.name, name)) return &field;
  }
  return nullptr;
}

HeaderBlock parse_header_block(std::string_view entity, size_t max_fields) {
  HeaderBlock block;
  size_t pos = 0;
  bool have_field = false;  // a field was read (stored or dropped), so continuations extend it
  size_t value_start = 0;
  while (pos < entity.size()) {
    const size_t newline = entity.find('\n', pos);
    const size_t line_end = newline == std::string_view::npos ? entity.size() : newline;
    const size_t next = newline == std::string_view::npos ? entity.size() : newline + 1;
    std::string_view line = entity.substr(pos, line_end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      block.body_offset = next;
      return block;
    }
    if (is_blank(line.front())) {
      if (!have_field) break;  // a continuation of nothing: the body starts here
      if (!block.fields_dropped) block.fields.back().raw_value = entity.substr(value_start, line_end - value_start);
      pos = next;
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_field_name(line.substr(0, colon))) {
      if (pos == 0 && line.starts_with("From ")) {  // an mbox separator or Unix "From " line
        pos = next;
        continue;
      }
      block.missing_separator = true;
      break;
    }
    have_field = true;
    value_start = pos + colon + 1;
    if (block.fields.size() < max_fields) {
      std::string_view name = line.substr(0, colon);
      while (!name.empty() && is_blank(name.back())) name.remove_suffix(1);
      block.fields.push_back(HeaderField{name, entity.substr(value_start, line_end - value_start)});
    } else {
      block.fields_dropped = true;
    }
    pos = next;
  }
  block.body_offset = pos;
  return block;
}

std::string unfold(std::string_view raw_value) {
  std::string out;
  out.reserve(raw_value.size());
  for (const char c : raw_value) {
    if (c != '\r' && c != '\n') out.push_back(c);
  }
  // Leading blanks go; trailing ones are part of an unstructured value (RFC 5322 3.2.5), as Python keeps them.
  const size_t first = out.find_first_not_of(" \t");
  return first == std::string::npos ? std::string() : out.substr(first);
}

std::string decode_text_field(std::string_view raw_value) { return decode_encoded_words(unfold(raw_value)); }

const std::string* StructuredField::param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

StructuredField parse_structured_field(std::string_view raw_value) {
  const std::string text = unfold(raw_value);
  const std::string_view s = text;
  StructuredField field;
  size_t pos = skip_cfws(s, 0);
  while (pos < s.size() && s[pos] != ';') {
    if (s[pos] == '(') {
      pos = std::max(skip_cfws(s, pos), pos + 1);
      continue;
    }
    if (!is_space(s[pos])) field.value.push_back(s[pos]);
    ++pos;
  }
  field.value = lower_ascii(field.value);
  std::vector<RawParam> raw;
  while (pos < s.size() && raw.size() < kMaxParams) {
    pos = skip_cfws(s, pos + 1);  // past the ';'
    const size_t name_start = pos;
    while (pos < s.size() && s[pos] != '=' && s[pos] != ';') ++pos;
    const std::string_view name = trim(s.substr(name_start, pos - name_start));
    if (pos >= s.size() || s[pos] == ';') continue;
    pos = skip_cfws(s, pos + 1);  // past the '='
    RawParam param{lower_ascii(name), {}};
    if (pos < s.size() && s[pos] == '"') {
      param.value = read_quoted(s, pos);
      while (pos < s.size() && s[pos] != ';') ++pos;  // anything after the closing quote
    } else {
      const size_t value_start = pos;
      while (pos < s.size() && s[pos] != ';') ++pos;
      param.value = std::string(trim(s.substr(value_start, pos - value_start)));
    }
    if (param.value.size() > kMaxParamBytes) param.value.resize(kMaxParamBytes);
    if (!param.name.empty()) raw.push_back(std::move(param));
  }
  field.params = decode_params(raw);
  return field;
}

std::vector<Mailbox> parse_address_list(std::string_view raw_value, size_t max) {
  const std::string text = unfold(raw_value);
  const std::string_view s = text;
  std::vector<Mailbox> out;
  size_t item_start = 0;
  bool in_quote = false, in_angle = false, has_at = false;
  int comment = 0;
  const auto emit = [&](size_t end) {
    const std::string_view item = trim(s.substr(item_start, end - item_start));
    if (!item.empty() && out.size() < max) {
      Mailbox mailbox = parse_mailbox(item);
      if (!mailbox.address.empty()) out.push_back(std::move(mailbox));
    }
    item_start = end + 1;
    has_at = false;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (in_quote) {
      in_quote = c != '"';
    } else if (comment > 0) {
      if (c == '(') ++comment;
      if (c == ')') --comment;
    } else if (c == '"') {
      in_quote = true;
    } else if (c == '(') {
      comment = 1;
    } else if (c == '<') {
      in_angle = true;
    } else if (c == '>') {
      in_angle = false;
    } else if (in_angle) {
      continue;
    } else if (c == '@') {
      has_at = true;
    } else if (c == ',' || c == ';') {
      emit(i);
    } else if (c == ':' && !has_at) {
      item_start = i + 1;  // "group name:" opens a group; its members follow
    }
  }
  emit(s.size());
  return out;
}

}  // namespace assay::mime
