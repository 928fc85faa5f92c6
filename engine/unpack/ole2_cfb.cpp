// [MS-CFB] reader, first half: header, DIFAT/FAT, directory and storage tree, and lookups by name
// and path (see ole2_cfb.h for the guarantees; ole2_cfb_streams.cpp claims and reads the chains).
// Section numbers refer to [MS-CFB].
#include "unpack/ole2_cfb.h"

#include <algorithm>

#include "unpack/ole2_text.h"

namespace assay {
namespace {

constexpr std::string_view kSignature = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
constexpr size_t kHeaderSize = 512;
constexpr size_t kHeaderDifatAt = 76;
constexpr size_t kHeaderDifatCount = 109;
constexpr size_t kEntrySize = 128;
constexpr uint32_t kFreeSector = 0xffffffff;

std::string number(uint64_t value) { return std::to_string(value); }

bool ascii_equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::unique_ptr<CfbFile> CfbFile::open(ByteSpan bytes) {
  if (bytes.size() < kHeaderSize || !bytes.starts_with(kSignature)) return nullptr;
  std::unique_ptr<CfbFile> file(new CfbFile(bytes));
  if (!file->read_header()) return file;  // no entries: the problems say why
  file->read_fat_sectors();
  file->read_directory();
  file->walk_tree();
  file->claim_chains();
  if (file->dropped_problems_ > 0) {
    file->problems_.push_back("... and " + number(file->dropped_problems_) + " more problems");
  }
  return file;
}

void CfbFile::problem(std::string text) {
  if (problems_.size() < kMaxProblems) {
    problems_.push_back(std::move(text));
  } else {
    ++dropped_problems_;
  }
}

// 2.2: the header. Only a sector size the format can describe is fatal; every other oddity is noted
// and read past, as Office and olefile do.
bool CfbFile::read_header() {
  major_version_ = *bytes_.le16(26);
  if (*bytes_.le16(28) != 0xfffe) problem("header: byte order mark is not 0xFFFE");
  const uint16_t shift = *bytes_.le16(30);
  if (shift < 9 || shift > 16) {
    problem("header: sector shift " + number(shift) + " is not a sector size the format allows");
    return false;
  }
  sector_shift_ = shift;
  if ((major_version_ == 3 && shift != 9) || (major_version_ == 4 && shift != 12) ||
      (major_version_ != 3 && major_version_ != 4)) {
    problem("header: version " + number(major_version_) + " with " + number(sector_size()) + "-byte sectors");
  }
  const uint16_t mini_shift = *bytes_.le16(32);
  if (mini_shift != 6) problem("header: mini sector shift " + number(mini_shift) + " instead of 6");
  mini_shift_ = mini_shift >= 2 && mini_shift < shift ? mini_shift : 6;
  fat_count_ = *bytes_.le32(44);
  first_directory_ = *bytes_.le32(48);
  mini_cutoff_ = *bytes_.le32(56);
  if (mini_cutoff_ != 4096) problem("header: mini stream cutoff " + number(mini_cutoff_) + " instead of 4096");
  first_mini_fat_ = *bytes_.le32(60);
  mini_fat_count_ = *bytes_.le32(64);
  first_difat_ = *bytes_.le32(68);
  difat_count_ = *bytes_.le32(72);
  // The header fills sector -1, so sector N starts at (N + 1) * sector size; a short last sector counts.
  const size_t header_bytes = sector_size();
  file_sectors_ = bytes_.size() > header_bytes ? (bytes_.size() - header_bytes + sector_size() - 1) >> shift : 0;
  sector_used_.assign(file_sectors_, 0);
  return true;
}

std::optional<size_t> CfbFile::sector_offset(uint32_t sector) const {
  if (sector >= file_sectors_) return std::nullopt;
  return static_cast<size_t>((static_cast<uint64_t>(sector) + 1) << sector_shift_);
}

// 2.5: the first 109 FAT sector numbers are in the header, the rest in a chain of DIFAT sectors whose
// last slot links to the next. No more FAT sectors are read than the file has sectors.
void CfbFile::read_fat_sectors() {
  const size_t wanted = std::min<size_t>(fat_count_, file_sectors_);
  if (fat_count_ > file_sectors_) {
    problem("header: " + number(fat_count_) + " FAT sectors stated, the file has " + number(file_sectors_) + " sectors");
  }
  const auto take = [&](uint32_t sector, std::string_view where) {
    if (sector >= file_sectors_) {
      problem(std::string(where) + ": FAT sector " + number(sector) + " is outside the file");
      return false;
    }
    if (sector_used_[sector]) {
      problem(std::string(where) + ": FAT sector " + number(sector) + " is listed twice");
      return false;
    }
    sector_used_[sector] = 1;
    fat_sectors_.push_back(sector);
    return true;
  };
  for (size_t i = 0; i < kHeaderDifatCount && fat_sectors_.size() < wanted; ++i) {
    const uint32_t sector = *bytes_.le32(kHeaderDifatAt + 4 * i);
    if (sector == kFreeSector) break;
    if (!take(sector, "header DIFAT")) return;
  }
  const size_t per_difat = sector_size() / 4 - 1;  // the last slot links to the next DIFAT sector
  uint32_t difat = first_difat_;
  size_t difat_read = 0;
  while (fat_sectors_.size() < wanted && difat <= kCfbMaxRegularSector) {
    const auto offset = sector_offset(difat);
    if (!offset || sector_used_[difat]) {
      problem("DIFAT: sector " + number(difat) + (offset ? " is reached twice (a loop)" : " is outside the file"));
      return;
    }
    sector_used_[difat] = 1;
    if (++difat_read > difat_count_) problem("DIFAT: more sectors than the header's " + number(difat_count_));
    for (size_t i = 0; i < per_difat && fat_sectors_.size() < wanted; ++i) {
      const auto sector = bytes_.le32(*offset + 4 * i);
      if (!sector || *sector == kFreeSector) break;
      if (!take(*sector, "DIFAT")) return;
    }
    const auto next = bytes_.le32(*offset + 4 * per_difat);
    if (!next) break;
    difat = *next;
  }
  if (fat_sectors_.size() < wanted) {
    problem("FAT: " + number(fat_sectors_.size()) + " of " + number(fat_count_) + " FAT sectors found");
  }
}

std::optional<uint32_t> CfbFile::next_sector(uint32_t sector) const {
  const size_t per_sector = sector_size() / 4;
  const size_t index = sector / per_sector;
  if (index >= fat_sectors_.size()) return std::nullopt;
  const auto offset = sector_offset(fat_sectors_[index]);
  if (!offset) return std::nullopt;
  return bytes_.le32(*offset + (sector % per_sector) * 4);
}

std::optional<uint32_t> CfbFile::next_mini_sector(uint32_t sector) const {
  const size_t per_sector = sector_size() / 4;
  const size_t index = sector / per_sector;
  if (index >= mini_fat_sectors_.size()) return std::nullopt;
  const auto offset = sector_offset(mini_fat_sectors_[index]);
  if (!offset) return std::nullopt;
  return bytes_.le32(*offset + (sector % per_sector) * 4);
}

// 2.6: the directory is a chain of 128-byte entries; its length is whatever the chain holds.
void CfbFile::read_directory() {
  std::vector<uint32_t> sectors;
  claim_chain(first_directory_, file_sectors_, "directory", &sectors);
  const size_t per_sector = sector_size() / kEntrySize;
  size_t count = sectors.size() * per_sector;
  if (count > kMaxEntries) {
    problem("directory: " + number(count) + " entries; only the first " + number(kMaxEntries) + " are read");
    count = kMaxEntries;
  }
  entries_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const auto at = sector_offset(sectors[i / per_sector]);
    const auto raw = at ? bytes_.exact(*at + (i % per_sector) * kEntrySize, kEntrySize) : std::nullopt;
    if (!raw) {
      problem("directory: entry " + number(i) + " is cut off by the end of the file");
      break;
    }
    CfbEntry entry;
    const uint16_t name_bytes = std::min<uint16_t>(*raw->le16(64), 64);
    entry.name = utf16le_to_utf8(raw->prefix(name_bytes));
    const uint8_t type = *raw->u8(66);
    if (type == 1 || type == 2 || type == 5) entry.type = static_cast<CfbType>(type);
    entry.left = *raw->le32(68);
    entry.right = *raw->le32(72);
    entry.child = *raw->le32(76);
    for (size_t b = 0; b < entry.clsid.size(); ++b) entry.clsid[b] = *raw->u8(80 + b);
    entry.start_sector = *raw->le32(116);
    // 2.6.3: version 3 writers may leave garbage in the high half of the size.
    entry.size = sector_shift_ == 9 ? *raw->le32(120) : *raw->le64(120);
    entries_.push_back(std::move(entry));
  }
}

// 2.6.4: each storage's children form a binary search tree through left/right siblings. Walked with
// explicit stacks, in order, marking each entry on first sight so no loop can revisit it.
void CfbFile::walk_tree() {
  if (entries_.empty()) {
    problem("directory: no entries");
    return;
  }
  if (entries_[0].type != CfbType::Root) problem("directory: entry 0 is not the root storage");
  entries_[0].reachable = true;
  struct Pending {
    uint32_t storage;
    size_t depth;
  };
  std::vector<Pending> storages{{0, 0}};
  std::vector<uint32_t> in_order;
  while (!storages.empty()) {
    const Pending current = storages.back();
    storages.pop_back();
    CfbEntry& storage = entries_[current.storage];
    storage.first_child = static_cast<uint32_t>(children_.size());
    uint32_t at = storage.child;
    const auto usable = [&](uint32_t id) {
      if (id == kCfbNoEntry) return false;
      if (id >= entries_.size()) {
        problem("directory: link to entry " + number(id) + ", past the last entry");
        return false;
      }
      if (entries_[id].reachable) {
        problem("directory: entry " + number(id) + " is linked twice (a loop in the tree)");
        return false;
      }
      entries_[id].reachable = true;
      return true;
    };
    in_order.clear();
    while (true) {
      while (usable(at)) {
        in_order.push_back(at);
        at = entries_[at].left;
      }
      if (in_order.empty()) break;
      const uint32_t id = in_order.back();
      in_order.pop_back();
      at = entries_[id].right;
      CfbEntry& child = entries_[id];
      if (child.type == CfbType::Unused || child.type == CfbType::Root) {
        problem("directory: entry " + number(id) + " in the tree is not a stream or storage");
        continue;
      }
      child.parent = current.storage;
      children_.push_back(id);
    }
    storage.child_count = static_cast<uint32_t>(children_.size() - storage.first_child);
    // Streams of this storage now, its storages after (pushed in reverse to be visited in order).
    std::vector<uint32_t> sub_storages;
    for (uint32_t i = storage.first_child; i < storage.first_child + storage.child_count; ++i) {
      const uint32_t id = children_[i];
      if (entries_[id].type == CfbType::Stream) {
        streams_.push_back(id);
      } else if (current.depth + 1 >= kMaxStorageDepth) {
        problem("directory: storages nested deeper than " + number(kMaxStorageDepth) + " levels are not read");
      } else {
        sub_storages.push_back(id);
      }
    }
    for (auto it = sub_storages.rbegin(); it != sub_storages.rend(); ++it) storages.push_back({*it, current.depth + 1});
  }
}

std::vector<uint32_t> CfbFile::children_of(uint32_t storage) const {
  if (storage >= entries_.size()) return {};
  const CfbEntry& entry = entries_[storage];
  return std::vector<uint32_t>(children_.begin() + entry.first_child,
                               children_.begin() + entry.first_child + entry.child_count);
}

std::optional<uint32_t> CfbFile::find_child(uint32_t storage, std::string_view name) const {
  if (storage >= entries_.size()) return std::nullopt;
  const CfbEntry& entry = entries_[storage];
  for (uint32_t i = entry.first_child; i < entry.first_child + entry.child_count; ++i) {
    if (ascii_equal_ignoring_case(entries_[children_[i]].name, name)) return children_[i];
  }
  return std::nullopt;
}

std::optional<uint32_t> CfbFile::find(std::string_view path) const {
  if (entries_.empty()) return std::nullopt;
  uint32_t at = 0;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const auto found = find_child(at, path.substr(0, slash));
    if (!found) return std::nullopt;
    at = *found;
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return at;
}

std::string CfbFile::display_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (const char c : name) {
    const auto byte = static_cast<uint8_t>(c);
    if (byte < 0x20) {
      out += "[" + number(byte) + "]";
    } else {
      out.push_back(c == '/' ? '_' : c);
    }
  }
  return out;
}

std::string CfbFile::path_of(uint32_t id) const {
  std::vector<uint32_t> chain;
  for (uint32_t at = id; at != 0 && at < entries_.size() && chain.size() <= kMaxStorageDepth; at = entries_[at].parent) {
    chain.push_back(at);
  }
  std::string path;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!path.empty()) path.push_back('/');
    path += display_name(entries_[*it].name);
  }
  return path;
}

}  // namespace assay
