// Internal to identify/: the pieces of sniff_format() that live outside content_sniffer.cpp.
//
// content_sniffer.cpp owns the dispatch: which check runs on which magic, and in which order. The
// binary formats live by family in sniff_executables.cpp, sniff_containers.cpp, sniff_archives.cpp
// and sniff_media.cpp; sniff_text.cpp owns the decision "is this text?" and the classification of
// text. Nothing outside identify/ should include this.
#pragma once

#include <cstddef>
#include <string_view>

#include "identify/file_format.h"
#include "util/checked_reader.h"

namespace assay::sniff {

// The text heuristics look at no more than this many leading bytes, so a multi-gigabyte log costs
// the same as a 4 KiB one.
inline constexpr size_t kTextPrefix = 4096;

// Classifies the leading bytes as one of the text formats (Email ... PlainText), or returns Unknown
// when they do not look like text. `name` only breaks ties between scripts without a shebang.
FileFormat sniff_text(ByteSpan bytes, std::string_view name);

constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive (ASCII only) comparisons; `pattern` is expected in lower case.
constexpr bool starts_with_ci(std::string_view text, std::string_view pattern) {
  if (text.size() < pattern.size()) return false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (ascii_lower(text[i]) != pattern[i]) return false;
  }
  return true;
}
constexpr bool equals_ci(std::string_view text, std::string_view pattern) {
  return text.size() == pattern.size() && starts_with_ci(text, pattern);
}

// ---- Helpers shared by the binary sniffers --------------------------------------------------------

// A string_view over a literal that keeps embedded NUL bytes ("PE\0\0" is four bytes, not two).
template <size_t N>
constexpr std::string_view lit(const char (&text)[N]) {
  return std::string_view(text, N - 1);
}

// True when the bytes at `offset` agree with `pattern` as far as the input goes: used where a file
// cut inside a signature should still count, but different bytes should not.
inline bool agrees_with(ByteSpan b, size_t offset, std::string_view pattern) {
  const std::string_view have = b.sub(offset, pattern.size()).as_chars();
  return have == pattern.substr(0, have.size());
}

// ---- The binary format checks the dispatch calls --------------------------------------------------
// Each takes the whole input and returns the format it recognises, or Unknown; the dispatch has
// matched the leading magic first unless a comment says the check looks for its own. Like the
// dispatch, they read only through ByteSpan's checked accessors: the input may be cut anywhere.

// sniff_executables.cpp
// DOS program or PE32 / PE32+ executable or DLL, never Unknown; the input starts with "MZ".
FileFormat sniff_mz(ByteSpan b);
// ELF relocatable, executable (PIE included), shared object or core; the input starts with "\x7fELF".
FileFormat sniff_elf(ByteSpan b);
// A thin Mach-O by file type, or a fat binary (not a Java class file); checks its own magic.
FileFormat sniff_macho(ByteSpan b);

// sniff_containers.cpp
// ZIP, or the ZIP-based format its member names reveal (APK, JAR, DOCX/XLSX/PPTX, ODF); "PK" first.
FileFormat sniff_zip(ByteSpan b);
// OLE2, or what the root storage's streams reveal (MSI, Outlook .msg, DOC, PPT, XLS).
FileFormat sniff_ole2(ByteSpan b);
// TNEF (winmail.dat) when the first attribute's level is plausible.
FileFormat sniff_tnef(ByteSpan b);

// sniff_archives.cpp
// bzip2 when a level digit and a block header (or the end-of-stream marker) follow "BZh".
FileFormat sniff_bzip2(ByteSpan b);
// Zstd or LZ4 behind Zstandard skippable frames; checks its own magic.
FileFormat sniff_skippable_frames(ByteSpan b);
// Deb when the first member of an ar archive is "debian-binary", else Ar; never Unknown.
FileFormat sniff_ar(ByteSpan b);
// LHA / LZH from a level 0..3 header with a known "-lh?-" or "-lz?-" method; checks its own magic.
FileFormat sniff_lzh(ByteSpan b);
// Binary cpio (magic 070707 octal, either byte order); weak, so tried only after the text heuristics.
FileFormat sniff_binary_cpio(ByteSpan b);
// ASCII cpio (odc "070707", newc "070701", crc "070702"); the input starts with "0707".
FileFormat sniff_ascii_cpio(ByteSpan b);
// LZMA-alone, which has no magic: plausible header fields only; tried only after the text heuristics.
FileFormat sniff_lzma(ByteSpan b);
// True when the first 512 bytes are a tar header whose checksum field is right (v7 tar has no magic).
bool tar_checksum_ok(ByteSpan b);

// sniff_media.cpp
// BMP when the info header has a known size; the input starts with "BM".
FileFormat sniff_bmp(ByteSpan b);
// ICO when the directory header and first entry are sane; the input starts with 00 00 01 00.
FileFormat sniff_ico(ByteSpan b);
// WebP, WAV or AVI by the RIFF form type; the input starts with "RIFF".
FileFormat sniff_riff(ByteSpan b);
// MP3 or FLAC behind an ID3v2 tag; the input starts with "ID3".
FileFormat sniff_id3(ByteSpan b);
// Raw MPEG audio frames (MP3) with no tag; weak, so tried only after the text heuristics.
FileFormat sniff_mpeg_audio(ByteSpan b);
// MP4 (ISO base media) from a sane "ftyp" box; "ftyp" is at offset 4.
FileFormat sniff_iso_media(ByteSpan b);
// FLV when the flags and header size are sane; the input starts with "FLV\x01".
FileFormat sniff_flv(ByteSpan b);

}  // namespace assay::sniff
