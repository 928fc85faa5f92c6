// The one bridge to libarchive, shared by every archive format and raw compressed stream.
//
// libarchive reads the container straight from the object's bytes through our callbacks (no copy,
// seekable so zip and 7z use their central directories). Only the formats and filters a setup names
// are enabled for a given object, so a file identified as zip is never parsed as anything else, and a
// filter that would run an external program is never enabled at all.
#pragma once

#include <memory>

#include "unpack/unpacker.h"

struct archive;

namespace assay {

struct LibarchiveSetup {
  const char* what;                  // for warnings, e.g. "zip"
  bool (*enable)(struct archive*);   // enables formats/filters; false when one is unavailable in-process
  bool raw_stream;                   // one member: the decompressed stream, named after the container
  bool ratio_per_member;             // a member's compressed bytes are contiguous: judge its ratio
};

std::unique_ptr<Unpacker> make_libarchive_unpacker(ByteSpan bytes, UnpackContext& ctx, const LibarchiveSetup& setup);

// Enables one compression filter only when libarchive decodes it in-process (it reports ARCHIVE_WARN
// when it would fall back to running an external program, which we never allow).
bool enable_in_process_filter(struct archive* a, int (*support)(struct archive*));

}  // namespace assay
