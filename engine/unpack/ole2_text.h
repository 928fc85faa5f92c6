// Text conversions the OLE2 readers share: the UTF-16LE of CFB names, MAPI strings and Unicode
// property values, and the Windows-1252 of VBA sources and ANSI property values, turned into UTF-8.
// Both read through ByteSpan and stop at the first NUL; malformed input becomes U+FFFD, never an error.
#pragma once

#include <string>
#include <string_view>

#include "util/checked_reader.h"
#include "util/utf8.h"  // append_utf8, which office_xml.cpp also uses through this header

namespace assay {

// UTF-16LE code units up to the first NUL (or the end), with surrogate pairs joined.
std::string utf16le_to_utf8(ByteSpan units);

// Windows-1252 bytes up to the first NUL (or the end). Used for code page 1252 and, as the nearest
// readable approximation, for other single-byte ANSI code pages; ASCII is the same in all of them.
std::string cp1252_to_utf8(ByteSpan bytes);

// Bytes in the given Windows code page: 65001 is UTF-8 (checked, invalid bytes become U+FFFD),
// 1200 is UTF-16LE, anything else is read as Windows-1252.
std::string codepage_to_utf8(ByteSpan bytes, int codepage);

// A Windows Installer stream name made readable: MSI packs two name characters into each UTF-16 unit
// 0x3800..0x47FF and one into 0x4800..0x483F (alphabet 0-9A-Za-z._), and marks table streams with a
// leading 0x4840, shown as '!'. `name` is the UTF-8 of the stored name; other characters stay as they are.
std::string msi_stream_name(std::string_view name);

}  // namespace assay
