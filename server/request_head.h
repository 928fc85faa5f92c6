// request_head.h: reading a request's head before cpp-httplib does (connections.h's gate).
//
// The gate must know when a head is complete, how the body after it is delimited, and whether the
// head is one cpp-httplib 0.11 would mishandle: it grows a header line of any length in memory,
// takes the first of two Content-Lengths, reads a body without a length until the client closes,
// and skips lines that end in a bare LF, so that it and a proxy in front of it could disagree on
// where a request ends (request smuggling, RFC 9112 sections 2.2, 5.2 and 6.3). scan_head() reads
// the head line by line as cpp-httplib will, and refuses those. Pure functions: any thread.
#pragma once

#include <string>
#include <string_view>

#include "connection.h"

namespace worker {

inline constexpr size_t kMaxHeadBytes = 32 * 1024;  // request line and headers together (431 beyond)
inline constexpr size_t kMaxLineBytes = 8 * 1024;   // one request line (414 beyond) or header line (431)

struct HeadScan {
  enum class State { Incomplete, Complete, Refused } state = State::Incomplete;
  int status = 0;          // Refused: the answer, with `why` as its message
  std::string why;
  RequestFraming framing;  // Complete: the head's length and the body's framing
};

// Scans `bytes`, which begin with a request line.
HeadScan scan_head(std::string_view bytes);

// RFC 9112 section 2.2: empty lines before a request line are ignored (consumed).
void skip_empty_lines(Connection& connection);

}  // namespace worker
