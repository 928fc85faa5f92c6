// A PE image's embedded objects: every resource (.../binary_layer/resource/N) and the overlay
// (.../binary_layer/overlay/0). Both are spans of the image itself, so children borrow them.
#include "analyze/pe_image.h"
#include "unpack/formats.h"

namespace assay {
namespace {

class PeMembers final : public Unpacker {
 public:
  PeMembers(ByteSpan bytes, PeImage image, std::vector<PeResource> resources, uint64_t overlay_start)
      : bytes_(bytes), image_(std::move(image)), resources_(std::move(resources)), overlay_start_(overlay_start) {}

  bool next(UnpackContext&, Child& child) override {
    child = Child{};
    if (next_resource_ < resources_.size()) {
      const PeResource& r = resources_[next_resource_];
      child.layer = "binary_layer/resource";
      child.name = std::to_string(next_resource_++);
      child.bytes = bytes_.sub(r.offset, r.size);
      child.properties.push_back(Property{"resource_type", r.type});
      child.properties.push_back(Property{"resource_name", r.name});
      child.properties.push_back(Property{"language_id", static_cast<int64_t>(r.language)});
      return true;
    }
    if (!overlay_done_ && overlay_start_ < bytes_.size()) {
      overlay_done_ = true;
      child.layer = "binary_layer/overlay";
      child.name = "0";
      child.bytes = bytes_.sub(static_cast<size_t>(overlay_start_));
      return true;
    }
    return false;
  }

 private:
  ByteSpan bytes_;
  PeImage image_;
  std::vector<PeResource> resources_;
  uint64_t overlay_start_;
  size_t next_resource_ = 0;
  bool overlay_done_ = false;
};

}  // namespace

std::unique_ptr<Unpacker> unpack_pe(ByteSpan bytes, UnpackContext& ctx) {
  std::optional<PeImage> image = parse_pe(bytes);
  if (!image) {
    ctx.container.add_warning("pe: no PE header at e_lfanew");
    ctx.failed_to_open = true;
    return nullptr;
  }
  std::vector<std::string> warnings;  // the analyzer reports these in info.validation
  std::vector<PeResource> resources = pe_resources(*image, warnings);
  uint64_t overlay_start = image->end_of_image_data();
  const PeDataDirectory security = image->directory(kDirSecurity);
  if (security.rva != 0 && security.rva == overlay_start) overlay_start += security.size;
  return std::make_unique<PeMembers>(bytes, std::move(*image), std::move(resources), overlay_start);
}

}  // namespace assay
