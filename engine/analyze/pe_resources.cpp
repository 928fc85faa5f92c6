// The PE resource tree: type -> name -> language -> data entry.
#include <set>

#include "analyze/pe_image.h"

namespace assay {
namespace {

std::string type_name(uint32_t id) {
  switch (id) {
    case 1: return "CURSOR";
    case 2: return "BITMAP";
    case 3: return "ICON";
    case 4: return "MENU";
    case 5: return "DIALOG";
    case 6: return "STRING";
    case 7: return "FONTDIR";
    case 8: return "FONT";
    case 9: return "ACCELERATOR";
    case 10: return "RCDATA";
    case 11: return "MESSAGETABLE";
    case 12: return "GROUP_CURSOR";
    case 14: return "GROUP_ICON";
    case 16: return "VERSION";
    case 17: return "DLGINCLUDE";
    case 19: return "PLUGPLAY";
    case 20: return "VXD";
    case 21: return "ANICURSOR";
    case 22: return "ANIICON";
    case 23: return "HTML";
    case 24: return "MANIFEST";
    default: return std::to_string(id);
  }
}

class Walker {
 public:
  Walker(const PeImage& image, ByteSpan tree, std::vector<std::string>& warnings, size_t max_entries)
      : image_(image), tree_(tree), warnings_(warnings), max_entries_(max_entries) {}

  void walk(uint32_t directory, int level, PeResource partial) {
    if (level > 2 || out.size() >= max_entries_) return;
    if (!seen_.insert(directory).second) {
      warn("resource directory loop at offset " + std::to_string(directory));
      return;
    }
    const auto named = tree_.le16(directory + 12);
    const auto ids = tree_.le16(directory + 14);
    if (!named || !ids) {
      warn("resource directory outside the resource section");
      return;
    }
    const uint32_t count = static_cast<uint32_t>(*named) + *ids;
    for (uint32_t i = 0; i < count && out.size() < max_entries_; ++i) {
      const size_t entry = directory + 16 + static_cast<size_t>(i) * 8;
      const auto name_field = tree_.le32(entry);
      const auto target = tree_.le32(entry + 4);
      if (!name_field || !target) {
        warn("resource directory entries run past the resource section");
        return;
      }
      PeResource next = partial;
      const std::string label = (*name_field & 0x80000000u) ? name_at(*name_field & 0x7FFFFFFFu) : std::to_string(*name_field);
      if (level == 0) next.type = (*name_field & 0x80000000u) ? label : type_name(*name_field);
      if (level == 1) next.name = label;
      if (level == 2) next.language = *name_field & 0xFFFF;
      if (*target & 0x80000000u) {
        walk(*target & 0x7FFFFFFFu, level + 1, next);
      } else if (level == 2) {
        leaf(*target, std::move(next));
      } else {
        warn("resource data entry above the language level");
      }
    }
  }

  std::vector<PeResource> out;

 private:
  void leaf(uint32_t data_entry, PeResource resource) {
    const auto rva = tree_.le32(data_entry);
    const auto size = tree_.le32(data_entry + 4);
    if (!rva || !size) {
      warn("resource data entry outside the resource section");
      return;
    }
    const auto offset = image_.offset_of(*rva);
    if (!offset || static_cast<uint64_t>(*offset) + *size > image_.bytes.size()) {
      warn("resource " + resource.type + "/" + resource.name + " points outside the file");
      return;
    }
    resource.rva = *rva;
    resource.offset = *offset;
    resource.size = *size;
    out.push_back(std::move(resource));
  }

  // IMAGE_RESOURCE_DIR_STRING_U: a length in UTF-16 units, then the units; kept as ASCII-ish text.
  std::string name_at(uint32_t offset) const {
    const auto length = tree_.le16(offset);
    if (!length) return "?";
    std::string name;
    for (uint16_t i = 0; i < std::min<uint16_t>(*length, 256); ++i) {
      const auto unit = tree_.le16(offset + 2 + 2u * i);
      if (!unit) break;
      name.push_back(*unit < 0x80 ? static_cast<char>(*unit) : '?');
    }
    return name;
  }

  void warn(std::string text) {
    if (warnings_.size() < 32) warnings_.push_back(std::move(text));
  }

  const PeImage& image_;
  ByteSpan tree_;
  std::vector<std::string>& warnings_;
  size_t max_entries_;
  std::set<uint32_t> seen_;
};

}  // namespace

std::vector<PeResource> pe_resources(const PeImage& image, std::vector<std::string>& warnings, size_t max_entries) {
  const PeDataDirectory directory = image.directory(kDirResource);
  if (directory.rva == 0 || directory.size == 0) return {};
  // Offsets inside the tree are relative to its start; the tree may run to the end of its section.
  const ByteSpan tree = image.at_rva(directory.rva, UINT32_MAX);
  if (tree.empty()) {
    warnings.push_back("resource directory is not in the file");
    return {};
  }
  Walker walker(image, tree, warnings, max_entries);
  walker.walk(0, 0, PeResource{});
  return std::move(walker.out);
}

}  // namespace assay
