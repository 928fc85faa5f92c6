// Images, audio and video: BMP, ICO, RIFF (WebP, WAV, AVI), ID3-tagged and raw MPEG audio, ISO base
// media (MP4) and FLV. Formats whose magic alone is enough sit in the dispatch's signature table.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "identify/sniff_internal.h"

namespace assay::sniff {

// ---- Images, audio, video -------------------------------------------------------------------------

FileFormat sniff_bmp(ByteSpan b) {
  const auto info_size = b.le32(14);
  if (!info_size) return FileFormat::Unknown;
  switch (*info_size) {  // BITMAPCOREHEADER, OS/2 2.x, BITMAPINFOHEADER and its V2..V5 successors
    case 12: case 16: case 40: case 52: case 56: case 64: case 108: case 124: return FileFormat::Bmp;
    default: return FileFormat::Unknown;
  }
}

FileFormat sniff_ico(ByteSpan b) {
  const auto count = b.le16(4);
  const auto reserved = b.u8(9);
  const auto planes = b.le16(10);
  const auto bits = b.le16(12);
  const auto bytes = b.le32(14);
  const auto offset = b.le32(18);
  if (!count || !reserved || !planes || !bits || !bytes || !offset || *count == 0) return FileFormat::Unknown;
  const bool bits_ok = *bits == 0 || *bits == 1 || *bits == 2 || *bits == 4 || *bits == 8 || *bits == 16 ||
                       *bits == 24 || *bits == 32;
  const bool ok = (*reserved == 0 || *reserved == 0xff) && *planes <= 1 && bits_ok && *bytes != 0 &&
                  *offset >= 6 + 16 * size_t{*count};
  return ok ? FileFormat::Ico : FileFormat::Unknown;
}

FileFormat sniff_riff(ByteSpan b) {
  if (b.matches(8, "WEBP")) return FileFormat::WebP;
  if (b.matches(8, "WAVE")) return FileFormat::Wav;
  if (b.matches(8, "AVI ")) return FileFormat::Avi;
  return FileFormat::Unknown;
}

// ID3v2 tag: version 2..4, then a "synchsafe" size (7 bits per byte). FLAC files are tagged too.
FileFormat sniff_id3(ByteSpan b) {
  const auto version = b.u8(3);
  const auto flags = b.u8(5);
  if (!version || !flags || *version < 2 || *version > 4 || b.u8(4) == uint8_t{0xff}) {
    return FileFormat::Unknown;
  }
  size_t tag_size = 0;
  for (size_t i = 6; i < 10; ++i) {
    const auto part = b.u8(i);
    if (!part || *part >= 0x80) return FileFormat::Unknown;
    tag_size = (tag_size << 7) | *part;
  }
  const size_t after = 10 + tag_size + ((*flags & 0x10) ? 10 : 0);  // 0x10: a footer follows
  return b.matches(after, "fLaC") ? FileFormat::Flac : FileFormat::Mp3;
}

namespace {

struct MpegFrame {
  uint32_t version = 0;
  uint32_t layer = 0;
  uint32_t rate_index = 0;
  size_t length = 0;  // 0: not a frame header (every real frame is at least 24 bytes)
};

// Decodes an MPEG audio frame header; length 0 for anything reserved, free-format or invalid. (Not a
// std::optional: built as a function of its own, the optional's test was compiled into a jump that
// valgrind saw depend on the empty optional's uninitialised payload; a plain struct has none.)
MpegFrame parse_mpeg_frame(uint32_t h) {
  const uint32_t version = (h >> 19) & 3;  // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
  const uint32_t layer_bits = (h >> 17) & 3;
  const uint32_t bitrate_index = (h >> 12) & 15;
  const uint32_t rate_index = (h >> 10) & 3;
  if ((h >> 21) != 0x7ff || version == 1 || layer_bits == 0 || bitrate_index == 0 || bitrate_index == 15 ||
      rate_index == 3 || (h & 3) == 2) {
    return {};
  }
  static constexpr uint16_t kKbps[2][3][15] = {
      {{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
       {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
       {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}},
      {{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
       {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
       {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}}};
  static constexpr uint32_t kRates[3] = {44100, 48000, 32000};
  const bool mpeg1 = version == 3;
  const uint32_t layer = 4 - layer_bits;
  const uint32_t bitrate = kKbps[mpeg1 ? 0 : 1][layer - 1][bitrate_index] * 1000u;
  const uint32_t rate = kRates[rate_index] >> (mpeg1 ? 0 : (version == 2 ? 1 : 2));
  const uint32_t padding = (h >> 9) & 1;
  size_t length = 0;
  if (layer == 1) length = (12 * bitrate / rate + padding) * 4;
  else if (layer == 3 && !mpeg1) length = 72 * bitrate / rate + padding;
  else length = 144 * bitrate / rate + padding;
  return MpegFrame{version, layer, rate_index, length};
}

}  // namespace

// Raw MPEG audio: a sane frame header, the whole first frame present, and when the input is long
// enough, a second frame header of the same stream right after it.
FileFormat sniff_mpeg_audio(ByteSpan b) {
  const auto header = b.be32(0);
  if (!header) return FileFormat::Unknown;
  const MpegFrame frame = parse_mpeg_frame(*header);
  if (frame.length < 4 || b.size() < frame.length) return FileFormat::Unknown;
  if (const auto next_header = b.be32(frame.length)) {
    const MpegFrame next = parse_mpeg_frame(*next_header);
    if (next.length == 0 || next.version != frame.version || next.layer != frame.layer ||
        next.rate_index != frame.rate_index) {
      return FileFormat::Unknown;
    }
  }
  return FileFormat::Mp3;
}

// ISO base media: an "ftyp" box first, with a sane size and a printable major brand.
FileFormat sniff_iso_media(ByteSpan b) {
  const auto box_size = b.be32(0);
  const auto brand = b.exact(8, 4);
  if (!box_size || !brand || (*box_size != 1 && (*box_size < 16 || *box_size > 4096))) {
    return FileFormat::Unknown;
  }
  for (const char c : brand->as_chars()) {
    if (c < 0x20 || c > 0x7e) return FileFormat::Unknown;
  }
  return FileFormat::Mp4;
}

FileFormat sniff_flv(ByteSpan b) {
  const auto flags = b.u8(4);
  const auto header_size = b.be32(5);
  const bool ok = flags && header_size && (*flags & 0xfa) == 0 && *header_size >= 9;
  return ok ? FileFormat::Flv : FileFormat::Unknown;
}

}  // namespace assay::sniff
