// Archive formats read by libarchive: one setup per format, each enabling only its own reader.
#include <archive.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "unpack/formats.h"
#include "unpack/libarchive_unpacker.h"

namespace assay {
namespace {

// Both zip readers: the seekable one (central directory) wins on whole archives; the streaming one
// (local headers in order) bids on what has no central directory, so an empty zip opens and a
// truncated zip still gives up the members that arrived whole.
bool enable_zip(struct archive* a) { return archive_read_support_format_zip(a) == ARCHIVE_OK; }
bool enable_zip_streaming(struct archive* a) { return archive_read_support_format_zip_streamable(a) == ARCHIVE_OK; }
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

// An RPM is a header followed by a compressed cpio payload. The payload comes out as one child (the
// decompressed cpio stream), which is then unpacked as cpio: its headers get the same checks as any
// cpio's (see cpio_names_fit), which they could not get inside one libarchive pass.
bool enable_rpm(struct archive* a) {
  return enable_in_process_filter(a, archive_read_support_filter_rpm) && enable_compression_filters(a) &&
         archive_read_support_format_raw(a) == ARCHIVE_OK;
}

// libarchive 3.6 reads a newc/crc member's name by asking its read-ahead layer for the whole stated
// name length (up to 4 GiB from 8 hex digits), and that layer allocates the buffer before it sees
// the input is too short (fixed upstream by capping names at 1 MiB). Every place a header could start
// (libarchive resynchronises on the magic) is checked first.
constexpr uint64_t kMaxCpioName = 1 << 20;

std::optional<uint64_t> hex8(ByteSpan b, size_t at) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) {
    const auto c = b.u8(at + i);
    if (!c) return std::nullopt;
    int digit = -1;
    if (*c >= '0' && *c <= '9') digit = *c - '0';
    if (*c >= 'a' && *c <= 'f') digit = *c - 'a' + 10;
    if (*c >= 'A' && *c <= 'F') digit = *c - 'A' + 10;
    if (digit < 0) return std::nullopt;
    value = value * 16 + static_cast<uint64_t>(digit);
  }
  return value;
}

bool cpio_names_fit(ByteSpan b) {
  constexpr size_t kNewcHeader = 110, kNameSizeAt = 94;
  const std::string_view text = b.as_chars();
  for (size_t at = text.find("07070"); at != std::string_view::npos; at = text.find("07070", at + 1)) {
    const auto kind = b.u8(at + 5);
    if (!kind || (*kind != '1' && *kind != '2')) continue;
    const auto name_size = hex8(b, at + kNameSizeAt);
    if (!name_size) continue;  // libarchive rejects a header with non-hex fields itself
    const uint64_t after = b.size() > at + kNewcHeader ? b.size() - at - kNewcHeader : 0;
    if (*name_size > after || *name_size > kMaxCpioName) return false;
  }
  return true;
}

// Only zip stores each member's compressed bytes contiguously; solid formats (7z, rar, cab) decode
// shared blocks, so a per-member ratio would be meaningless there.
constexpr LibarchiveSetup kZip{"zip", enable_zip, false, true};
constexpr LibarchiveSetup kZipStreaming{"zip", enable_zip_streaming, false, true};
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
constexpr LibarchiveSetup kRpm{"rpm", enable_rpm, true, true};

// libarchive's seekable zip reader loads the whole central directory before the first member, with
// about 150 bytes of heap per record: a zip of a million tiny entries cost 170 MB before the object
// limit could stop it. Every record starts with "PK\1\2", so when the zip holds more of those than
// the scan may still extract, only the streaming reader (local headers in order, constant memory)
// is enabled, and the object limit stops it as usual. Stops counting at `limit`.
bool more_central_records_than(ByteSpan b, uint64_t limit) {
  const std::string_view text = b.as_chars();
  uint64_t count = 0;
  for (size_t at = text.find("PK\1\2"); at != std::string_view::npos; at = text.find("PK\1\2", at + 4)) {
    if (++count > limit) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Unpacker> unpack_zip(ByteSpan b, UnpackContext& c) {
  const Budget& budget = c.budget;
  const uint64_t left = budget.limits().max_objects - std::min(budget.objects(), budget.limits().max_objects);
  if (!more_central_records_than(b, left)) return make_libarchive_unpacker(b, c, kZip);
  // Said in the report: the streaming reader trusts local headers, not the central directory.
  c.container.add_warning("zip: more central directory records than the " + std::to_string(left) +
                          " objects the scan may still extract; members read in local-header order");
  return make_libarchive_unpacker(b, c, kZipStreaming);
}
std::unique_ptr<Unpacker> unpack_7zip(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, k7zip); }
std::unique_ptr<Unpacker> unpack_rar(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kRar); }
std::unique_ptr<Unpacker> unpack_rar5(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kRar5); }
std::unique_ptr<Unpacker> unpack_tar(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kTar); }
std::unique_ptr<Unpacker> unpack_cpio(ByteSpan b, UnpackContext& c) {
  if (!cpio_names_fit(b)) {
    c.container.add_warning("cpio: a member header states a name longer than the archive; not unpacked");
    c.failed_to_open = true;
    return nullptr;
  }
  return make_libarchive_unpacker(b, c, kCpio);
}
std::unique_ptr<Unpacker> unpack_ar(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kAr); }
std::unique_ptr<Unpacker> unpack_cab(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kCab); }
std::unique_ptr<Unpacker> unpack_iso9660(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kIso9660); }
std::unique_ptr<Unpacker> unpack_xar(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kXar); }
std::unique_ptr<Unpacker> unpack_lha(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kLha); }
std::unique_ptr<Unpacker> unpack_rpm(ByteSpan b, UnpackContext& c) { return make_libarchive_unpacker(b, c, kRpm); }

}  // namespace assay
