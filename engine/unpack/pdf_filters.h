// PDF stream filters (ISO 32000-1 §7.4): FlateDecode (with PNG and TIFF predictors), LZWDecode (with
// EarlyChange), ASCIIHexDecode, ASCII85Decode and RunLengthDecode, applied as a stream's /Filter
// chain. Image codecs (DCTDecode, JPXDecode, JBIG2Decode, CCITTFaxDecode) and Crypt end the chain:
// what came before them is the result (for an image, its encoded bytes, which are the picture file).
//
// Every decoder appends to one output vector and reports its growth through a PdfCharge callback at
// least every kPdfChargeChunk bytes and at its end; when the callback refuses, decoding stops at once,
// so a bomb is cut at the first chunk past a limit. Truncated or corrupt input keeps what decoded.
// Thread-safety: free functions over caller-owned buffers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "unpack/pdf_syntax.h"
#include "util/checked_reader.h"

namespace assay {

constexpr size_t kPdfChargeChunk = size_t{64} << 10;

// Called with the bytes just added and the output's size now; false stops decoding.
using PdfCharge = std::function<bool(size_t added, size_t total)>;

enum class PdfDecodeStatus : uint8_t {
  Complete,     // every filter ran to its end
  Corrupt,      // a filter met bad data: the output holds what decoded before it
  Unsupported,  // the chain reached a filter left undecoded (an image codec, Crypt, unknown)
  Stopped,      // the charge callback refused
};

struct PdfDecodeResult {
  PdfDecodeStatus status = PdfDecodeStatus::Complete;
  std::string detail;  // the filter that was corrupt or unsupported
};

// Applies the chain that `stream_dict` names (/Filter, /DecodeParms; /F and /FFilter external files
// are not followed) to `raw`, into `out`.
PdfDecodeResult pdf_decode_stream(ByteSpan raw, const PdfValue& stream_dict, std::vector<uint8_t>& out,
                                  const PdfCharge& charge);

// The single filters, exposed for the unit tests and the fuzz target. Each appends to `out` and
// returns false on corrupt input or when `charge` refused (out keeps what decoded).
bool pdf_flate_decode(ByteSpan in, std::vector<uint8_t>& out, const PdfCharge& charge);
bool pdf_lzw_decode(ByteSpan in, bool early_change, std::vector<uint8_t>& out, const PdfCharge& charge);
bool pdf_ascii_hex_decode(ByteSpan in, std::vector<uint8_t>& out, const PdfCharge& charge);
bool pdf_ascii85_decode(ByteSpan in, std::vector<uint8_t>& out, const PdfCharge& charge);
bool pdf_run_length_decode(ByteSpan in, std::vector<uint8_t>& out, const PdfCharge& charge);
// Undoes a /Predictor (2: TIFF, 10..15: PNG) over rows of `columns` samples of `colors` x `bits`.
bool pdf_unpredict(ByteSpan in, int predictor, int colors, int bits, int columns, std::vector<uint8_t>& out,
                   const PdfCharge& charge);

}  // namespace assay
