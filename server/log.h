// log.h: one line per event on stderr (requests, tasks, start and stop).
//
// Lines are written with a single write(2) so lines from different threads never interleave, and
// every byte that came from a client is made printable first, so a crafted path or file name cannot
// forge log lines or send terminal escapes.
#pragma once

#include <string>
#include <string_view>

namespace worker {

// Writes "<UTC time> <text>\n" to stderr.
void log_line(std::string_view text);

// `s` with control bytes, backslashes, quotes and non-ASCII bytes shown as \xHH; at most `limit`
// bytes of it (then "...").
std::string printable(std::string_view s, size_t limit = 512);

}  // namespace worker
