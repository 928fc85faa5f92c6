// request_head.cpp: see request_head.h.
#include "request_head.h"

#include <cstdint>
#include <string>

#include "http_util.h"

namespace worker {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// cpp-httplib 0.11 percent-decodes header values (%XX); the framing headers are read the same way
// so that the gate and the parser agree on them.
std::string percent_decoded(std::string_view s) {
  std::string out;
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

HeadScan refused(int status, std::string why) {
  HeadScan scan;
  scan.state = HeadScan::State::Refused;
  scan.status = status;
  scan.why = std::move(why);
  return scan;
}

}  // namespace

// A line ends at LF, the head at the first empty line, as in cpp-httplib's parser.
HeadScan scan_head(std::string_view bytes) {
  const std::string limit = std::to_string(kMaxLineBytes);
  HeadScan scan;
  RequestFraming& framing = scan.framing;
  bool seen_length = false;
  bool seen_coding = false;
  bool seen_expect = false;
  size_t pos = 0;
  for (bool request_line = true;; request_line = false) {
    const size_t lf = bytes.find('\n', pos);
    if (lf == std::string_view::npos) {
      if (bytes.size() - pos > kMaxLineBytes) {
        return request_line ? refused(414, "the request line is longer than " + limit + " bytes")
                            : refused(431, "a header line is longer than " + limit + " bytes");
      }
      if (bytes.size() > kMaxHeadBytes) {
        return refused(431, "the request head is larger than " + std::to_string(kMaxHeadBytes) + " bytes");
      }
      return scan;  // incomplete
    }
    std::string_view line = bytes.substr(pos, lf - pos);
    pos = lf + 1;
    if (line.empty() || line.back() != '\r') return refused(400, "every line of a request head must end with CRLF");
    line.remove_suffix(1);
    if (line.size() > kMaxLineBytes) {
      return request_line ? refused(414, "the request line is longer than " + limit + " bytes")
                          : refused(431, "a header line is longer than " + limit + " bytes");
    }
    if (pos > kMaxHeadBytes) {
      return refused(431, "the request head is larger than " + std::to_string(kMaxHeadBytes) + " bytes");
    }
    if (request_line) continue;  // method, target and version: cpp-httplib's to judge
    if (line.empty()) break;     // the end of the head
    if (line.front() == ' ' || line.front() == '\t') return refused(400, "obsolete line folding in the request head");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return refused(400, "a header line without a name and a colon");
    const std::string_view name = line.substr(0, colon);
    const std::string value = percent_decoded(trim_blanks(line.substr(colon + 1)));
    if (equals_ignoring_case(name, "Content-Length")) {
      if (seen_length) return refused(400, "more than one Content-Length header");
      seen_length = true;
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        return refused(400, "Content-Length must be a decimal number");
      }
      uint64_t length = 0;
      for (const char digit : value) {
        const uint64_t d = static_cast<uint64_t>(digit - '0');
        length = length > (UINT64_MAX - d) / 10 ? UINT64_MAX : length * 10 + d;  // too large stays too large
      }
      framing.content_length = length;
    } else if (equals_ignoring_case(name, "Transfer-Encoding")) {
      if (seen_coding) return refused(400, "more than one Transfer-Encoding header");
      seen_coding = true;
      if (!equals_ignoring_case(value, "chunked")) return refused(400, "the only transfer coding accepted is chunked");
      framing.chunked = true;
    } else if (equals_ignoring_case(name, "Expect") && !seen_expect) {
      seen_expect = true;
      framing.expect_continue = value == "100-continue";  // as cpp-httplib compares it
    }
  }
  if (seen_length && seen_coding) return refused(400, "both Content-Length and Transfer-Encoding");
  framing.head_bytes = pos;
  scan.state = HeadScan::State::Complete;
  return scan;
}

void skip_empty_lines(Connection& c) {
  while (c.pending() >= 2 && c.pending_data()[0] == '\r' && c.pending_data()[1] == '\n') c.consumed += 2;
}

}  // namespace worker
