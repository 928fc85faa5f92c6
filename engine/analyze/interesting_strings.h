// interesting_strings: URLs (http, https, ftp), IPv4 and IPv6 addresses, e-mail addresses and
// domain names found in an object's bytes, as ASCII/UTF-8 text and as UTF-16LE text.
//
// Runs on every object, so it is built to be cheap: memchr finds the anchors every such string
// contains ('.' or ':'), and only the run of URL characters around an anchor is examined; nothing is
// matched per byte. To keep random binary quiet, a run must be bounded by text-like delimiters
// (blanks, NUL, quotes, brackets, punctuation, valid UTF-8 characters), domains need a real TLD (a
// built-in list: common generic TLDs and every two-letter country code) and a natural letter case,
// and two-label names whose "TLD" is also a common file extension (".py", ".sh", ".md"...) are left
// out. Each string is reported once, in its most specific category: a URL's host is not also
// listed as a domain, nor an e-mail address's domain.
//
// Caps (InterestingStringLimits): only the first 16 MiB of an object are scanned; each category keeps
// its first 256 distinct values; values longer than 2,048 bytes are dropped.
//
// Thread-safety: stateless functions.
#pragma once

#include <cstddef>
#include <vector>

#include "report/report_model.h"
#include "util/checked_reader.h"

namespace assay {

struct InterestingStringLimits {
  size_t max_scan_bytes = size_t{16} << 20;
  size_t max_values_per_category = 256;
  size_t max_value_length = 2048;
};

// The strings found in `bytes`, one row per non-empty category, in the order http, https, ftp,
// ipv4, ipv6, email, domain; values in order of first appearance.
std::vector<InterestingStrings> find_interesting_strings(ByteSpan bytes, const InterestingStringLimits& limits = {});

// Fills entry.interesting_strings (the scanner's one call per object).
void add_interesting_strings(ByteSpan bytes, Entry& entry);

}  // namespace assay
