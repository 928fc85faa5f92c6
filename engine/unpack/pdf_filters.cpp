// The PDF stream filters (see pdf_filters.h).
#include "unpack/pdf_filters.h"

#include <zlib.h>

#include <array>
#include <cstdlib>

namespace assay {
namespace {

// Appends bytes one at a time and charges them in chunks, so per-byte decoders stay cheap.
class ChargedSink {
 public:
  ChargedSink(std::vector<uint8_t>& out, const PdfCharge& charge) : out_(out), charge_(charge), charged_(out.size()) {}
  bool put(uint8_t byte) {
    out_.push_back(byte);
    return out_.size() - charged_ < kPdfChargeChunk || flush();
  }
  bool flush() {
    const size_t added = out_.size() - charged_;
    charged_ = out_.size();
    return added == 0 || charge_(added, out_.size());
  }

 private:
  std::vector<uint8_t>& out_;
  const PdfCharge& charge_;
  size_t charged_;
};

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool inflate_with(ByteSpan in, int window_bits, std::vector<uint8_t>& out, const PdfCharge& charge, bool& any) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) return false;
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size() > UINT32_MAX ? UINT32_MAX : in.size());
  bool ok = true;
  std::array<uint8_t, kPdfChargeChunk> chunk;
  for (;;) {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const size_t produced = chunk.size() - zs.avail_out;
    if (produced > 0) {
      any = true;
      out.insert(out.end(), chunk.data(), chunk.data() + produced);
      if (!charge(produced, out.size())) {
        ok = false;
        break;
      }
    }
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK || (produced == 0 && zs.avail_in == 0)) {
      ok = false;  // truncated or corrupt: keep what decoded
      break;
    }
  }
  inflateEnd(&zs);
  return ok;
}

int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

int int_param(const PdfValue* params, std::string_view key, int fallback, int low, int high) {
  if (params == nullptr || params->kind != PdfKind::Dict) return fallback;
  const PdfValue* v = params->get(key);
  const auto n = v ? v->as_int() : std::nullopt;
  if (!n || *n < low || *n > high) return fallback;
  return static_cast<int>(*n);
}

}  // namespace

bool pdf_flate_decode(ByteSpan in, std::vector<uint8_t>& out, const PdfCharge& charge) {
  bool any = false;
  const size_t start = out.size();
  if (inflate_with(in, 15, out, charge, any)) return true;
  if (any) return false;
  // Some writers omit the zlib header: try a raw deflate stream before giving up.
  out.resize(start);
  any = false;
  return inflate_with(in, -15, out, charge, any);
}

bool pdf_lzw_decode(ByteSpan in, bool early_change, std::vector<uint8_t>& out, const PdfCharge& charge) {
  struct Code {
    uint16_t prefix;
    uint8_t suffix;
    uint8_t first;
    uint16_t length;
  };
  std::vector<Code> table(4096);
  for (int i = 0; i < 256; ++i) table[i] = Code{0, static_cast<uint8_t>(i), static_cast<uint8_t>(i), 1};
  ChargedSink sink(out, charge);
  std::array<uint8_t, 4096> scratch;
  const auto emit = [&](int code) {
    const int length = table[code].length;
    for (int i = length - 1; i >= 0; --i) {
      scratch[i] = table[code].suffix;
      code = table[code].prefix;
    }
    for (int i = 0; i < length; ++i) {
      if (!sink.put(scratch[i])) return false;
    }
    return true;
  };
  const int early = early_change ? 1 : 0;
  int width = 9, next = 258, previous = -1;
  uint32_t bit_buffer = 0;
  int bit_count = 0;
  size_t at = 0;
  for (;;) {
    while (bit_count < width && at < in.size()) {
      bit_buffer = (bit_buffer << 8) | in.data()[at++];
      bit_count += 8;
    }
    if (bit_count < width) break;  // ran out without an EOD: tolerated
    const int code = static_cast<int>((bit_buffer >> (bit_count - width)) & ((1u << width) - 1));
    bit_count -= width;
    if (code == 256) {
      width = 9;
      next = 258;
      previous = -1;
      continue;
    }
    if (code == 257) break;
    if (previous < 0) {
      if (code > 255) return sink.flush() && false;
      if (!emit(code)) return false;
      previous = code;
      continue;
    }
    uint8_t first;
    if (code < next) {
      first = table[code].first;
      if (!emit(code)) return false;
    } else if (code == next) {
      first = table[previous].first;
      if (!emit(previous) || !sink.put(first)) return false;
    } else {
      sink.flush();
      return false;
    }
    if (next < 4096 && table[previous].length < 4095) {
      table[next] = Code{static_cast<uint16_t>(previous), first, table[previous].first,
                         static_cast<uint16_t>(table[previous].length + 1)};
      ++next;
    }
    previous = code;
    if (next + early >= (1 << width) && width < 12) ++width;
  }
  return sink.flush();
}

bool pdf_ascii_hex_decode(ByteSpan in, std::vector<uint8_t>& out, const PdfCharge& charge) {
  ChargedSink sink(out, charge);
  int pending = -1;
  for (size_t i = 0; i < in.size(); ++i) {
    const uint8_t c = in.data()[i];
    if (c == '>') break;
    const int d = hex_value(c);
    if (d < 0) {
      if (pdf_is_space(c)) continue;
      sink.flush();
      return false;
    }
    if (pending < 0) {
      pending = d;
    } else {
      if (!sink.put(static_cast<uint8_t>(pending * 16 + d))) return false;
      pending = -1;
    }
  }
  if (pending >= 0 && !sink.put(static_cast<uint8_t>(pending * 16))) return false;
  return sink.flush();
}

bool pdf_ascii85_decode(ByteSpan in, std::vector<uint8_t>& out, const PdfCharge& charge) {
  ChargedSink sink(out, charge);
  uint64_t group = 0;
  int count = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const uint8_t c = in.data()[i];
    if (pdf_is_space(c)) continue;
    if (c == '~') break;
    if (c == 'z' && count == 0) {
      for (int k = 0; k < 4; ++k) {
        if (!sink.put(0)) return false;
      }
      continue;
    }
    if (c < '!' || c > 'u') {
      sink.flush();
      return false;
    }
    group = group * 85 + (c - '!');
    if (++count == 5) {
      if (group > UINT32_MAX) {
        sink.flush();
        return false;
      }
      for (int k = 3; k >= 0; --k) {
        if (!sink.put(static_cast<uint8_t>(group >> (8 * k)))) return false;
      }
      group = 0;
      count = 0;
    }
  }
  if (count == 1) {
    sink.flush();
    return false;  // one leftover character encodes nothing
  }
  if (count > 1) {
    for (int k = count; k < 5; ++k) group = group * 85 + 84;  // pad with 'u'
    if (group > UINT32_MAX) {
      sink.flush();
      return false;
    }
    for (int k = 0; k < count - 1; ++k) {
      if (!sink.put(static_cast<uint8_t>(group >> (8 * (3 - k))))) return false;
    }
  }
  return sink.flush();
}

bool pdf_run_length_decode(ByteSpan in, std::vector<uint8_t>& out, const PdfCharge& charge) {
  ChargedSink sink(out, charge);
  size_t i = 0;
  while (i < in.size()) {
    const uint8_t length = in.data()[i++];
    if (length == 128) break;
    if (length < 128) {
      for (int k = 0; k <= length; ++k) {
        if (i >= in.size()) return sink.flush() && false;
        if (!sink.put(in.data()[i++])) return false;
      }
    } else {
      if (i >= in.size()) return sink.flush() && false;
      const uint8_t byte = in.data()[i++];
      for (int k = 0; k < 257 - length; ++k) {
        if (!sink.put(byte)) return false;
      }
    }
  }
  return sink.flush();
}

bool pdf_unpredict(ByteSpan in, int predictor, int colors, int bits, int columns, std::vector<uint8_t>& out,
                   const PdfCharge& charge) {
  if (predictor < 2) {
    out.insert(out.end(), in.data(), in.data() + in.size());
    return charge(in.size(), out.size());
  }
  const size_t bits_per_pixel = static_cast<size_t>(colors) * static_cast<size_t>(bits);
  const size_t row_bytes = (bits_per_pixel * static_cast<size_t>(columns) + 7) / 8;
  const size_t bpp = bits_per_pixel >= 8 ? bits_per_pixel / 8 : 1;
  if (row_bytes == 0) return false;
  ChargedSink sink(out, charge);
  if (predictor == 2) {
    if (bits != 8) {  // only whole-byte samples are undone; others pass through unchanged
      for (size_t i = 0; i < in.size(); ++i) {
        if (!sink.put(in.data()[i])) return false;
      }
      return sink.flush();
    }
    for (size_t row = 0; row < in.size(); row += row_bytes) {
      const size_t base = out.size();
      for (size_t i = 0; i < row_bytes && row + i < in.size(); ++i) {
        uint8_t value = in.data()[row + i];
        if (i >= bpp) value = static_cast<uint8_t>(value + out[base + i - bpp]);
        if (!sink.put(value)) return false;
      }
    }
    return sink.flush();
  }
  // PNG: every row starts with its own filter type byte; the row above starts as zeros.
  std::vector<uint8_t> above(row_bytes, 0), current(row_bytes, 0);
  size_t at = 0;
  while (at < in.size()) {
    const uint8_t type = in.data()[at++];
    const size_t have = in.size() - at < row_bytes ? in.size() - at : row_bytes;
    for (size_t i = 0; i < have; ++i) {
      const int raw = in.data()[at + i];
      const int left = i >= bpp ? current[i - bpp] : 0;
      const int up = above[i];
      const int upper_left = i >= bpp ? above[i - bpp] : 0;
      int value;
      switch (type) {
        case 0:
          value = raw;
          break;
        case 1:
          value = raw + left;
          break;
        case 2:
          value = raw + up;
          break;
        case 3:
          value = raw + (left + up) / 2;
          break;
        case 4:
          value = raw + paeth(left, up, upper_left);
          break;
        default:
          sink.flush();
          return false;
      }
      current[i] = static_cast<uint8_t>(value);
      if (!sink.put(current[i])) return false;
    }
    at += have;
    above.swap(current);
  }
  return sink.flush();
}

PdfDecodeResult pdf_decode_stream(ByteSpan raw, const PdfValue& stream_dict, std::vector<uint8_t>& out,
                                  const PdfCharge& charge) {
  std::vector<const PdfValue*> filters, params;
  const PdfValue* filter = stream_dict.get("Filter");
  const PdfValue* parms = stream_dict.get("DecodeParms");
  if (parms == nullptr) parms = stream_dict.get("DP");
  if (filter != nullptr && filter->kind == PdfKind::Name) {
    filters.push_back(filter);
    params.push_back(parms && parms->kind == PdfKind::Dict                             ? parms
                     : parms && parms->kind == PdfKind::Array && !parms->items.empty() ? &parms->items[0]
                                                                                       : nullptr);
  } else if (filter != nullptr && filter->kind == PdfKind::Array) {
    for (size_t i = 0; i < filter->items.size() && i < 16; ++i) {
      filters.push_back(&filter->items[i]);
      params.push_back(parms && parms->kind == PdfKind::Array && i < parms->items.size() ? &parms->items[i] : nullptr);
    }
  }
  out.clear();
  if (filters.empty()) {
    out.assign(raw.data(), raw.data() + raw.size());
    return charge(out.size(), out.size()) ? PdfDecodeResult{} : PdfDecodeResult{PdfDecodeStatus::Stopped, ""};
  }
  std::vector<uint8_t> input(raw.data(), raw.data() + raw.size());
  bool stopped = false;
  // Wraps the caller's callback to remember a refusal, which the filters report as a plain failure.
  const PdfCharge tracked = [&](size_t added, size_t total) {
    if (charge(added, total)) return true;
    stopped = true;
    return false;
  };
  for (size_t i = 0; i < filters.size(); ++i) {
    const std::string& name = filters[i]->text;
    const ByteSpan in(input.data(), input.size());
    std::vector<uint8_t> decoded;
    bool ok;
    if (name == "FlateDecode" || name == "Fl" || name == "LZWDecode" || name == "LZW") {
      const bool flate = name[0] == 'F';
      ok = flate ? pdf_flate_decode(in, decoded, tracked)
                 : pdf_lzw_decode(in, int_param(params[i], "EarlyChange", 1, 0, 1) == 1, decoded, tracked);
      const int predictor = int_param(params[i], "Predictor", 1, 1, 15);
      if (predictor >= 2 && !stopped) {
        std::vector<uint8_t> unpredicted;
        const bool fine =
            pdf_unpredict(ByteSpan(decoded.data(), decoded.size()), predictor, int_param(params[i], "Colors", 1, 1, 32),
                          int_param(params[i], "BitsPerComponent", 8, 1, 16),
                          int_param(params[i], "Columns", 1, 1, 1 << 20), unpredicted, tracked);
        decoded.swap(unpredicted);
        ok = ok && fine;
      }
    } else if (name == "ASCIIHexDecode" || name == "AHx") {
      ok = pdf_ascii_hex_decode(in, decoded, tracked);
    } else if (name == "ASCII85Decode" || name == "A85") {
      ok = pdf_ascii85_decode(in, decoded, tracked);
    } else if (name == "RunLengthDecode" || name == "RL") {
      ok = pdf_run_length_decode(in, decoded, tracked);
    } else {
      out.swap(input);
      return PdfDecodeResult{PdfDecodeStatus::Unsupported, name};
    }
    input.swap(decoded);
    if (stopped) {
      out.swap(input);
      return PdfDecodeResult{PdfDecodeStatus::Stopped, name};
    }
    if (!ok) {
      out.swap(input);
      return PdfDecodeResult{PdfDecodeStatus::Corrupt, name};
    }
  }
  out.swap(input);
  return PdfDecodeResult{};
}

}  // namespace assay
