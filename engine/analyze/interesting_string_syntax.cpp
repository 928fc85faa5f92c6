// Host names, IPv4 and IPv6 text forms for interesting_strings; see interesting_string_syntax.h.
#include "analyze/interesting_string_syntax.h"

namespace assay::strings {
namespace {

constexpr std::string_view kCountryCodes =
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz "
    "ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk "
    "fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir "
    "is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk "
    "ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl "
    "pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc "
    "td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw";

constexpr std::array<bool, 26 * 26> make_country_table() {
  std::array<bool, 26 * 26> table{};
  for (size_t i = 0; i + 1 < kCountryCodes.size(); i += 3) {
    table[static_cast<size_t>(kCountryCodes[i] - 'a') * 26 + static_cast<size_t>(kCountryCodes[i + 1] - 'a')] = true;
  }
  return table;
}
constexpr std::array<bool, 26 * 26> kCountryTable = make_country_table();

// Generic TLDs common in mail and in threat reports. Words that are also everyday identifiers in
// code ("name", "top", "app", "link", "email", "page"...) are left out: "this.name" is not a domain.
constexpr std::string_view kGenericTlds[] = {
    "com",    "net",   "org",     "edu",  "gov",   "mil",     "int",  "info", "biz",   "mobi",   "pro",
    "aero",   "asia",  "coop",    "museum", "jobs", "tel",    "travel", "cat", "onion", "arpa", "xyz",
    "icu",    "online", "site",   "club", "shop",  "vip",     "buzz", "click", "monster", "cyou", "sbs",
    "cfd",    "bond",  "quest",   "website", "space", "tech",
};

// Two-label names with these endings are more often file names ("setup.py", "run.sh") than domains.
// ("id" for "obj.id" in code.)
constexpr std::string_view kFileExtensionTlds[] = {"ac", "am", "as", "cc", "id", "in", "la", "md", "mk", "ml", "mm",
                                                   "mo", "pl", "pm", "ps", "py", "rs", "sh", "so", "st", "sv", "tk",
                                                   "pro", "cat", "mobi"};

}  // namespace

bool equals_lower(std::string_view text, std::string_view lower_word) {
  if (text.size() != lower_word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (lower(text[i]) != lower_word[i]) return false;
  }
  return true;
}

namespace {

bool known_tld(std::string_view tld) {
  if (tld.size() == 2) {
    return kCountryTable[static_cast<size_t>(lower(tld[0]) - 'a') * 26 + static_cast<size_t>(lower(tld[1]) - 'a')];
  }
  for (const std::string_view generic : kGenericTlds) {
    if (equals_lower(tld, generic)) return true;
  }
  return false;
}

// Letter case as people write names: at most one lower-to-upper step ("example", "EXAMPLE",
// "Example", "PayPal"), which most random letter runs fail.
bool natural_case(std::string_view label) {
  int steps = 0;
  for (size_t i = 1; i < label.size(); ++i) {
    if (is_lower(label[i - 1]) && is_upper(label[i])) ++steps;
  }
  return steps <= 1;
}

}  // namespace

// A host name: labels of letters, digits and inner hyphens, ending in a known TLD. `strict` (text
// outside a URL) also asks for natural letter case (an upper-case TLD only after upper-case labels)
// and, for two labels, no file-extension ending and at least three characters before a country
// code: random bytes make "k.gm" or "bn.ad" about once per 8 MiB, three characters far less often.
bool valid_domain(std::string_view name, bool strict) {
  if (name.size() < 4 || name.size() > 253) return false;
  // The TLD first: most dotted words ("main.cpp", "obj.field") fail there, before any label is read.
  const size_t last_dot = last_index_of(name, '.');
  if (last_dot == std::string_view::npos || name.size() - last_dot - 1 < 2) return false;
  for (const char c : name.substr(last_dot + 1)) {
    if (!has(c, kLetter)) return false;
  }
  if (!known_tld(name.substr(last_dot + 1))) return false;
  size_t labels = 0;
  bool lower_case_letters = false;
  std::string_view first_label, tld;
  for (size_t start = 0; start <= name.size();) {
    size_t end = index_of(name, '.', start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (const char c : label) {
      if (!has(c, kHostChar) || c == '.') return false;
    }
    if (strict && !natural_case(label)) return false;
    if (labels == 0) first_label = label;
    ++labels;
    if (end != name.size()) {
      for (const char c : label) lower_case_letters = lower_case_letters || is_lower(c);
    }
    tld = label;
    start = end + 1;
  }
  if (labels < 2) return false;
  bool all_lower = true, all_upper = true;
  for (const char c : tld) {
    all_lower = all_lower && is_lower(c);
    all_upper = all_upper && is_upper(c);
  }
  if (!strict) return true;
  if (!all_lower && !all_upper) return false;
  if (all_upper && lower_case_letters) return false;
  if (labels == 2) {
    if (tld.size() == 2 && first_label.size() < 3) return false;
    for (const std::string_view extension : kFileExtensionTlds) {
      if (equals_lower(tld, extension)) return false;
    }
  }
  return true;
}

bool is_ipv4(std::string_view s) {
  int parts = 0;
  for (size_t start = 0; start <= s.size();) {
    size_t end = index_of(s, '.', start);
    if (end == std::string_view::npos) end = s.size();
    const std::string_view part = s.substr(start, end - start);
    if (part.empty() || part.size() > 3 || ++parts > 4) return false;
    int value = 0;
    for (const char c : part) {
      if (!has(c, kDigit)) return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    start = end + 1;
  }
  return parts == 4;
}

// RFC 4291 text form: eight groups, or fewer with one "::", optionally ending in dotted IPv4.
// `plausible` (text outside brackets) also asks for two groups or more and a decimal digit, which
// keeps "Add::Bad"-style C++ and Perl names out.
bool is_ipv6(std::string_view s, bool plausible) {
  if (s.size() < 2 || s.size() > 45) return false;
  size_t groups = 0, i = 0;
  bool compressed = false;
  if (s.starts_with("::")) {
    compressed = true;
    i = 2;
  } else if (s.front() == ':') {
    return false;
  }
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && has(s[j], kHexChar) && j - i < 5) ++j;
    if (j < s.size() && s[j] == '.') {
      if (!is_ipv4(s.substr(i))) return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4) return false;
    ++groups;
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    if (i + 1 < s.size() && s[i + 1] == ':') {
      if (compressed) return false;
      compressed = true;
      i += 2;
    } else if (++i == s.size()) {
      return false;  // a trailing single ':'
    }
  }
  if (compressed ? groups > 7 : groups != 8) return false;
  if (!plausible) return true;
  bool digit = false;
  for (const char c : s) digit = digit || has(c, kDigit);
  return groups >= 2 && digit;
}

}  // namespace assay::strings
