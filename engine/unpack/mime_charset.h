// Text out of mail headers and mail-borne names, as valid UTF-8: charset conversion, RFC 2047
// encoded-words ("=?utf-8?B?...?="), and the clean-up that makes a decoded name safe to show.
//
// UTF-8, US-ASCII, ISO-8859-1 and windows-1252 are converted by built-in code; other charsets go
// through the C library's iconv (glibc ships the converters), opened per call, so everything here is
// thread-safe. A charset nobody knows, or bytes that are not valid in theirs, never fail: the result
// falls back to Latin-1 for the offending bytes, so it is always valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace assay::mime {

// `bytes` in `charset` (any spelling: "UTF-8", "iso-8859-1", "cp1252", "windows-1251") as UTF-8.
std::string to_utf8(std::string_view bytes, std::string_view charset);

// UTF-16LE (MAPI PT_UNICODE strings) as UTF-8, stopping at the first NUL; unpaired surrogates
// become U+FFFD.
std::string utf16le_to_utf8(std::string_view bytes);

// Header text with RFC 2047 encoded-words decoded. Whitespace between two adjacent encoded-words
// is dropped (RFC 2047 6.2), and adjacent words in the same charset are joined before conversion,
// so a multi-byte character split across two words survives. Raw 8-bit text outside encoded-words
// is taken as UTF-8 when valid, else Latin-1.
std::string decode_encoded_words(std::string_view text);

// True when `text` is entirely valid UTF-8.
bool is_valid_utf8(std::string_view text);

// A name from the input made fit for a report path component: control characters become '_',
// surrounding blanks go, and it is cut to `max_bytes` on a character boundary. Slashes are kept:
// names are data, never used as file-system paths.
std::string clean_name(std::string_view utf8, size_t max_bytes = 255);

// Cuts valid UTF-8 to at most `max_bytes` without splitting a character.
void truncate_utf8(std::string& text, size_t max_bytes);

}  // namespace assay::mime
