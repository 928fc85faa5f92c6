// OLE2 compound files as containers: every stream a child under the "stream" layer, named by its
// storage path ("Macros/VBA/Module1"), then the source of every VBA module under "vba"
// ("Module1.bas"); Windows Installer stream names decoded ("cab1.cab", so cabinets unpack as CAB);
// Outlook messages give their bodies ("body/body.txt") and attachments ("attachment/<file name>")
// instead of raw property streams. A stream whose sectors lie in order borrows the parent's bytes;
// any other is assembled into an owned buffer, charged to the Budget piece by piece as it is copied.
#include <algorithm>
#include <optional>

#include "analyze/vba_project.h"
#include "unpack/formats.h"
#include "unpack/ole2_cfb.h"
#include "unpack/ole2_msg.h"
#include "unpack/ole2_text.h"

namespace assay {
namespace {

constexpr size_t kMaxStreams = 4096;

enum class Ole2Kind { Document, Msi, Outlook };

class Ole2Unpacker final : public Unpacker {
 public:
  Ole2Unpacker(std::unique_ptr<CfbFile> cfb, Ole2Kind kind) : cfb_(std::move(cfb)), kind_(kind) {}

  void prepare(UnpackContext& ctx);
  bool next(UnpackContext& ctx, Child& child) override;

 private:
  enum class Phase { Streams, Vba, Bodies, Attachments, Done };

  // Each returns true with `child` filled, or false when that item gave no child (the reason is
  // already a warning or a limit on ctx).
  bool stream_child(UnpackContext& ctx, Child& child, uint32_t id);
  bool vba_child(UnpackContext& ctx, Child& child, const VbaProject& project, const VbaModule& module);
  bool body_child(UnpackContext& ctx, Child& child, uint32_t id, bool unicode, std::string name);
  bool attachment_child(UnpackContext& ctx, Child& child, const OutlookAttachment& attachment, size_t ordinal);
  // Copies a non-contiguous stream (or takes the contiguous span) into `child`.
  bool fill_from_stream(UnpackContext& ctx, Child& child, uint32_t id, const std::string& shown);
  // A charge callback that records which limit refused the piece.
  VbaCharge charger(UnpackContext& ctx, uint64_t& produced, uint64_t compressed, std::optional<LimitKind>& hit) const;
  void stop(UnpackContext& ctx, LimitKind kind, const std::string& detail);
  std::string stream_path(uint32_t id) const;

  std::unique_ptr<CfbFile> cfb_;
  Ole2Kind kind_;
  Phase phase_ = Phase::Streams;
  size_t next_stream_ = 0;
  std::vector<VbaProject> projects_;
  size_t next_project_ = 0, next_module_ = 0;
  OutlookMessage message_;
  size_t next_body_ = 0, next_attachment_ = 0;
};

std::string Ole2Unpacker::stream_path(uint32_t id) const {
  std::string path = cfb_->path_of(id);
  return kind_ == Ole2Kind::Msi ? msi_stream_name(path) : path;
}

VbaCharge Ole2Unpacker::charger(UnpackContext& ctx, uint64_t& produced, uint64_t compressed,
                                std::optional<LimitKind>& hit) const {
  return [&ctx, &produced, &hit, compressed](size_t count) {
    produced += count;
    hit = ctx.budget.charge_decoded(count, produced, compressed == 0 ? produced : compressed);
    return !hit;
  };
}

void Ole2Unpacker::stop(UnpackContext& ctx, LimitKind kind, const std::string& detail) {
  ctx.stop_on_limit(kind, detail);
  // A scan-wide limit ends this container; a per-member one only skips the member.
  if (ctx.budget.scan_stopped()) phase_ = Phase::Done;
}

void Ole2Unpacker::prepare(UnpackContext& ctx) {
  std::vector<std::string> problems;
  if (kind_ == Ole2Kind::Outlook) {
    message_ = read_outlook_message(*cfb_, problems);
  } else {
    uint64_t produced = 0;
    std::optional<LimitKind> hit;
    projects_ = find_vba_projects(*cfb_, charger(ctx, produced, 0, hit), problems);
    if (hit) stop(ctx, *hit, "while reading VBA project directories");
  }
  for (std::string& problem : problems) ctx.container.add_warning("ole2: " + std::move(problem));
  if (!problems.empty()) ctx.incomplete = true;
}

bool Ole2Unpacker::fill_from_stream(UnpackContext& ctx, Child& child, uint32_t id, const std::string& shown) {
  const CfbEntry& entry = cfb_->entry(id);
  if (const auto whole = cfb_->contiguous(id)) {
    child.bytes = *whole;
  } else {
    const uint64_t limit = ctx.budget.limits().max_object_bytes;
    if (entry.readable > limit) {
      stop(ctx, LimitKind::MaxObjectBytes, "stream '" + shown + "' is " + std::to_string(entry.readable) + " bytes");
      return false;
    }
    uint64_t produced = 0;
    std::optional<LimitKind> hit;
    child.owned.reserve(static_cast<size_t>(entry.readable));
    cfb_->copy(id, child.owned, static_cast<size_t>(entry.readable), charger(ctx, produced, 0, hit));
    if (hit) {
      stop(ctx, *hit, "stream '" + shown + "' after " + std::to_string(produced) + " bytes");
      return false;
    }
    child.bytes = ByteSpan(child.owned.data(), child.owned.size());
  }
  if (entry.readable < entry.size) child.properties.push_back(Property{"truncated", true});
  return true;
}

bool Ole2Unpacker::stream_child(UnpackContext& ctx, Child& child, uint32_t id) {
  child.layer = "stream";
  child.name = stream_path(id);
  return fill_from_stream(ctx, child, id, child.name);
}

bool Ole2Unpacker::vba_child(UnpackContext& ctx, Child& child, const VbaProject& project, const VbaModule& module) {
  child.layer = "vba";
  child.name = module.file_name();
  if (!module.stream) return false;  // prepare() already warned
  const uint64_t stream_bytes = cfb_->entry(*module.stream).readable;
  const uint64_t compressed = stream_bytes - std::min<uint64_t>(module.text_offset, stream_bytes);
  uint64_t produced = 0;
  std::optional<LimitKind> hit;
  std::string problem;
  const bool whole = vba_module_source(*cfb_, module, child.owned, ctx.budget.limits().max_object_bytes,
                                       charger(ctx, produced, compressed, hit), problem);
  if (hit) {
    stop(ctx, *hit, "VBA module '" + module.name + "' after " + std::to_string(produced) + " bytes");
    return false;
  }
  if (!whole) {
    ctx.container.add_warning("vba: module '" + module.name + "' in " + project.path + ": " + problem);
    ctx.incomplete = true;
    if (child.owned.empty()) return false;
    child.properties.push_back(Property{"truncated", true});
  }
  child.bytes = ByteSpan(child.owned.data(), child.owned.size());
  child.properties.push_back(Property{"vba_module", module.name});
  child.properties.push_back(Property{"vba_stream", project.path + "/" + CfbFile::display_name(module.stream_name)});
  return true;
}

bool Ole2Unpacker::body_child(UnpackContext& ctx, Child& child, uint32_t id, bool unicode, std::string name) {
  child.layer = "body";
  child.name = std::move(name);
  if (!fill_from_stream(ctx, child, id, child.name)) return false;
  if (!unicode) return true;
  // UTF-16 bodies are handed on as UTF-8, so text rules and string extraction read them as text.
  std::string text = utf16le_to_utf8(child.bytes);
  uint64_t produced = 0;
  std::optional<LimitKind> hit;
  if (!charger(ctx, produced, child.bytes.size(), hit)(text.size())) {
    stop(ctx, *hit, "body '" + child.name + "' of " + std::to_string(text.size()) + " bytes");
    return false;
  }
  child.owned.assign(text.begin(), text.end());
  child.bytes = ByteSpan(child.owned.data(), child.owned.size());
  return true;
}

bool Ole2Unpacker::attachment_child(UnpackContext& ctx, Child& child, const OutlookAttachment& attachment,
                                    size_t ordinal) {
  child.layer = "attachment";
  child.name = attachment.file_name.empty() ? "attachment-" + std::to_string(ordinal)
                                            : CfbFile::display_name(attachment.file_name);
  if (attachment.embedded_message) {
    ctx.container.add_warning("msg: attachment " + std::to_string(ordinal) +
                              " is an embedded message; it is not extracted");
    return false;
  }
  if (!attachment.data) {
    ctx.container.add_warning("msg: attachment " + std::to_string(ordinal) + " has no data stream");
    return false;
  }
  if (!fill_from_stream(ctx, child, *attachment.data, child.name)) return false;
  if (!attachment.mime_type.empty()) child.properties.push_back(Property{"mime_type", attachment.mime_type});
  return true;
}

bool Ole2Unpacker::next(UnpackContext& ctx, Child& child) {
  while (phase_ != Phase::Done) {
    child = Child{};
    bool produced = false;
    switch (phase_) {
      case Phase::Streams: {
        const auto& streams = cfb_->streams();
        if (kind_ == Ole2Kind::Outlook || next_stream_ >= streams.size()) {
          phase_ = kind_ == Ole2Kind::Outlook ? Phase::Bodies : Phase::Vba;
          break;
        }
        if (next_stream_ == kMaxStreams) {
          ctx.container.add_warning("ole2: more than " + std::to_string(kMaxStreams) +
                                    " streams; the rest are not extracted");
          ctx.incomplete = true;
          phase_ = Phase::Vba;
          break;
        }
        produced = stream_child(ctx, child, streams[next_stream_++]);
        break;
      }
      case Phase::Vba: {
        if (next_project_ >= projects_.size()) {
          phase_ = Phase::Done;
          break;
        }
        const VbaProject& project = projects_[next_project_];
        if (next_module_ >= project.modules.size()) {
          ++next_project_;
          next_module_ = 0;
          break;
        }
        produced = vba_child(ctx, child, project, project.modules[next_module_++]);
        break;
      }
      case Phase::Bodies: {
        const size_t which = next_body_++;
        if (which == 0 && message_.body_text) {
          produced = body_child(ctx, child, *message_.body_text, message_.body_text_unicode, "body.txt");
        } else if (which == 1 && message_.body_html) {
          produced = body_child(ctx, child, *message_.body_html, message_.body_html_unicode, "body.html");
        } else if (which > 1) {
          phase_ = Phase::Attachments;
        }
        break;
      }
      case Phase::Attachments: {
        if (next_attachment_ >= message_.attachments.size()) {
          phase_ = Phase::Done;
          break;
        }
        const size_t ordinal = next_attachment_++;
        produced = attachment_child(ctx, child, message_.attachments[ordinal], ordinal);
        break;
      }
      case Phase::Done: break;
    }
    if (produced) {
      ++ctx.children_produced;
      return true;
    }
  }
  return false;
}

std::unique_ptr<Unpacker> make_ole2_unpacker(ByteSpan bytes, UnpackContext& ctx, Ole2Kind kind) {
  std::unique_ptr<CfbFile> cfb = CfbFile::open(bytes);
  if (!cfb || cfb->entries().empty()) {
    const std::string reason = cfb && !cfb->problems().empty() ? cfb->problems().front() : "no compound file header";
    ctx.container.add_warning("ole2: not a readable compound file: " + reason);
    ctx.failed_to_open = true;
    return nullptr;
  }
  for (const std::string& problem : cfb->problems()) ctx.container.add_warning("ole2: " + problem);
  if (!cfb->problems().empty()) ctx.incomplete = true;
  auto unpacker = std::make_unique<Ole2Unpacker>(std::move(cfb), kind);
  unpacker->prepare(ctx);
  return unpacker;
}

}  // namespace

std::unique_ptr<Unpacker> unpack_ole2(ByteSpan bytes, UnpackContext& ctx) {
  return make_ole2_unpacker(bytes, ctx, Ole2Kind::Document);
}
std::unique_ptr<Unpacker> unpack_msi(ByteSpan bytes, UnpackContext& ctx) {
  return make_ole2_unpacker(bytes, ctx, Ole2Kind::Msi);
}
std::unique_ptr<Unpacker> unpack_outlook(ByteSpan bytes, UnpackContext& ctx) {
  return make_ole2_unpacker(bytes, ctx, Ole2Kind::Outlook);
}

}  // namespace assay
