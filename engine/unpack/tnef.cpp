// TNEF ("winmail.dat", application/ms-tnef; MS-OXTNEF): the attachments Outlook wraps into one
// stream, each as a child under "attachment", plus the message body when the stream carries one.
//
// A TNEF stream is a signature, a key, then attributes: level (message or attachment), id, length,
// data, checksum. Each attachment's attributes begin with attAttachRendData; its bytes are in
// attAttachData and its name in attAttachTitle (8-bit, in the stream's OEM code page). The MAPI
// properties in attAttachment override both when present: PR_ATTACH_LONG_FILENAME for the name,
// PR_ATTACH_DATA_OBJ for the bytes (for PT_OBJECT, after the 16-byte interface id; an embedded
// message is itself a TNEF stream and so unpacks again). Every child borrows its span of the stream.
// A bad checksum is a warning, not a stop: readers such as tnef(1) also go on.
#include <algorithm>
#include <deque>
#include <string>

#include "unpack/formats.h"
#include "unpack/mime_charset.h"

namespace assay {
namespace {

constexpr uint32_t kTnefSignature = 0x223e9f78;
constexpr uint8_t kLevelMessage = 1;
constexpr uint8_t kLevelAttachment = 2;
constexpr size_t kMaxAttributes = 100'000;

// Attribute ids, low word (the high word repeats the attribute's type).
constexpr uint16_t kAttBody = 0x800c;
constexpr uint16_t kAttAttachData = 0x800f;
constexpr uint16_t kAttAttachTitle = 0x8010;
constexpr uint16_t kAttAttachRendData = 0x9002;
constexpr uint16_t kAttMsgProps = 0x9003;
constexpr uint16_t kAttAttachment = 0x9005;
constexpr uint16_t kAttOemCodepage = 0x9007;

// MAPI property ids and types.
constexpr uint16_t kPrBody = 0x1000;
constexpr uint16_t kPrBodyHtml = 0x1013;
constexpr uint16_t kPrDisplayName = 0x3001;
constexpr uint16_t kPrAttachDataObj = 0x3701;
constexpr uint16_t kPrAttachFilename = 0x3704;
constexpr uint16_t kPrAttachLongFilename = 0x3707;
constexpr uint16_t kPrAttachMimeTag = 0x370e;
constexpr uint16_t kPtString8 = 0x001e;
constexpr uint16_t kPtUnicode = 0x001f;
constexpr uint16_t kPtBinary = 0x0102;
constexpr uint16_t kPtObject = 0x000d;
constexpr uint16_t kMultiValued = 0x1000;

uint64_t pad4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

// Bytes of one value of a fixed-size MAPI type in a TNEF stream (shorts and booleans are padded to
// four); 0 for a type whose size we cannot know, which ends the property list.
size_t fixed_size(uint16_t type) {
  switch (type) {
    case 0x0002: case 0x0003: case 0x0004: case 0x000a: case 0x000b: return 4;
    case 0x0005: case 0x0006: case 0x0007: case 0x0014: case 0x0040: return 8;
    case 0x0048: return 16;
    default: return 0;
  }
}

struct MapiValue {
  uint16_t type = 0;
  ByteSpan data;
};

// The properties Assay uses out of one attMsgProps or attAttachment block.
struct MapiProps {
  std::optional<MapiValue> long_filename, filename, display_name, data_obj, mime_tag, body, body_html;
  bool damaged = false;
};

MapiProps read_mapi_props(ByteSpan block) {
  MapiProps props;
  CheckedReader r(block);
  const uint32_t count = r.le32();
  for (uint32_t i = 0; i < count && r.ok() && r.remaining() > 0; ++i) {
    const uint16_t type = r.le16();
    const uint16_t id = r.le16();
    if (id >= 0x8000) {  // a named property: GUID, then a numeric id or a UTF-16 name
      r.skip(16);
      if (r.le32() == 0) {
        r.skip(4);
      } else {
        r.skip(static_cast<size_t>(std::min<uint64_t>(pad4(r.le32()), SIZE_MAX)));
      }
    }
    const uint16_t base = type & static_cast<uint16_t>(~kMultiValued);
    const bool variable = base == kPtString8 || base == kPtUnicode || base == kPtBinary || base == kPtObject;
    const uint32_t values = (type & kMultiValued) || variable ? r.le32() : 1;
    if (!r.ok() || values > r.remaining() / 4 + 1) {
      props.damaged = true;
      break;
    }
    for (uint32_t v = 0; v < values && r.ok(); ++v) {
      if (!variable) {
        const size_t size = fixed_size(base);
        if (size == 0) {
          props.damaged = true;
          return props;
        }
        r.skip(size);
        continue;
      }
      const uint32_t length = r.le32();
      const ByteSpan data = r.bytes(length);
      if (r.ok()) r.skip(static_cast<size_t>(std::min<uint64_t>(pad4(length) - length, r.remaining())));
      if (v != 0 || !r.ok()) continue;
      const MapiValue value{base, data};
      switch (id) {
        case kPrAttachLongFilename: props.long_filename = value; break;
        case kPrAttachFilename: props.filename = value; break;
        case kPrDisplayName: props.display_name = value; break;
        case kPrAttachDataObj: props.data_obj = value; break;
        case kPrAttachMimeTag: props.mime_tag = value; break;
        case kPrBody: props.body = value; break;
        case kPrBodyHtml: props.body_html = value; break;
        default: break;
      }
    }
  }
  if (!r.ok()) props.damaged = true;
  return props;
}

// An 8-bit string attribute or property without its terminating NULs.
std::string_view without_nuls(ByteSpan data) {
  std::string_view text = data.as_chars();
  const size_t nul = text.find('\0');
  return nul == std::string_view::npos ? text : text.substr(0, nul);
}

// A text's bytes without the terminating NULs (two-byte NULs for UTF-16).
ByteSpan without_terminator(ByteSpan data, bool utf16) {
  size_t size = data.size();
  if (utf16) {
    while (size >= 2 && size % 2 == 0 && data.u8(size - 1) == uint8_t{0} && data.u8(size - 2) == uint8_t{0}) size -= 2;
  } else {
    while (size > 0 && data.u8(size - 1) == uint8_t{0}) --size;
  }
  return data.prefix(size);
}

struct Attachment {
  bool open = false;
  ByteSpan title;
  ByteSpan data;
  MapiProps props;
};

class TnefUnpacker final : public Unpacker {
 public:
  explicit TnefUnpacker(ByteSpan bytes) : bytes_(bytes) {}

  bool next(UnpackContext& ctx, Child& child) override {
    while (ready_.empty() && !done_) read_attribute(ctx);
    if (ready_.empty()) return false;
    child = std::move(ready_.front());
    ready_.pop_front();
    ++ctx.children_produced;
    return true;
  }

 private:
  void read_attribute(UnpackContext& ctx) {
    if (offset_ >= bytes_.size()) return finish();
    if (auto limit = ctx.budget.check_deadline()) {
      ctx.stop_on_limit(*limit, "while reading TNEF attributes");
      return finish();
    }
    const auto level = bytes_.u8(offset_);
    const auto id = bytes_.le32(offset_ + 1);
    const auto length = bytes_.le32(offset_ + 5);
    const std::optional<ByteSpan> data = level && id && length ? bytes_.exact(offset_ + 9, *length) : std::nullopt;
    if (!data) {
      ctx.container.add_warning("tnef: attribute at offset " + std::to_string(offset_) + " runs past the end");
      ctx.incomplete = true;
      return finish();
    }
    const auto checksum = bytes_.le16(offset_ + 9 + *length);
    if (!checksum) {
      ctx.container.add_warning("tnef: the last attribute has no checksum");
    } else if (!checksum_warned_) {
      uint32_t sum = 0;
      for (size_t i = 0; i < data->size(); ++i) sum += *data->u8(i);
      if (static_cast<uint16_t>(sum) != *checksum) {
        checksum_warned_ = true;
        ctx.container.add_warning("tnef: checksum mismatch in the attribute at offset " + std::to_string(offset_));
      }
    }
    offset_ += 9 + static_cast<size_t>(*length) + 2;
    if (++attributes_ > kMaxAttributes) {
      ctx.container.add_warning("tnef: more than " + std::to_string(kMaxAttributes) + " attributes; the rest were not read");
      ctx.incomplete = true;
      return finish();
    }
    const uint16_t kind = static_cast<uint16_t>(*id & 0xffff);
    if (*level == kLevelAttachment) {
      if (kind == kAttAttachRendData) flush_attachment();
      current_.open = true;
      if (kind == kAttAttachTitle) current_.title = *data;
      if (kind == kAttAttachData) current_.data = *data;
      if (kind == kAttAttachment) current_.props = read_mapi_props(*data);
      if (kind == kAttAttachment && current_.props.damaged) ctx.container.add_warning("tnef: damaged attachment properties");
    } else if (*level == kLevelMessage) {
      if (kind == kAttOemCodepage && data->le32(0)) codepage_ = *data->le32(0);
      if (kind == kAttBody) queue_body("body.txt", without_terminator(*data, false));
      if (kind == kAttMsgProps) {
        const MapiProps props = read_mapi_props(*data);
        if (props.damaged) ctx.container.add_warning("tnef: damaged message properties");
        if (props.body) queue_body("body.txt", without_terminator(props.body->data, props.body->type == kPtUnicode));
        if (props.body_html) {
          queue_body("body.html", without_terminator(props.body_html->data, props.body_html->type == kPtUnicode));
        }
      }
    }
  }

  void finish() {
    flush_attachment();
    done_ = true;
  }

  std::string codepage_charset() const {
    switch (codepage_) {
      case 65001: return "utf-8";
      case 20127: return "us-ascii";
      case 28591: return "iso-8859-1";
      default: return "cp" + std::to_string(codepage_);
    }
  }

  std::string string_value(const MapiValue& value) const {
    if (value.type == kPtUnicode) return mime::utf16le_to_utf8(value.data.as_chars());
    return mime::to_utf8(without_nuls(value.data), codepage_charset());
  }

  // attBody and PR_BODY carry the same text: the first one read is kept.
  void queue_body(const std::string& name, ByteSpan data) {
    bool& queued = name == "body.html" ? html_queued_ : text_queued_;
    if (data.empty() || queued) return;
    queued = true;
    Child child;
    child.layer = "attachment";
    child.name = name;
    child.bytes = data;
    ready_.push_back(std::move(child));
  }

  void flush_attachment() {
    if (!current_.open) return;
    Attachment a = std::move(current_);
    current_ = Attachment{};
    ++attachments_;
    ByteSpan data = a.data;
    if (a.props.data_obj) {
      data = a.props.data_obj->data;
      if (a.props.data_obj->type == kPtObject) data = data.sub(16);  // the interface id comes first
    }
    std::string name;
    if (a.props.long_filename) name = string_value(*a.props.long_filename);
    if (name.empty() && a.props.filename) name = string_value(*a.props.filename);
    if (name.empty() && !a.title.empty()) name = mime::to_utf8(without_nuls(a.title), codepage_charset());
    if (name.empty() && a.props.display_name) name = string_value(*a.props.display_name);
    name = mime::clean_name(name);
    if (data.empty() && name.empty()) return;
    Child child;
    child.layer = "attachment";
    child.name = name.empty() ? "attachment-" + std::to_string(attachments_) + ".bin" : name;
    child.bytes = data;
    if (a.props.mime_tag) child.properties.push_back(Property{"content_type", string_value(*a.props.mime_tag)});
    ready_.push_back(std::move(child));
  }

  ByteSpan bytes_;
  size_t offset_ = 6;  // past the signature and the legacy key
  uint32_t codepage_ = 1252;
  size_t attributes_ = 0;
  size_t attachments_ = 0;
  bool checksum_warned_ = false;
  bool done_ = false;
  bool text_queued_ = false;
  bool html_queued_ = false;
  Attachment current_;
  std::deque<Child> ready_;
};

}  // namespace

std::unique_ptr<Unpacker> unpack_tnef(ByteSpan bytes, UnpackContext& ctx) {
  if (bytes.le32(0) != kTnefSignature || bytes.size() < 6) {
    ctx.container.add_warning("tnef: no TNEF signature");
    ctx.failed_to_open = true;
    return nullptr;
  }
  return std::make_unique<TnefUnpacker>(bytes);
}

}  // namespace assay
