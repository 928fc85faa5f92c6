// Internal to unpack/: the per-format factories that registry.cpp lists.
#pragma once

#include <memory>

#include "unpack/unpacker.h"

struct archive;

namespace assay {

bool enable_compression_filters(struct archive* a);

#define ASSAY_DECLARE_UNPACKER(name) std::unique_ptr<Unpacker> unpack_##name(ByteSpan bytes, UnpackContext& ctx);
ASSAY_DECLARE_UNPACKER(zip)
ASSAY_DECLARE_UNPACKER(7zip)
ASSAY_DECLARE_UNPACKER(rar)
ASSAY_DECLARE_UNPACKER(rar5)
ASSAY_DECLARE_UNPACKER(tar)
ASSAY_DECLARE_UNPACKER(cpio)
ASSAY_DECLARE_UNPACKER(ar)
ASSAY_DECLARE_UNPACKER(cab)
ASSAY_DECLARE_UNPACKER(iso9660)
ASSAY_DECLARE_UNPACKER(xar)
ASSAY_DECLARE_UNPACKER(lha)
ASSAY_DECLARE_UNPACKER(rpm)
ASSAY_DECLARE_UNPACKER(gzip)
ASSAY_DECLARE_UNPACKER(bzip2)
ASSAY_DECLARE_UNPACKER(xz)
ASSAY_DECLARE_UNPACKER(lzma)
ASSAY_DECLARE_UNPACKER(lzip)
ASSAY_DECLARE_UNPACKER(zstd)
ASSAY_DECLARE_UNPACKER(lz4)
ASSAY_DECLARE_UNPACKER(compress)
ASSAY_DECLARE_UNPACKER(macho_fat)
ASSAY_DECLARE_UNPACKER(pe)
#undef ASSAY_DECLARE_UNPACKER

}  // namespace assay
