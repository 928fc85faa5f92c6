// Raw compressed streams (gzip, bzip2, xz, lzma, lzip, zstd, lz4, compress): one member each, the
// decompressed bytes, read through libarchive's "raw" format with only the matching filter enabled.
// A .tar.gz is therefore two layers: gzip here, then tar as its child.
#include <archive.h>

#include "unpack/formats.h"
#include "unpack/libarchive_unpacker.h"

namespace assay {
namespace {

template <int (*Support)(struct archive*)>
bool enable_raw(struct archive* a) {
  return enable_in_process_filter(a, Support) && archive_read_support_format_raw(a) == ARCHIVE_OK;
}

constexpr LibarchiveSetup kGzip{"gzip", enable_raw<archive_read_support_filter_gzip>, true, true};
constexpr LibarchiveSetup kBzip2{"bzip2", enable_raw<archive_read_support_filter_bzip2>, true, true};
constexpr LibarchiveSetup kXz{"xz", enable_raw<archive_read_support_filter_xz>, true, true};
constexpr LibarchiveSetup kLzma{"lzma", enable_raw<archive_read_support_filter_lzma>, true, true};
constexpr LibarchiveSetup kLzip{"lzip", enable_raw<archive_read_support_filter_lzip>, true, true};
constexpr LibarchiveSetup kZstd{"zstd", enable_raw<archive_read_support_filter_zstd>, true, true};
constexpr LibarchiveSetup kLz4{"lz4", enable_raw<archive_read_support_filter_lz4>, true, true};
constexpr LibarchiveSetup kCompress{"compress", enable_raw<archive_read_support_filter_compress>, true, true};

}  // namespace

bool enable_compression_filters(struct archive* a) {
  return enable_in_process_filter(a, archive_read_support_filter_gzip) &&
         enable_in_process_filter(a, archive_read_support_filter_bzip2) &&
         enable_in_process_filter(a, archive_read_support_filter_xz) &&
         enable_in_process_filter(a, archive_read_support_filter_lzma) &&
         enable_in_process_filter(a, archive_read_support_filter_zstd);
}

std::unique_ptr<Unpacker> unpack_gzip(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kGzip); }
std::unique_ptr<Unpacker> unpack_bzip2(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kBzip2); }
std::unique_ptr<Unpacker> unpack_xz(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kXz); }
std::unique_ptr<Unpacker> unpack_lzma(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kLzma); }
std::unique_ptr<Unpacker> unpack_lzip(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kLzip); }
std::unique_ptr<Unpacker> unpack_zstd(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kZstd); }
std::unique_ptr<Unpacker> unpack_lz4(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kLz4); }
std::unique_ptr<Unpacker> unpack_compress(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kCompress); }

}  // namespace assay
