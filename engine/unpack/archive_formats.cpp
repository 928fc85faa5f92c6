// Archive formats read by libarchive: one setup per format, each enabling only its own reader.
#include <archive.h>

#include "unpack/formats.h"
#include "unpack/libarchive_unpacker.h"

namespace assay {
namespace {

// Both zip readers: the seekable one (central directory) wins on whole archives; the streaming one
// (local headers in order) bids on what has no central directory, so an empty zip opens and a
// truncated zip still gives up the members that arrived whole.
bool enable_zip(struct archive* a) { return archive_read_support_format_zip(a) == ARCHIVE_OK; }
bool enable_7zip(struct archive* a) { return archive_read_support_format_7zip(a) == ARCHIVE_OK; }
bool enable_rar(struct archive* a) { return archive_read_support_format_rar(a) == ARCHIVE_OK; }
bool enable_rar5(struct archive* a) { return archive_read_support_format_rar5(a) == ARCHIVE_OK; }
bool enable_tar(struct archive* a) { return archive_read_support_format_tar(a) == ARCHIVE_OK; }
bool enable_cpio(struct archive* a) { return archive_read_support_format_cpio(a) == ARCHIVE_OK; }
bool enable_ar(struct archive* a) { return archive_read_support_format_ar(a) == ARCHIVE_OK; }
bool enable_cab(struct archive* a) { return archive_read_support_format_cab(a) == ARCHIVE_OK; }
bool enable_iso9660(struct archive* a) { return archive_read_support_format_iso9660(a) == ARCHIVE_OK; }
bool enable_xar(struct archive* a) { return archive_read_support_format_xar(a) == ARCHIVE_OK; }
bool enable_lha(struct archive* a) { return archive_read_support_format_lha(a) == ARCHIVE_OK; }

// An RPM is a header followed by a compressed cpio payload; libarchive's rpm filter strips the header
// and the payload's own compression filter follows, so the files come out directly.
bool enable_rpm(struct archive* a) {
  return enable_in_process_filter(a, archive_read_support_filter_rpm) && enable_compression_filters(a) &&
         archive_read_support_format_cpio(a) == ARCHIVE_OK;
}

// Only zip stores each member's compressed bytes contiguously; solid formats (7z, rar, cab) decode
// shared blocks, so a per-member ratio would be meaningless there.
constexpr LibarchiveSetup kZip{"zip", enable_zip, false, true};
constexpr LibarchiveSetup k7zip{"7-zip", enable_7zip, false, false};
constexpr LibarchiveSetup kRar{"rar", enable_rar, false, false};
constexpr LibarchiveSetup kRar5{"rar5", enable_rar5, false, false};
constexpr LibarchiveSetup kTar{"tar", enable_tar, false, false};
constexpr LibarchiveSetup kCpio{"cpio", enable_cpio, false, false};
constexpr LibarchiveSetup kAr{"ar", enable_ar, false, false};
constexpr LibarchiveSetup kCab{"cab", enable_cab, false, false};
constexpr LibarchiveSetup kIso9660{"iso9660", enable_iso9660, false, false};
constexpr LibarchiveSetup kXar{"xar", enable_xar, false, false};
constexpr LibarchiveSetup kLha{"lha", enable_lha, false, false};
constexpr LibarchiveSetup kRpm{"rpm", enable_rpm, false, false};

}  // namespace

std::unique_ptr<Unpacker> unpack_zip(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kZip); }
std::unique_ptr<Unpacker> unpack_7zip(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, k7zip); }
std::unique_ptr<Unpacker> unpack_rar(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kRar); }
std::unique_ptr<Unpacker> unpack_rar5(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kRar5); }
std::unique_ptr<Unpacker> unpack_tar(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kTar); }
std::unique_ptr<Unpacker> unpack_cpio(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kCpio); }
std::unique_ptr<Unpacker> unpack_ar(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kAr); }
std::unique_ptr<Unpacker> unpack_cab(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kCab); }
std::unique_ptr<Unpacker> unpack_iso9660(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kIso9660); }
std::unique_ptr<Unpacker> unpack_xar(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kXar); }
std::unique_ptr<Unpacker> unpack_lha(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kLha); }
std::unique_ptr<Unpacker> unpack_rpm(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kRpm); }

}  // namespace assay
