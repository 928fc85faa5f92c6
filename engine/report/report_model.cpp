#include "report/report_model.h"

#include <algorithm>

namespace assay {
namespace {

bool same_kind(FileFormat a, FileFormat b) {
  const FormatInfo& x = format_info(a);
  const FormatInfo& y = format_info(b);
  return x.file_type == y.file_type && x.file_subtype == y.file_subtype;
}

void count_into(std::vector<FileStat>& stats, FileFormat format, uint64_t count) {
  auto row = std::find_if(stats.begin(), stats.end(), [&](const FileStat& s) { return same_kind(s.representative, format); });
  if (row == stats.end()) {
    stats.push_back(FileStat{format, 0, {}});
    row = stats.end() - 1;
  }
  row->count += count;
  auto id = std::find_if(row->identifications.begin(), row->identifications.end(),
                         [&](const auto& pair) { return format_info(pair.first).identification == format_info(format).identification; });
  if (id == row->identifications.end()) {
    row->identifications.emplace_back(format, count);
  } else {
    id->second += count;
  }
}

}  // namespace

void Entry::add_tag(std::string_view tag) {
  if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.emplace_back(tag);
}

void Entry::add_warning(std::string warning) {
  if (warnings.size() < kMaxWarnings) {
    warnings.push_back(std::move(warning));
  } else if (warnings.size() == kMaxWarnings) {
    warnings.emplace_back("further warnings suppressed");
  }
}

void Entry::set_property(std::string name, Scalar value) {
  for (Property& property : properties) {
    if (property.name == name) {
      property.value = std::move(value);
      return;
    }
  }
  properties.push_back(Property{std::move(name), std::move(value)});
}

void ReportModel::finish() {
  // Children always come after their parent, so a reverse sweep sees every subtree complete.
  for (Entry& entry : entries_) entry.statistics.clear();
  for (size_t i = entries_.size(); i-- > 0;) {
    Entry& entry = entries_[i];
    count_into(entry.statistics, entry.format, 1);
    if (entry.parent >= 0) {
      Entry& parent = entries_[static_cast<size_t>(entry.parent)];
      for (const FileStat& row : entry.statistics) {
        for (const auto& [format, count] : row.identifications) count_into(parent.statistics, format, count);
      }
    }
  }
}

}  // namespace assay
