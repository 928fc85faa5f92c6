// URLs, IP addresses, e-mail addresses and domains in an object's text; see interesting_strings.h.
//
// The scan: a 16-byte SSE2 compare (memchr elsewhere) finds every '.' and ':' (each string we report
// holds one). Around an anchor, the maximal run of URL characters is taken (each byte belongs to at
// most one run, so the whole scan stays linear); runs not bounded by delimiters are dropped at once. A run is then read in two
// steps: URLs ("scheme://..." up to the run's end), then the pieces outside them, split at URL
// punctuation, each an e-mail address, an IPv6 address, or a dotted name (IPv4 or domain).
// UTF-16LE text is read the same way after narrowing the run around an anchor whose neighbouring
// high bytes are zero.
#include "analyze/interesting_strings.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "analyze/interesting_string_syntax.h"
#include "util/utf8.h"

namespace assay {
namespace {

using strings::equals_lower;
using strings::has;
using strings::index_of;
using strings::is_ipv4;
using strings::is_ipv6;
using strings::kClasses;
using strings::kDelimiter;
using strings::kDigit;
using strings::kHexChar;
using strings::kLetter;
using strings::kPieceChar;
using strings::kUrlChar;
using strings::last_index_of;
using strings::lower;
using strings::valid_domain;

enum Category : uint8_t { kHttp, kHttps, kFtp, kIpv4, kIpv6, kEmail, kDomain, kCategoryCount };
constexpr std::string_view kCategoryNames[kCategoryCount] = {"http", "https", "ftp", "ipv4", "ipv6", "email", "domain"};

template <typename Drop>
std::string_view trim_if(std::string_view s, Drop drop) {
  while (!s.empty() && drop(s.front())) s.remove_prefix(1);
  while (!s.empty() && drop(s.back())) s.remove_suffix(1);
  return s;
}

// Whether the byte before `b` (left) or at `e` (right) may bound a run: a delimiter, or a letter of
// non-ASCII text in valid UTF-8.
bool left_bounded(const uint8_t* p, size_t n, size_t b) {
  if (b == 0 || (kClasses[p[b - 1]] & kDelimiter)) return true;
  for (size_t length = 2; length <= 4 && length <= b; ++length) {
    if (utf8_sequence_length(p, n, b - length) == length) return true;
  }
  return false;
}
bool right_bounded(const uint8_t* p, size_t n, size_t e) {
  return e >= n || (kClasses[p[e]] & kDelimiter) || utf8_sequence_length(p, n, e) != 0;
}

// ---- the collector --------------------------------------------------------------------------------

struct ViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Collector {
 public:
  explicit Collector(const InterestingStringLimits& limits) : limits_(limits) {}

  void add(Category category, std::string_view value) {
    if (value.empty() || value.size() > limits_.max_value_length) return;
    Column& column = columns_[category];
    if (column.values.size() >= limits_.max_values_per_category) return;
    if (column.seen.find(value) != column.seen.end()) return;
    column.seen.emplace(value);
    column.values.emplace_back(value);
  }

  std::vector<InterestingStrings> take() {
    std::vector<InterestingStrings> rows;
    for (size_t c = 0; c < kCategoryCount; ++c) {
      if (!columns_[c].values.empty()) rows.push_back({std::string(kCategoryNames[c]), std::move(columns_[c].values)});
    }
    return rows;
  }

 private:
  struct Column {
    std::vector<std::string> values;
    std::unordered_set<std::string, ViewHash, std::equal_to<>> seen;
  };
  const InterestingStringLimits& limits_;
  std::array<Column, kCategoryCount> columns_;
};

// ---- reading one run ------------------------------------------------------------------------------

size_t find_scheme_separator(std::string_view run, size_t from) {
  for (size_t i = from; i + 2 < run.size(); ++i) {
    if (run[i] == ':' && run[i + 1] == '/' && run[i + 2] == '/') return i;
  }
  return std::string_view::npos;
}

std::optional<Category> scheme_category(std::string_view scheme) {
  if (equals_lower(scheme, "http")) return kHttp;
  if (equals_lower(scheme, "https")) return kHttps;
  if (equals_lower(scheme, "ftp")) return kFtp;
  return std::nullopt;
}

bool valid_url_host(std::string_view authority) {
  const size_t at = last_index_of(authority, '@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.starts_with('[')) {
    const size_t close = index_of(authority, ']');
    return close != std::string_view::npos && is_ipv6(authority.substr(1, close - 1), false);
  }
  const std::string_view host = authority.substr(0, index_of(authority, ':'));
  return is_ipv4(host) || valid_domain(host, false);
}

class RunReader {
 public:
  explicit RunReader(Collector& out) : out_(out) {}

  // `run` holds URL characters only and is bounded by delimiters.
  void read(std::string_view run) {
    size_t piece_from = 0;  // text before a URL still holds pieces
    for (size_t at = find_scheme_separator(run, 0); at != std::string_view::npos;) {
      size_t start = at;
      while (start > 0 && has(run[start - 1], kLetter) && at - start < 6) --start;
      const std::optional<Category> category = scheme_category(run.substr(start, at - start));
      if (!category || (start > 0 && has(run[start - 1], kLetter | kDigit))) {
        at = find_scheme_separator(run, at + 3);
        continue;
      }
      std::string_view url = run.substr(start);
      url = url.substr(0, trim_end(url));
      const std::string_view rest = url.substr(std::min(at + 3 - start, url.size()));
      if (!rest.empty() && valid_url_host(rest.substr(0, rest.find_first_of("/?#")))) out_.add(*category, url);
      read_pieces(run.substr(piece_from, start - piece_from));
      piece_from = run.size();  // a URL runs to the end of its run
      break;
    }
    read_pieces(run.substr(std::min(piece_from, run.size())));
  }

 private:
  // Where a URL ends once prose punctuation after it is dropped.
  static size_t trim_end(std::string_view url) {
    size_t end = url.size();
    while (end > 0 && (url[end - 1] == '.' || url[end - 1] == ':' || url[end - 1] == '?' || url[end - 1] == '#' ||
                       url[end - 1] == '&')) {
      --end;
    }
    if (end > 0 && url[end - 1] == ']' && index_of(url.substr(0, end), '[') == std::string_view::npos) --end;
    return end;
  }

  // Only pieces with a '.' or a ':' can hold anything we report (an e-mail address has a dotted domain).
  void read_pieces(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && !has(text[i], kPieceChar)) ++i;
      const size_t start = i;
      bool marked = false;
      for (; i < text.size() && has(text[i], kPieceChar); ++i) marked = marked || text[i] == '.' || text[i] == ':';
      if (marked && i - start >= 4) read_piece(text.substr(start, i - start));
    }
  }

  void read_piece(std::string_view piece) {
    const size_t at = last_index_of(piece, '@');
    if (at != std::string_view::npos) {
      std::string_view local = piece.substr(0, at);
      size_t keep = local.size();
      while (keep > 0) {
        const char c = local[keep - 1];
        if (!(has(c, kLetter | kDigit) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-')) break;
        --keep;
      }
      local = local.substr(keep);
      while (!local.empty() && local.front() == '.') local.remove_prefix(1);
      std::string_view domain = piece.substr(at + 1);
      domain = trim_if(domain.substr(0, index_of(domain, ':')), [](char c) { return c == '.' || c == '-'; });
      if (!local.empty() && local.size() <= 64 && local.back() != '.' && valid_domain(domain, true)) {
        std::string address(local);
        address.push_back('@');
        address.append(domain);
        out_.add(kEmail, address);
        return;
      }
      piece = domain;
    }
    if (index_of(piece, ':') != std::string_view::npos) {
      piece = trim_if(piece, [](char c) { return c == '.'; });  // "see fe80::1." ends a sentence
      bool hex_only = true, double_colon = false;
      size_t colons = 0;
      for (size_t k = 0; k < piece.size(); ++k) {
        hex_only = hex_only && (has(piece[k], kHexChar) || piece[k] == ':' || piece[k] == '.');
        colons += piece[k] == ':';
        double_colon = double_colon || (piece[k] == ':' && k + 1 < piece.size() && piece[k + 1] == ':');
      }
      if (hex_only && (double_colon || colons == 7) && is_ipv6(piece, true)) {
        out_.add(kIpv6, piece);
        return;
      }
      for (size_t start = 0; start <= piece.size();) {
        size_t end = index_of(piece, ':', start);
        if (end == std::string_view::npos) end = piece.size();
        read_dotted(piece.substr(start, end - start));
        start = end + 1;
      }
      return;
    }
    read_dotted(piece);
  }

  void read_dotted(std::string_view name) {
    if (name.starts_with('.')) return;  // ".data.rel.ro", ".text": section names, not hosts
    name = trim_if(name, [](char c) { return c == '.' || c == '-' || c == '_' || c == '%' || c == '+' || c == '~'; });
    if (name.size() < 4 || index_of(name, '.') == std::string_view::npos) return;
    bool numeric = true;
    for (const char c : name) numeric = numeric && (has(c, kDigit) || c == '.');
    if (numeric) {
      if (is_ipv4(name)) out_.add(kIpv4, name);
      return;
    }
    if (!valid_domain(name, true)) return;
    std::string lowered(name);
    for (char& c : lowered) c = lower(c);
    out_.add(kDomain, lowered);
  }

  Collector& out_;
};

// ---- the scan -------------------------------------------------------------------------------------

constexpr size_t kMaxUtf16Run = 8192;  // characters; longer UTF-16 runs are skipped

class Scan {
 public:
  Scan(ByteSpan bytes, Collector& out) : p_(bytes.data()), n_(bytes.size()), reader_(out) {}

  void run() {
    size_t resume = 0;  // anchors before this lie in a run already read
#if defined(__SSE2__)
    // Sixteen bytes at a time, both anchors at once: in prose, anchors are a few dozen bytes apart
    // and two memchr cursors would spend most of their time on call overhead.
    const __m128i dot = _mm_set1_epi8('.'), colon = _mm_set1_epi8(':');
    size_t block = 0;
    for (; block + 16 <= n_; block += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_ + block));
      auto mask = static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, colon))));
      for (; mask != 0; mask &= mask - 1) {
        const size_t anchor = block + static_cast<size_t>(__builtin_ctz(mask));
        if (anchor >= resume) resume = visit(anchor);
      }
    }
    for (; block < n_; ++block) {
      if ((p_[block] == '.' || p_[block] == ':') && block >= resume) resume = visit(block);
    }
#else
    size_t next_dot = find('.', 0), next_colon = find(':', 0);
    while (next_dot < n_ || next_colon < n_) {
      resume = visit(std::min(next_dot, next_colon));
      if (next_dot < resume) next_dot = find('.', resume);
      if (next_colon < resume) next_colon = find(':', resume);
    }
#endif
  }

 private:
  size_t find(char c, size_t from) const {
    if (from >= n_) return n_;
    const void* hit = std::memchr(p_ + from, c, n_ - from);
    return hit ? static_cast<size_t>(static_cast<const uint8_t*>(hit) - p_) : n_;
  }
  bool url(size_t i) const { return i < n_ && (kClasses[p_[i]] & kUrlChar); }

  // Reads the run around the anchor at `i`; returns where the anchor search resumes.
  size_t visit(size_t i) {
    if (i >= 2 && i + 3 < n_ && p_[i - 1] == 0 && p_[i + 1] == 0 && url(i - 2) && url(i + 2) && p_[i + 3] == 0) {
      return visit_utf16(i);
    }
    if (!url(i + 1) || (p_[i] == '.' && (i == 0 || !url(i - 1)))) return i + 1;
    size_t b = i, e = i + 1;
    while (b > 0 && url(b - 1)) --b;
    while (e < n_ && url(e)) ++e;
    if (e - b >= 4 && left_bounded(p_, n_, b) && right_bounded(p_, n_, e)) {
      reader_.read(std::string_view(reinterpret_cast<const char*>(p_ + b), e - b));
    }
    return e;
  }

  // UTF-16LE: units whose high byte is zero, narrowed to ASCII. Whatever unit bounds the run
  // (NUL, a delimiter, a non-ASCII character) counts as a delimiter: random bytes almost never
  // form a run of zero high bytes in the first place.
  size_t visit_utf16(size_t i) {
    size_t b = i, e = i;
    while (b >= 2 && p_[b - 1] == 0 && url(b - 2)) b -= 2;
    while (e + 3 < n_ && url(e + 2) && p_[e + 3] == 0) e += 2;
    const size_t units = (e - b) / 2 + 1;
    if (units >= 4 && units <= kMaxUtf16Run) {
      narrow_.resize(units);
      for (size_t k = 0; k < units; ++k) narrow_[k] = static_cast<char>(p_[b + 2 * k]);
      reader_.read(narrow_);
    }
    return e + 2;
  }

  const uint8_t* p_;
  size_t n_;
  RunReader reader_;
  std::string narrow_;
};

}  // namespace

std::vector<InterestingStrings> find_interesting_strings(ByteSpan bytes, const InterestingStringLimits& limits) {
  Collector collector(limits);
  Scan(bytes.prefix(limits.max_scan_bytes), collector).run();
  return collector.take();
}

void add_interesting_strings(ByteSpan bytes, Entry& entry) { entry.interesting_strings = find_interesting_strings(bytes); }

}  // namespace assay
