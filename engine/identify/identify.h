// identify/: decides what an object is, from its bytes (and, for a few text formats, its name).
//
// Takes an object's ByteSpan, hands on an Identification. The built-in sniffer (content_sniffer.cpp
// and the sniff_*.cpp files it dispatches to) recognises every format of file_format.h from magic
// bytes plus light structure checks; libmagic is consulted only when the sniffer knows nothing, and
// only on a capped prefix.
//
// Thread-safety: an Identifier is immutable after construction and may be shared by any number of
// scanning threads; its libmagic handles come from an internal pool.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "identify/file_format.h"
#include "util/checked_reader.h"

namespace assay {

class MagicPool;

struct Identification {
  FileFormat format = FileFormat::Unknown;
  // libmagic's description, filled only when the built-in sniffer did not know the format.
  std::string magic_description;
};

// The built-in dispatcher: magic bytes and structure checks only, no allocation, no libmagic.
// `name` is the object's file name (may be empty); it only breaks ties between text formats.
// Returns Unknown for binary data it does not recognise, PlainText for unrecognised text.
FileFormat sniff_format(ByteSpan bytes, std::string_view name);

class Identifier {
 public:
  // `magic_prefix_limit`: at most this many leading bytes are shown to libmagic.
  explicit Identifier(size_t magic_prefix_limit = 64 * 1024);
  ~Identifier();
  Identifier(const Identifier&) = delete;
  Identifier& operator=(const Identifier&) = delete;

  // `entropy` (bits per byte, when the caller already knows it) lets identify skip libmagic on
  // near-random data: libmagic would spend ~200 us to say "data" there.
  Identification identify(ByteSpan bytes, std::string_view name, double entropy = -1.0) const;

  // True when `entropy` over `size` bytes is what random data of that size shows: a finite sample
  // of uniform bytes falls short of 8 bits by about 184/size, so the bar is size-aware.
  static bool looks_random(double entropy, size_t size);

 private:
  std::unique_ptr<MagicPool> magic_;
};

}  // namespace assay
