#include "identify/file_format.h"

#include <array>

namespace assay {
namespace {

constexpr std::array kFormats = {
#define ASSAY_FORMAT_ROW(id, type, subtype, name) FormatInfo{type, subtype, name},
    ASSAY_FILE_FORMATS(ASSAY_FORMAT_ROW)
#undef ASSAY_FORMAT_ROW
};

}  // namespace

const FormatInfo& format_info(FileFormat format) {
  const auto index = static_cast<size_t>(format);
  return index < kFormats.size() ? kFormats[index] : kFormats[0];
}

size_t format_count() { return kFormats.size(); }

FileFormat format_at(size_t index) {
  return index < kFormats.size() ? static_cast<FileFormat>(index) : FileFormat::Unknown;
}

}  // namespace assay
