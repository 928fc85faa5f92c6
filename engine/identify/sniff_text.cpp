// Text sniffing: "is this text?" on a bounded prefix, then which text format.
//
// Strong markers (shebang, <?php, <?xml, HTML tags, mail headers, JSON syntax) win over the file
// name; the name then breaks ties for scripts that carry no marker; content hints come last and need
// more than one weak clue, so that English prose stays PlainText. Nothing here allocates: UTF-16 text
// is narrowed into a stack buffer, everything else is a string_view over the input's prefix.

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <optional>
#include <string_view>

#include "identify/sniff_internal.h"

namespace assay::sniff {
namespace {

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_ident(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }

// Control characters that do not occur in text; \t \n \r \f and ESC (ANSI colours) do.
constexpr bool is_binary_control(uint32_t c) {
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1b) || c == 0x7f;
}

size_t skip_space(std::string_view t, size_t pos) {
  while (pos < t.size() && is_space(t[pos])) ++pos;
  return pos;
}

std::string_view first_line(std::string_view t) {
  std::string_view line = t.substr(0, t.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

// ---- Text or binary -------------------------------------------------------------------------------

constexpr size_t kCutOff = SIZE_MAX;

// Length of the valid UTF-8 sequence whose lead byte (>= 0x80) is t[pos]; 0 when invalid, kCutOff
// when the sequence runs past the end of `t`. Rejects overlongs, surrogates and values past U+10FFFF.
size_t utf8_sequence(std::string_view t, size_t pos) {
  const auto lead = static_cast<unsigned char>(t[pos]);
  size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;  // allowed range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  for (size_t k = 1; k < length; ++k) {
    if (pos + k >= t.size()) return kCutOff;
    const auto c = static_cast<unsigned char>(t[pos + k]);
    if (k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xbf)) return 0;
  }
  return length;
}

// Per-byte class for the text test, so plain ASCII costs one lookup and one predictable branch.
enum TextClass : uint8_t { kPlain, kControl, kHigh };
constexpr std::array<uint8_t, 256> make_text_classes() {
  std::array<uint8_t, 256> classes{};
  for (uint32_t c = 0; c < 256; ++c) {
    classes[c] = c >= 0x80 ? kHigh : is_binary_control(c) ? kControl : kPlain;
  }
  return classes;
}
constexpr std::array<uint8_t, 256> kTextClasses = make_text_classes();

// Text: no NUL, at most ~3% stray control characters, and at most 1/8 of bytes outside valid UTF-8
// (so Latin-1 prose still counts, random bytes do not). `cut`: the prefix stops before the input.
bool looks_like_text(std::string_view t, bool cut) {
  if (t.find('\0') != std::string_view::npos) return false;  // memchr: most binaries stop here at once
  const size_t max_controls = t.size() / 32, max_invalid = t.size() / 8;
  size_t controls = 0, invalid = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const uint8_t text_class = kTextClasses[static_cast<unsigned char>(t[i])];
    if (text_class == kPlain) continue;
    if (text_class == kControl) {
      if (++controls > max_controls) return false;
      continue;
    }
    const size_t length = utf8_sequence(t, i);
    if (length == kCutOff) {
      if (!cut) ++invalid;  // a character split by our own prefix bound is not evidence
      break;
    }
    if (length == 0) {
      if (++invalid > max_invalid) return false;
      continue;
    }
    i += length - 1;
  }
  return controls <= max_controls && invalid <= max_invalid;
}

using NarrowBuffer = std::array<char, kTextPrefix / 2>;

// The ASCII view of UTF-16 text (after its BOM): units above 0x7f become '?', which is enough for
// markers and hints, all ASCII. nullopt when the units do not look like text.
std::optional<std::string_view> narrow_utf16(ByteSpan units, bool big_endian, NarrowBuffer& out) {
  size_t n = 0, controls = 0;
  for (size_t offset = 0; n < out.size(); offset += 2) {
    const auto unit = big_endian ? units.be16(offset) : units.le16(offset);
    if (!unit) break;
    if (*unit == 0) return std::nullopt;
    if (is_binary_control(*unit)) ++controls;
    out[n++] = *unit < 0x80 ? static_cast<char>(*unit) : '?';
  }
  if (controls * 32 > n) return std::nullopt;
  return std::string_view(out.data(), n);
}

// ---- Scripts with a shebang -----------------------------------------------------------------------

std::string_view basename_of(std::string_view path) {
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The next blank-separated word of `line` from `pos`, advancing `pos` past it.
std::string_view next_word(std::string_view line, size_t& pos) {
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  const size_t start = pos;
  while (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') ++pos;
  return line.substr(start, pos - start);
}

// True when `program` is `base` or a versioned or suffixed variant of it: "python3.11", "bash5",
// "perl5.36-x86_64-linux-gnu", "python3-dbg".
bool names_interpreter(std::string_view program, std::string_view base) {
  if (!program.starts_with(base)) return false;
  if (program.size() == base.size()) return true;
  const char next = program[base.size()];
  return is_digit(next) || next == '.' || next == '-';
}

FileFormat from_interpreter(std::string_view program) {
  struct Interpreter {
    std::string_view name;
    FileFormat format;
  };
  static constexpr Interpreter kInterpreters[] = {
      {"sh", FileFormat::ShellScript},       {"bash", FileFormat::ShellScript},
      {"dash", FileFormat::ShellScript},     {"zsh", FileFormat::ShellScript},
      {"ksh", FileFormat::ShellScript},      {"ash", FileFormat::ShellScript},
      {"mksh", FileFormat::ShellScript},     {"python", FileFormat::PythonScript},
      {"pypy", FileFormat::PythonScript},    {"perl", FileFormat::PerlScript},
      {"ruby", FileFormat::RubyScript},      {"php", FileFormat::PhpScript},
      {"node", FileFormat::NodeScript},      {"nodejs", FileFormat::NodeScript},
      {"pwsh", FileFormat::PowerShell},      {"powershell", FileFormat::PowerShell},
  };
  for (const Interpreter& interpreter : kInterpreters) {
    if (names_interpreter(program, interpreter.name)) return interpreter.format;
  }
  return FileFormat::Unknown;
}

// `line` is the first line, starting with "#!". Handles "#!/usr/bin/env [-S] [VAR=value] program".
FileFormat from_shebang(std::string_view line) {
  size_t pos = 2;
  const std::string_view program = basename_of(next_word(line, pos));
  if (program != "env") return from_interpreter(program);
  for (int i = 0; i < 4; ++i) {
    const std::string_view word = next_word(line, pos);
    if (word.empty()) break;
    if (word.front() == '-' || word.find('=') != std::string_view::npos) continue;  // options, assignments
    return from_interpreter(basename_of(word));
  }
  return FileFormat::Unknown;
}

// ---- Markup, mail, JSON ---------------------------------------------------------------------------

bool contains_ci(std::string_view t, std::string_view pattern) {
  const char first = pattern.front();
  for (size_t at = t.find(first); at != std::string_view::npos; at = t.find(first, at + 1)) {
    if (starts_with_ci(t.substr(at), pattern)) return true;
  }
  return false;
}

bool tag_ends_at(std::string_view t, size_t pos) {
  return pos >= t.size() || is_space(t[pos]) || t[pos] == '>' || t[pos] == '/';
}

// `t` starts at the first non-blank character.
bool looks_like_html(std::string_view t) {
  // Saved pages often start with a comment ("<!-- saved from url=... -->"): skip a few.
  for (int i = 0; i < 4 && t.starts_with("<!--"); ++i) {
    const size_t end = t.find("-->", 4);
    if (end == std::string_view::npos) return false;
    t = t.substr(skip_space(t, end + 3));
  }
  if (starts_with_ci(t, "<!doctype html")) return tag_ends_at(t, 14);
  static constexpr std::string_view kTags[] = {"<html",   "<head", "<body",  "<script",
                                               "<iframe", "<meta", "<title", "<style"};
  for (const std::string_view tag : kTags) {
    if (starts_with_ci(t, tag) && tag_ends_at(t, tag.size())) return true;
  }
  return false;
}

bool is_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// "From sender Thu Jul 22 20:37:55 1999": an mbox separator ends with the year, unlike prose.
bool is_mbox_separator(std::string_view line) {
  if (!line.starts_with("From ") || line.size() < 10) return false;
  const std::string_view year = line.substr(line.size() - 5);
  return year[0] == ' ' && std::all_of(year.begin() + 1, year.end(), is_digit);
}

// Mail: the text opens with a header block of at least two "Name: value" lines, one of them a header
// only mail carries. An mbox "From " separator line counts as such a header.
bool looks_like_email(std::string_view t) {
  static constexpr std::string_view kMailHeaders[] = {"received",   "return-path", "from",
                                                      "mime-version", "message-id", "delivered-to",
                                                      "dkim-signature", "x-mailer", "authentication-results",
                                                      "arc-seal", "x-received", "received-spf", "in-reply-to"};
  size_t headers = 0;
  bool mail_header = false;
  size_t pos = 0;
  if (is_mbox_separator(first_line(t))) {
    headers = 1;
    mail_header = true;
    pos = std::min(t.find('\n'), t.size() - 1) + 1;
  }
  for (int line_number = 0; line_number < 64 && pos < t.size(); ++line_number) {
    const size_t end = std::min(t.find('\n', pos), t.size());
    std::string_view line = t.substr(pos, end - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    pos = end + 1;
    if (line.empty()) break;  // end of the header block
    if (line.front() == ' ' || line.front() == '\t') {
      if (headers == 0) return false;
      continue;  // folded continuation of the previous header
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_header_name(line.substr(0, colon))) break;
    ++headers;
    for (const std::string_view known : kMailHeaders) {
      mail_header = mail_header || equals_ci(line.substr(0, colon), known);
    }
  }
  return headers >= 2 && mail_header;
}

// Outcome of scanning one JSON token: where it ends, or why it could not be read.
enum class Scan { Ok, Bad, OutOfInput };

Scan scan_json_string(std::string_view t, size_t& pos) {
  for (++pos; pos < t.size(); ++pos) {
    const char c = t[pos];
    if (c == '"') {
      ++pos;
      return Scan::Ok;
    }
    if (static_cast<unsigned char>(c) < 0x20) return Scan::Bad;
    if (c == '\\') {
      if (++pos >= t.size()) return Scan::OutOfInput;
      if (std::string_view("\"\\/bfnrtu").find(t[pos]) == std::string_view::npos) return Scan::Bad;
    }
  }
  return Scan::OutOfInput;
}

Scan scan_json_scalar(std::string_view t, size_t& pos) {
  const size_t start = pos;
  const auto scalar_char = [](char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '+' || c == '.';
  };
  while (pos < t.size() && scalar_char(t[pos])) ++pos;
  const std::string_view token = t.substr(start, pos - start);
  if (pos >= t.size()) {  // cut by the prefix bound: accept any prefix of a plausible token
    return (std::string_view("true").starts_with(token) || std::string_view("false").starts_with(token) ||
            std::string_view("null").starts_with(token) || is_digit(token.front()) || token.front() == '-')
               ? Scan::OutOfInput
               : Scan::Bad;
  }
  if (token == "true" || token == "false" || token == "null") return Scan::Ok;
  if (token.empty() || !(is_digit(token.front()) || token.front() == '-')) return Scan::Bad;
  for (const char c : token) {
    if (is_alpha(c) && c != 'e' && c != 'E') return Scan::Bad;
  }
  return Scan::Ok;
}

// A syntax check of JSON (or JSON Lines) over the bounded prefix. `t` starts at the first non-blank
// character. True when the prefix is a complete document, or is cut by the bound with no error yet.
bool looks_like_json(std::string_view t, bool cut) {
  enum class Want { Value, ValueOrClose, Key, KeyOrClose, Colon, CommaOrClose };
  std::array<char, 64> open{};  // the '{' or '[' of each enclosing level
  size_t depth = 0;
  size_t pos = 0;
  bool complete = false;  // at least one top-level document closed
  Want want = Want::Value;
  const auto close = [&] {
    --depth;
    ++pos;
    complete = complete || depth == 0;
    want = depth == 0 ? Want::Value : Want::CommaOrClose;
  };
  while (true) {
    pos = skip_space(t, pos);
    if (pos >= t.size()) return depth == 0 ? complete : cut;
    const char c = t[pos];
    Scan scan = Scan::Ok;
    switch (want) {
      case Want::ValueOrClose:
        if (c == ']') {
          close();
          continue;
        }
        [[fallthrough]];
      case Want::Value:
        if (c == '{' || c == '[') {
          if (depth == open.size()) return true;  // 64 levels of valid JSON: convinced
          open[depth++] = c;
          ++pos;
          want = c == '{' ? Want::KeyOrClose : Want::ValueOrClose;
          continue;
        }
        if (depth == 0) return false;  // a document is an object or an array
        scan = c == '"' ? scan_json_string(t, pos) : scan_json_scalar(t, pos);
        want = Want::CommaOrClose;
        break;
      case Want::KeyOrClose:
        if (c == '}') {
          close();
          continue;
        }
        [[fallthrough]];
      case Want::Key:
        if (c != '"') return false;
        scan = scan_json_string(t, pos);
        want = Want::Colon;
        break;
      case Want::Colon:
        if (c != ':') return false;
        ++pos;
        want = Want::Value;
        continue;
      case Want::CommaOrClose:
        if (c == ',') {
          ++pos;
          want = open[depth - 1] == '{' ? Want::Key : Want::Value;
        } else if ((c == '}' && open[depth - 1] == '{') || (c == ']' && open[depth - 1] == '[')) {
          close();
        } else {
          return false;
        }
        continue;
    }
    if (scan == Scan::Bad) return false;
    if (scan == Scan::OutOfInput) return cut;
  }
}

// ---- Scripts without a marker ---------------------------------------------------------------------

FileFormat from_extension(std::string_view name) {
  const std::string_view base = basename_of(name);
  const size_t dot = base.rfind('.');
  if (dot == std::string_view::npos) return FileFormat::Unknown;
  const std::string_view extension = base.substr(dot + 1);
  struct Rule {
    std::string_view extension;
    FileFormat format;
  };
  static constexpr Rule kRules[] = {
      {"ps1", FileFormat::PowerShell},  {"psm1", FileFormat::PowerShell}, {"vbs", FileFormat::VbScript},
      {"vbe", FileFormat::VbScript},    {"js", FileFormat::JavaScript},   {"jse", FileFormat::JavaScript},
      {"mjs", FileFormat::JavaScript},  {"cjs", FileFormat::JavaScript},  {"bat", FileFormat::Batch},
      {"cmd", FileFormat::Batch},       {"sh", FileFormat::ShellScript},  {"bash", FileFormat::ShellScript},
      {"py", FileFormat::PythonScript}, {"pyw", FileFormat::PythonScript}, {"pl", FileFormat::PerlScript},
      {"rb", FileFormat::RubyScript},   {"php", FileFormat::PhpScript},
  };
  for (const Rule& rule : kRules) {
    if (equals_ci(extension, rule.extension)) return rule.format;
  }
  return FileFormat::Unknown;
}

enum Lang : uint8_t { kBatch = 1, kPowerShell = 2, kVbs = 4, kJs = 8 };

// What must follow a hint for it to count; keeps English words ("function of", "var") from scoring.
// What must surround a hint for it to count; keeps English words ("function of", "let me") and other
// languages (Perl's "key => value", C's "const int") from scoring.
enum class Follow : uint8_t {
  Nothing,
  Paren,         // "param (" / "param("
  Assignment,    // "var x =", "Set x =" (not "==")
  FunctionCall,  // "function f(" / "function("
  AfterParen,    // "(x) =>": an arrow right after a parameter list
};

struct Hint {
  std::string_view text;  // lower case when ignore_case
  uint8_t langs;
  uint8_t weight;
  bool line_start;   // only as the first word of a line
  bool ignore_case;  // Batch, PowerShell and VBScript are case-insensitive; JavaScript is not
  Follow follow = Follow::Nothing;
};

// A language needs a score of 2: one strong hint, or two weak ones.
constexpr Hint kHints[] = {
    {"@echo off", kBatch, 2, true, true},
    {"%~dp0", kBatch, 2, false, true},
    {"goto :eof", kBatch, 2, false, true},
    {"param", kPowerShell, 2, true, true, Follow::Paren},
    {"[cmdletbinding", kPowerShell, 2, false, true},
    {"write-host", kPowerShell, 2, false, true},
    {"$env:", kPowerShell, 2, false, true},
    {"invoke-expression", kPowerShell, 2, false, true},
    {"new-object ", kPowerShell, 2, false, true},
    {"-executionpolicy", kPowerShell, 2, false, true},
    {"on error resume next", kVbs, 2, true, true},
    {"end sub", kVbs, 2, true, true},
    {"end function", kVbs, 2, true, true},
    {"dim ", kVbs, 1, true, true},
    {"set ", kVbs, 1, true, true, Follow::Assignment},
    {"createobject(", kVbs | kJs, 1, false, true},  // WSH: VBScript, and JScript as WScript.CreateObject
    {"wscript.", kVbs | kJs, 1, false, true},
    {"function", kJs, 1, false, false, Follow::FunctionCall},
    {"var ", kJs, 1, false, false, Follow::Assignment},
    {"const ", kJs, 1, false, false, Follow::Assignment},
    {"let ", kJs, 1, false, false, Follow::Assignment},
    {"=>", kJs, 1, false, false, Follow::AfterParen},
    {"eval(", kJs, 1, false, false},  // Perl, PHP and Python have it too
    {"atob(", kJs, 1, false, false},
    {"document.write", kJs, 2, false, false},
    {"document.getElementBy", kJs, 2, false, false},
    {"document.createElement(", kJs, 2, false, false},
    {"window.location", kJs, 2, false, false},
    {"console.log(", kJs, 2, false, false},
    {"new activexobject(", kJs, 2, false, true},
    {"string.fromcharcode(", kJs, 2, false, true},
};
static_assert(std::size(kHints) <= 32, "hint sets are 32-bit masks");

// For each byte, the hints that can start with it (both cases for case-insensitive hints), so the
// scan below costs one table lookup per byte.
constexpr std::array<uint32_t, 256> make_first_byte_index() {
  std::array<uint32_t, 256> index{};
  for (size_t i = 0; i < std::size(kHints); ++i) {
    const char first = kHints[i].text[0];
    index[static_cast<unsigned char>(first)] |= 1u << i;
    if (kHints[i].ignore_case && first >= 'a' && first <= 'z') {
      index[static_cast<unsigned char>(first - 'a' + 'A')] |= 1u << i;
    }
  }
  return index;
}
constexpr std::array<uint32_t, 256> kHintsByFirstByte = make_first_byte_index();

constexpr uint32_t make_non_word_hints() {
  uint32_t mask = 0;
  for (size_t i = 0; i < std::size(kHints); ++i) {
    if (!is_ident(kHints[i].text[0])) mask |= 1u << i;
  }
  return mask;
}
constexpr uint32_t kNonWordHints = make_non_word_hints();

// True when only blanks precede `pos` on its line.
bool at_line_start(std::string_view t, size_t pos) {
  while (pos > 0 && (t[pos - 1] == ' ' || t[pos - 1] == '\t')) --pos;
  return pos == 0 || t[pos - 1] == '\n' || t[pos - 1] == '\r';
}

// `start` is where the hint begins in `t`, `pos` just after it.
bool follow_ok(std::string_view t, size_t start, size_t pos, Follow follow) {
  const auto skip_blanks = [&] {
    while (pos < t.size() && (t[pos] == ' ' || t[pos] == '\t')) ++pos;
  };
  const auto skip_identifier = [&] {
    const size_t from = pos;
    while (pos < t.size() && (is_ident(t[pos]) || t[pos] == '$')) ++pos;
    return pos > from;
  };
  switch (follow) {
    case Follow::Nothing: return true;
    case Follow::Paren: skip_blanks(); return pos < t.size() && t[pos] == '(';
    case Follow::Assignment:
      skip_blanks();
      if (!skip_identifier()) return false;
      skip_blanks();
      return pos < t.size() && t[pos] == '=' && (pos + 1 >= t.size() || t[pos + 1] != '=');
    case Follow::FunctionCall:
      if (pos < t.size() && is_ident(t[pos])) return false;  // "functions", "functional"
      skip_blanks();
      skip_identifier();
      skip_blanks();
      return pos < t.size() && t[pos] == '(';
    case Follow::AfterParen:
      while (start > 0 && (t[start - 1] == ' ' || t[start - 1] == '\t')) --start;
      return start > 0 && t[start - 1] == ')';
  }
  return false;
}

bool hint_matches(std::string_view t, size_t pos, const Hint& hint) {
  const std::string_view rest = t.substr(pos);
  // Cheap rejection on the second byte before the full comparison (every hint is 2+ bytes long).
  if (rest.size() < hint.text.size() || (hint.ignore_case ? ascii_lower(rest[1]) : rest[1]) != hint.text[1]) {
    return false;
  }
  const bool text_ok = hint.ignore_case ? starts_with_ci(rest, hint.text) : rest.starts_with(hint.text);
  return text_ok && follow_ok(t, pos, pos + hint.text.size(), hint.follow);
}

// One pass over the prefix, looking up hints by their first byte at word starts.
FileFormat from_content_hints(std::string_view t) {
  std::array<int, 4> scores{};  // indexed by the bit number of Lang
  uint32_t seen = 0;            // each hint counts once
  bool after_ident = false;
  for (size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    // Inside a word, or after a '.' ("self.document"), only hints not starting with a word character
    // may begin.
    uint32_t candidates = kHintsByFirstByte[static_cast<unsigned char>(c)] & ~seen &
                          (after_ident ? kNonWordHints : ~uint32_t{0});
    after_ident = is_ident(c) || c == '.';
    if (candidates == 0) continue;
    for (; candidates != 0; candidates &= candidates - 1) {
      const auto h = static_cast<size_t>(std::countr_zero(candidates));
      const Hint& hint = kHints[h];
      if (!hint_matches(t, i, hint) || (hint.line_start && !at_line_start(t, i))) continue;
      seen |= 1u << h;
      for (size_t lang = 0; lang < scores.size(); ++lang) {
        if ((hint.langs >> lang) & 1) scores[lang] += hint.weight;
      }
    }
  }
  static constexpr FileFormat kByLang[] = {FileFormat::Batch, FileFormat::PowerShell, FileFormat::VbScript,
                                           FileFormat::JavaScript};
  FileFormat best = FileFormat::Unknown;
  int best_score = 1;
  for (size_t lang = 0; lang < scores.size(); ++lang) {  // ties go to the earlier, more specific language
    if (scores[lang] > best_score) {
      best = kByLang[lang];
      best_score = scores[lang];
    }
  }
  return best;
}

FileFormat classify(std::string_view t, std::string_view name, bool cut) {
  if (t.starts_with("#!")) {
    if (const FileFormat f = from_shebang(first_line(t)); f != FileFormat::Unknown) return f;
  }
  const std::string_view body = t.substr(skip_space(t, 0));
  if (starts_with_ci(body, "<?php")) return FileFormat::PhpScript;
  if (starts_with_ci(body, "<?xml") && tag_ends_at(body, 5)) return FileFormat::Xml;
  if (looks_like_html(body)) return contains_ci(body, "<?php") ? FileFormat::PhpScript : FileFormat::Html;
  if (starts_with_ci(body, "<svg") && tag_ends_at(body, 4)) return FileFormat::Xml;
  if (looks_like_email(t)) return is_mbox_separator(first_line(t)) ? FileFormat::Mbox : FileFormat::Email;
  if (looks_like_json(body, cut)) return FileFormat::Json;
  if (const FileFormat f = from_extension(name); f != FileFormat::Unknown) return f;
  if (const FileFormat f = from_content_hints(t); f != FileFormat::Unknown) return f;
  return FileFormat::PlainText;
}

}  // namespace

FileFormat sniff_text(ByteSpan bytes, std::string_view name) {
  const ByteSpan prefix = bytes.prefix(kTextPrefix);
  const bool cut = bytes.size() > prefix.size();
  const bool utf16_little = prefix.starts_with("\xff\xfe");
  if (utf16_little || prefix.starts_with("\xfe\xff")) {
    NarrowBuffer buffer;
    const auto narrow = narrow_utf16(prefix.sub(2), !utf16_little, buffer);
    return narrow ? classify(*narrow, name, cut) : FileFormat::Unknown;
  }
  std::string_view text = prefix.as_chars();
  if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);  // UTF-8 BOM
  if (!looks_like_text(text, cut)) return FileFormat::Unknown;
  return classify(text, name, cut);
}

}  // namespace assay::sniff
