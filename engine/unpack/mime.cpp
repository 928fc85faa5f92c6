// MIME mail (RFC 2045-2049): every leaf part of the message's tree as a child under the layer
// "attachment", decoded. The tree is walked lazily with an explicit stack of open multiparts, one
// leaf per next() call, so memory follows the nesting depth and the part being decoded.
//
// - 7bit/8bit/binary parts borrow the mail's bytes; base64, quoted-printable and uuencoded parts are
//   decoded into a buffer of their own, charged to the Budget slice by slice.
// - Names come from Content-Disposition filename, then Content-Type name (RFC 2231 and RFC 2047
//   decoded); unnamed parts get stable names: the first inline text/plain and text/html are
//   body.txt and body.html, the others part-N.<ext> with N the leaf's ordinal in the message.
// - message/rfc822 parts are extracted whole (part-N.eml); identified as mail, they are unpacked by
//   this same unpacker as objects of their own, under the scan's depth limit.
// - uuencoded blocks inside text/plain parts become children too, before the text that holds them.
// - Multipart nesting and the number of parts are capped; hitting a cap is a warning and makes the
//   unpacking partial.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "unpack/formats.h"
#include "unpack/mime_charset.h"
#include "unpack/mime_codecs.h"
#include "unpack/mime_header.h"

namespace assay {
namespace {

using mime::HeaderBlock;
using mime::StructuredField;

constexpr size_t kMaxHeaderFields = 512;  // per entity; the rest of a giant header block is skipped
constexpr uint32_t kMaxMultipartDepth = 32;
constexpr size_t kMaxLeaves = 1000;
constexpr size_t kMaxEntities = 4000;  // leaves plus multipart containers
constexpr size_t kMaxUuBlocks = 256;   // per text part
constexpr size_t kMaxBoundaryLength = 200;
constexpr size_t kSliceBytes = 64 << 10;  // input decoded between two Budget charges

enum class Transfer { Identity, Base64, QuotedPrintable, Uuencode };

Transfer transfer_of(const HeaderBlock& headers) {
  const mime::HeaderField* field = headers.find("content-transfer-encoding");
  if (field == nullptr) return Transfer::Identity;
  const std::string value = mime::lower_ascii(mime::unfold(field->raw_value));
  if (value.starts_with("base64")) return Transfer::Base64;
  if (value.starts_with("quoted-printable")) return Transfer::QuotedPrintable;
  if (value == "x-uuencode" || value == "x-uue" || value == "uuencode" || value == "x-uu") return Transfer::Uuencode;
  return Transfer::Identity;
}

std::string_view extension_of(std::string_view type) {
  struct Row {
    std::string_view type, extension;
  };
  static constexpr Row kRows[] = {
      {"text/plain", "txt"},        {"text/html", "html"},         {"message/rfc822", "eml"},
      {"message/global", "eml"},    {"application/pdf", "pdf"},    {"application/zip", "zip"},
      {"image/png", "png"},         {"image/jpeg", "jpg"},         {"image/gif", "gif"},
      {"text/calendar", "ics"},     {"application/ms-tnef", "dat"}, {"text/xml", "xml"},
  };
  for (const Row& row : kRows) {
    if (row.type == type) return row.extension;
  }
  return type.starts_with("text/") ? "txt" : "bin";
}

// One open multipart: its body and how far its parts have been handed out.
struct Multipart {
  std::string_view body;
  std::string delimiter;  // "--" + boundary
  size_t pos = 0;
  bool started = false;
  bool closed = false;
  bool digest = false;  // multipart/digest: parts default to message/rfc822
  uint32_t depth = 0;
};

struct Delimiter {
  size_t line_start;
  size_t after;  // just past the delimiter line
  bool close;    // "--boundary--"
};

// The next line that is exactly the delimiter (optionally followed by "--" and blanks).
std::optional<Delimiter> find_delimiter(std::string_view body, std::string_view delimiter, size_t from) {
  for (size_t at = body.find(delimiter, from); at != std::string_view::npos; at = body.find(delimiter, at + 1)) {
    if (at != 0 && body[at - 1] != '\n') continue;
    size_t p = at + delimiter.size();
    const bool close = body.substr(p, 2) == "--";
    if (close) p += 2;
    while (p < body.size() && (body[p] == ' ' || body[p] == '\t' || body[p] == '\r')) ++p;
    if (p < body.size() && body[p] != '\n') continue;  // "--boundaryX": another boundary, or text
    return Delimiter{at, p < body.size() ? p + 1 : body.size(), close};
  }
  return std::nullopt;
}

// What next_entity hands out: an entity's bytes and where it sits.
struct EntityRef {
  std::string_view bytes;
  bool in_digest = false;
  uint32_t depth = 0;
};

class MimeUnpacker final : public Unpacker {
 public:
  explicit MimeUnpacker(ByteSpan bytes) : mail_(bytes.as_chars()) {}

  bool next(UnpackContext& ctx, Child& child) override {
    while (true) {
      if (uu_.active) {
        if (next_uu_block(ctx, child) || emit_uu_text(ctx, child)) return true;
        continue;
      }
      if (stopped_) return false;
      if (auto limit = ctx.budget.check_deadline()) {
        ctx.stop_on_limit(*limit, "while reading MIME parts");
        return false;
      }
      std::optional<EntityRef> entity = next_entity(ctx);
      if (!entity) return false;
      if (++entities_ > kMaxEntities) {
        stop_early(ctx, "more than " + std::to_string(kMaxEntities) + " MIME entities; the rest were not read");
        return false;
      }
      if (handle_entity(ctx, *entity, child)) return true;
    }
  }

 private:
  void stop_early(UnpackContext& ctx, std::string warning) {
    ctx.container.add_warning("mime: " + std::move(warning));
    ctx.incomplete = true;
    stopped_ = true;
  }

  std::optional<EntityRef> next_entity(UnpackContext& ctx) {
    if (!root_done_) {
      root_done_ = true;
      return EntityRef{mail_, false, 0};
    }
    while (!open_.empty()) {
      Multipart& m = open_.back();
      if (std::optional<std::string_view> part = next_part(ctx, m)) return EntityRef{*part, m.digest, m.depth};
      open_.pop_back();
    }
    return std::nullopt;
  }

  std::optional<std::string_view> next_part(UnpackContext& ctx, Multipart& m) {
    if (m.closed) return std::nullopt;
    if (!m.started) {
      m.started = true;
      const std::optional<Delimiter> first = find_delimiter(m.body, m.delimiter, 0);
      if (!first) {
        ctx.container.add_warning("mime: multipart body without its boundary; extracted as one part");
        m.closed = true;
        return m.body;
      }
      m.pos = first->after;
      if (first->close) {
        m.closed = true;
        return std::nullopt;
      }
    }
    const std::optional<Delimiter> d = find_delimiter(m.body, m.delimiter, m.pos);
    size_t end = d ? d->line_start : m.body.size();
    if (d) {
      // The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1).
      if (end > m.pos && m.body[end - 1] == '\n') --end;
      if (end > m.pos && m.body[end - 1] == '\r') --end;
    } else if (!warned_unterminated_) {
      warned_unterminated_ = true;
      ctx.container.add_warning("mime: multipart without its closing boundary");
    }
    const std::string_view part = m.body.substr(m.pos, end - m.pos);
    m.pos = d ? d->after : m.body.size();
    m.closed = !d || d->close;
    return part;
  }

  // Opens a multipart or produces a leaf; true when `child` was filled.
  bool handle_entity(UnpackContext& ctx, const EntityRef& entity, Child& child) {
    const HeaderBlock headers = mime::parse_header_block(entity.bytes, kMaxHeaderFields);
    if (headers.fields_dropped && !warned_fields_) {
      warned_fields_ = true;
      ctx.container.add_warning("mime: a part has more than " + std::to_string(kMaxHeaderFields) +
                                " header fields; the rest were ignored");
    }
    const std::string_view body = entity.bytes.substr(std::min(headers.body_offset, entity.bytes.size()));
    StructuredField type;
    if (const mime::HeaderField* field = headers.find("content-type")) type = mime::parse_structured_field(field->raw_value);
    if (type.value.find('/') == std::string::npos) type.value = entity.in_digest ? "message/rfc822" : "text/plain";

    if (type.value.starts_with("multipart/")) {
      const std::string* boundary = type.param("boundary");
      if (boundary == nullptr || boundary->empty() || boundary->size() > kMaxBoundaryLength) {
        ctx.container.add_warning("mime: " + type.value + " without a usable boundary; extracted as one part");
      } else if (entity.depth >= kMaxMultipartDepth) {
        ctx.container.add_warning("mime: multipart nesting deeper than " + std::to_string(kMaxMultipartDepth) +
                                  "; the deeper part is extracted undecoded");
        ctx.incomplete = true;
      } else {
        Multipart m;
        m.body = body;
        m.delimiter = "--" + *boundary;
        m.digest = type.value == "multipart/digest";
        m.depth = entity.depth + 1;
        open_.push_back(std::move(m));
        return false;
      }
    }

    if (++leaves_ > kMaxLeaves) {
      stop_early(ctx, "more than " + std::to_string(kMaxLeaves) + " parts; the rest were not extracted");
      return false;
    }
    StructuredField disposition;
    if (const mime::HeaderField* field = headers.find("content-disposition")) {
      disposition = mime::parse_structured_field(field->raw_value);
    }
    std::string stated_name;
    if (const std::string* name = disposition.param("filename")) stated_name = *name;
    if (stated_name.empty()) {
      if (const std::string* name = type.param("name")) stated_name = *name;
    }
    const bool attachment = disposition.value == "attachment";
    return produce_leaf(ctx, body, type.value, mime::clean_name(stated_name), attachment, transfer_of(headers), child);
  }

  std::string ordinal_name(std::string_view type, bool attachment) {
    if (!attachment) {
      if (type == "text/plain" && !body_text_named_) {
        body_text_named_ = true;
        return "body.txt";
      }
      if (type == "text/html" && !body_html_named_) {
        body_html_named_ = true;
        return "body.html";
      }
    }
    return "part-" + std::to_string(leaves_) + "." + std::string(extension_of(type));
  }

  bool produce_leaf(UnpackContext& ctx, std::string_view body, const std::string& type, std::string name,
                    bool attachment, Transfer transfer, Child& child) {
    std::vector<uint8_t> owned;
    std::string_view content = body;
    if (transfer == Transfer::Uuencode) {
      // The part body is one uuencoded block ("begin 644 name" ... "end").
      if (const std::optional<mime::UuBlock> block = mime::find_uu_block(body, 0)) {
        content = body.substr(block->data_begin, block->data_end - block->data_begin);
        transfer = block->base64 ? Transfer::Base64 : Transfer::Uuencode;
      } else {
        transfer = Transfer::Identity;
      }
    }
    if (transfer != Transfer::Identity) {
      if (!decode(ctx, content, transfer, name.empty() ? "#" + std::to_string(leaves_) : name, owned)) return false;
      content = std::string_view(reinterpret_cast<const char*>(owned.data()), owned.size());
    }
    if (name.empty()) {
      if (content.empty()) return false;  // an empty unnamed part: nothing to scan
      name = ordinal_name(type, attachment);
    }

    child = Child{};
    child.layer = "attachment";
    child.name = std::move(name);
    child.properties.push_back(Property{"content_type", type});
    child.owned = std::move(owned);
    child.bytes = child.owned.empty() ? ByteSpan(reinterpret_cast<const uint8_t*>(content.data()), content.size())
                                      : ByteSpan(child.owned.data(), child.owned.size());
    if (type == "text/plain" && mime::find_uu_block(content, 0)) {
      // Hand out the uuencoded blocks first; the text follows them (its buffer stays with us meanwhile).
      uu_ = UuState{};
      uu_.active = true;
      uu_.text = content;
      uu_.text_part = std::move(child);
      return next_uu_block(ctx, child) || emit_uu_text(ctx, child);
    }
    ++ctx.children_produced;
    return true;
  }

  bool next_uu_block(UnpackContext& ctx, Child& child) {
    while (!stopped_ && uu_.blocks < kMaxUuBlocks) {
      const std::optional<mime::UuBlock> block = mime::find_uu_block(uu_.text, uu_.pos);
      if (!block) return false;
      uu_.pos = block->end;
      ++uu_.blocks;
      std::string name = mime::clean_name(mime::to_utf8(block->name, "utf-8"));
      if (name.empty()) name = "uu-" + std::to_string(leaves_) + "-" + std::to_string(uu_.blocks) + ".bin";
      std::vector<uint8_t> owned;
      const std::string_view data = uu_.text.substr(block->data_begin, block->data_end - block->data_begin);
      if (!decode(ctx, data, block->base64 ? Transfer::Base64 : Transfer::Uuencode, name, owned)) continue;
      child = Child{};
      child.layer = "attachment";
      child.name = std::move(name);
      child.properties.push_back(Property{"content_type", std::string("application/octet-stream")});
      child.properties.push_back(Property{"encoding", std::string(block->base64 ? "uuencode-base64" : "uuencode")});
      child.owned = std::move(owned);
      child.bytes = ByteSpan(child.owned.data(), child.owned.size());
      ++ctx.children_produced;
      return true;
    }
    return false;
  }

  bool emit_uu_text(UnpackContext& ctx, Child& child) {
    uu_.active = false;
    if (stopped_) return false;
    child = std::move(uu_.text_part);  // moving keeps the vector's block, so child.bytes stays valid
    ++ctx.children_produced;
    return true;
  }

  // Decodes `in` into `out`, charging the Budget after every slice; false when a limit stopped it.
  bool decode(UnpackContext& ctx, std::string_view in, Transfer transfer, const std::string& shown,
              std::vector<uint8_t>& out) {
    const uint64_t cap = ctx.budget.limits().max_object_bytes;
    out.clear();
    out.reserve(static_cast<size_t>(std::min<uint64_t>(in.size(), cap + 1)));
    mime::Base64Decoder base64;
    size_t pos = 0;
    while (pos < in.size()) {
      size_t end = std::min(pos + kSliceBytes, in.size());
      if (transfer == Transfer::QuotedPrintable) {
        end = pos + mime::qp_slice_end(in.substr(pos), kSliceBytes);
      } else if (transfer == Transfer::Uuencode && end < in.size()) {
        const size_t newline = in.find('\n', end);
        end = newline == std::string_view::npos ? in.size() : newline + 1;
      }
      const std::string_view slice = in.substr(pos, end - pos);
      const size_t before = out.size();
      switch (transfer) {
        case Transfer::Base64: base64.feed(slice, out); break;
        case Transfer::QuotedPrintable: mime::decode_quoted_printable(slice, out); break;
        case Transfer::Uuencode:
          for (size_t line = 0; line < slice.size();) {
            const size_t newline = slice.find('\n', line);
            const size_t line_end = newline == std::string_view::npos ? slice.size() : newline + 1;
            mime::decode_uu_line(slice.substr(line, line_end - line), out);
            line = line_end;
          }
          break;
        case Transfer::Identity: break;
      }
      pos = end;
      if (pos >= in.size() && transfer == Transfer::Base64) base64.finish(out);
      if (auto limit = ctx.budget.charge_decoded(out.size() - before, out.size(), pos)) {
        ctx.stop_on_limit(*limit, "part '" + shown + "' after " + std::to_string(out.size()) + " bytes");
        if (ctx.budget.scan_stopped()) stopped_ = true;
        out.clear();
        return false;
      }
    }
    return true;
  }

  // A text part holding uuencoded blocks, while its blocks are handed out.
  struct UuState {
    bool active = false;
    std::string_view text;
    size_t pos = 0;
    size_t blocks = 0;
    Child text_part;
  };

  std::string_view mail_;
  std::vector<Multipart> open_;
  UuState uu_;
  size_t leaves_ = 0;
  size_t entities_ = 0;
  bool root_done_ = false;
  bool stopped_ = false;
  bool body_text_named_ = false;
  bool body_html_named_ = false;
  bool warned_unterminated_ = false;
  bool warned_fields_ = false;
};

}  // namespace

std::unique_ptr<Unpacker> unpack_email(ByteSpan bytes, UnpackContext&) { return std::make_unique<MimeUnpacker>(bytes); }

}  // namespace assay
