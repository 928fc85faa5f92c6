// [MS-OLEPS] property sets of the summary streams into metadata.document (see ole_properties.h).
// Section numbers refer to [MS-OLEPS]; the property ids are those the SummaryInformation and
// DocumentSummaryInformation property sets define.
#include "analyze/ole_properties.h"

#include <cstdio>
#include <string_view>

#include "unpack/ole2_text.h"

namespace assay {
namespace {

constexpr std::string_view kSummaryFmtid = "\xe0\x85\x9f\xf2\xf9\x4f\x68\x10\xab\x91\x08\x00\x2b\x27\xb3\xd9";
constexpr std::string_view kDocSummaryFmtid = "\x02\xd5\xcd\xd5\x9c\x2e\x1b\x10\x93\x97\x08\x00\x2b\x2c\xf9\xae";
constexpr size_t kMaxStreamBytes = 1 << 20;  // summary streams are a few KiB; a thumbnail may add more
constexpr size_t kMaxProperties = 1024;
constexpr size_t kMaxStringBytes = 64 * 1024;
constexpr uint32_t kPidCodepage = 1;

// 2.15: VT_* type codes this reader understands.
constexpr uint16_t kVtI2 = 0x0002, kVtI4 = 0x0003, kVtBool = 0x000b, kVtUi2 = 0x0012, kVtUi4 = 0x0013;
constexpr uint16_t kVtInt = 0x0016, kVtUint = 0x0017, kVtLpstr = 0x001e, kVtLpwstr = 0x001f, kVtFiletime = 0x0040;

struct Mapping {
  uint32_t id;
  std::string_view key;
};

// SummaryInformation (FMTID F29F85E0-4FF9-1068-AB91-08002B27B3D9).
constexpr Mapping kSummary[] = {
    {2, "title"},         {3, "subject"},        {4, "author"},        {5, "keywords"},       {6, "comments"},
    {7, "template"},      {8, "last_saved_by"},  {9, "revision"},      {11, "last_printed"},  {12, "creation_date"},
    {13, "modified_date"}, {14, "pages"},        {15, "words"},        {16, "characters"},    {18, "application"},
    {19, "security"},
};
// Windows Installer packages reuse the SummaryInformation ids with meanings of their own.
constexpr Mapping kInstallerSummary[] = {
    {2, "title"},          {3, "subject"},          {4, "author"},        {5, "keywords"},
    {6, "comments"},       {7, "template"},         {8, "last_saved_by"}, {9, "revision"},
    {12, "creation_date"}, {13, "modified_date"},   {14, "installer_version"}, {15, "source_flags"},
    {18, "application"},   {19, "security"},
};
// DocumentSummaryInformation, first section (FMTID D5CDD502-2E9C-101B-9397-08002B2CF9AE).
constexpr Mapping kDocSummary[] = {
    {2, "category"}, {3, "presentation_target"}, {5, "lines"},  {6, "paragraphs"}, {7, "slides"},
    {8, "notes"},    {9, "hidden_slides"},       {14, "manager"}, {15, "company"},
};

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm), for any proleptic Gregorian day.
void civil_from_days(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

std::optional<OleProperty> read_value(ByteSpan section, uint32_t id, size_t at, int codepage) {
  const auto type = section.le16(at);
  if (!type) return std::nullopt;
  const size_t value = at + 4;  // 2.15 TypedPropertyValue: Type, Padding, Value
  OleProperty property{id, int64_t{0}};
  switch (*type) {
    case kVtI2: {
      const auto v = section.le16(value);
      if (!v) return std::nullopt;
      property.value = static_cast<int64_t>(static_cast<int16_t>(*v));
      return property;
    }
    case kVtUi2:
    case kVtBool: {
      const auto v = section.le16(value);
      if (!v) return std::nullopt;
      property.value = static_cast<int64_t>(*type == kVtBool ? (*v != 0) : *v);
      return property;
    }
    case kVtI4:
    case kVtInt: {
      const auto v = section.le32(value);
      if (!v) return std::nullopt;
      property.value = static_cast<int64_t>(static_cast<int32_t>(*v));
      return property;
    }
    case kVtUi4:
    case kVtUint: {
      const auto v = section.le32(value);
      if (!v) return std::nullopt;
      property.value = static_cast<int64_t>(*v);
      return property;
    }
    case kVtFiletime: {
      const auto v = section.le64(value);
      if (!v) return std::nullopt;
      property.value = OleProperty::FileTime{*v};
      return property;
    }
    case kVtLpstr: {  // 2.5 CodePageString: size in bytes (NUL included), then the bytes
      const auto size = section.le32(value);
      if (!size) return std::nullopt;
      const auto bytes = section.exact(value + 4, std::min<size_t>(*size, kMaxStringBytes));
      if (!bytes) return std::nullopt;
      property.value = codepage_to_utf8(*bytes, codepage);
      return property;
    }
    case kVtLpwstr: {  // 2.7 UnicodeString: length in characters (NUL included), then UTF-16LE
      const auto length = section.le32(value);
      if (!length) return std::nullopt;
      const auto bytes = section.exact(value + 4, std::min<size_t>(static_cast<size_t>(*length) * 2, kMaxStringBytes));
      if (!bytes) return std::nullopt;
      property.value = utf16le_to_utf8(*bytes);
      return property;
    }
    default: return std::nullopt;
  }
}

void map_into(const std::vector<OleProperty>& properties, const Mapping* first, const Mapping* last, Value& document) {
  for (const OleProperty& property : properties) {
    for (const Mapping* m = first; m != last; ++m) {
      if (m->id != property.id) continue;
      if (const auto* text = std::get_if<std::string>(&property.value)) {
        if (!text->empty()) document.set(std::string(m->key), *text);
      } else if (const auto* number = std::get_if<int64_t>(&property.value)) {
        document.set(std::string(m->key), *number);
      } else if (const auto* time = std::get_if<OleProperty::FileTime>(&property.value)) {
        if (auto iso = filetime_to_iso8601(time->ticks)) document.set(std::string(m->key), std::move(*iso));
      }
    }
  }
}

}  // namespace

std::optional<std::string> filetime_to_iso8601(uint64_t ticks) {
  if (ticks == 0) return std::nullopt;
  constexpr int64_t kUnixEpochSeconds = 11644473600;  // 1601-01-01 to 1970-01-01
  const int64_t seconds = static_cast<int64_t>(ticks / 10'000'000) - kUnixEpochSeconds;
  const int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  const int64_t rest = seconds - days * 86400;
  int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, year, month, day);
  if (year < 1601 || year > 9999) return std::nullopt;
  char text[64];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<long long>(year), month, day,
                static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                static_cast<long long>(rest % 60));
  return std::string(text);
}

// 2.21 PropertySetStream, 2.20 PropertySet: a header naming the sections, each section a count of
// (id, offset) pairs followed by the values those offsets point at.
std::vector<OleProperty> read_property_set(ByteSpan stream, ByteSpan fmtid, std::vector<std::string>& problems) {
  std::vector<OleProperty> properties;
  const auto order = stream.le16(0);
  const auto sets = stream.le32(24);
  if (!order || !sets || *order != 0xfffe) {
    problems.push_back("property set: no valid header");
    return properties;
  }
  const auto section_fmtid = stream.exact(28, 16);
  const auto section_offset = stream.le32(44);
  if (*sets < 1 || !section_fmtid || !section_offset) {
    problems.push_back("property set: no section");
    return properties;
  }
  if (!section_fmtid->matches(0, fmtid.as_chars())) return properties;  // another property set
  const ByteSpan section = stream.sub(*section_offset);
  const auto size = section.le32(0);
  const auto count = section.le32(4);
  if (!size || !count) {
    problems.push_back("property set: section header cut off");
    return properties;
  }
  const ByteSpan body = section.prefix(*size);
  const size_t wanted = std::min<size_t>(*count, kMaxProperties);
  if (*count > kMaxProperties) problems.push_back("property set: more than 1024 properties; the rest are not read");
  // The code page (property 1) says how to read every ANSI string; it may come anywhere in the list.
  int codepage = 1252;
  for (size_t i = 0; i < wanted; ++i) {
    const auto id = body.le32(8 + 8 * i);
    const auto offset = body.le32(12 + 8 * i);
    if (!id || !offset) break;
    if (*id != kPidCodepage) continue;
    // The value's type is the file's say: a code page stored as a string or a date is ignored.
    const auto page = read_value(body, *id, *offset, codepage);
    if (const int64_t* number = page ? std::get_if<int64_t>(&page->value) : nullptr) {
      codepage = static_cast<uint16_t>(*number);  // stored as VT_I2: 65001 reads -535
    }
  }
  for (size_t i = 0; i < wanted; ++i) {
    const auto id = body.le32(8 + 8 * i);
    const auto offset = body.le32(12 + 8 * i);
    if (!id || !offset) {
      problems.push_back("property set: property list cut off after " + std::to_string(i) + " entries");
      break;
    }
    if (*id == 0 || *id == kPidCodepage) continue;  // the dictionary and the code page
    if (auto property = read_value(body, *id, *offset, codepage)) properties.push_back(std::move(*property));
  }
  return properties;
}

void read_document_properties(const CfbFile& cfb, bool installer, Value& document, std::vector<std::string>& problems) {
  struct Source {
    std::string_view stream;
    std::string_view fmtid;
    const Mapping* first;
    const Mapping* last;
  };
  const Source sources[] = {
      {"\x05SummaryInformation", kSummaryFmtid, installer ? std::begin(kInstallerSummary) : std::begin(kSummary),
       installer ? std::end(kInstallerSummary) : std::end(kSummary)},
      {"\x05" "DocumentSummaryInformation", kDocSummaryFmtid, std::begin(kDocSummary), std::end(kDocSummary)},
  };
  for (const Source& source : sources) {
    const auto id = cfb.find(source.stream);
    if (!id || cfb.entry(*id).type != CfbType::Stream) continue;
    std::vector<uint8_t> scratch;
    const ByteSpan stream = cfb.read(*id, scratch, kMaxStreamBytes);
    const ByteSpan fmtid(reinterpret_cast<const uint8_t*>(source.fmtid.data()), source.fmtid.size());
    map_into(read_property_set(stream, fmtid, problems), source.first, source.last, document);
  }
}

}  // namespace assay
