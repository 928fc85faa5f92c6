// PDF documents: every stream, decoded through its filter chain, as a child (layer "stream", name
// "obj-N"), and every embedded file as a child named after its file specification (layer
// "attachment"), and every JavaScript written as a string (/JS (...)) as a child (layer "javascript",
// name "obj-N" after the object holding it). Object streams are read to find the objects inside them.
//
// Which streams become children: all with decoded bytes, except cross-reference streams (/Type /XRef,
// bookkeeping) and object streams (/Type /ObjStm, whose objects the PDF analyzer reads one by one).
// Empty streams are skipped. A stream whose chain reaches an image codec (DCT, JPX, JBIG2, CCITT)
// yields the bytes before that codec: for a plain JPEG, the borrowed raw stream, which is the picture.
// Every decoded byte is charged to the Budget as it is inflated (pdf_filters.h).
#include <algorithm>
#include <map>

#include "unpack/formats.h"
#include "unpack/pdf_document.h"

namespace assay {
namespace {

std::string filespec_name(const PdfDocument& doc, const PdfValue& spec) {
  for (const char* key : {"UF", "F", "Unix", "DOS", "Mac"}) {
    const PdfValue* value = doc.resolve(spec.get(key));
    if (value != nullptr && value->kind == PdfKind::String && !value->text.empty())
      return pdf_text_to_utf8(value->text);
  }
  return "";
}

class PdfStreams final : public Unpacker {
 public:
  PdfStreams(ByteSpan bytes, PdfDocument doc) : bytes_(bytes), doc_(std::move(doc)) {
    // Embedded files: a file specification's /EF dictionary points at the stream; name it after the
    // specification.
    for (const auto& [number, object] : doc_.objects()) {
      const PdfValue* ef = doc_.resolve(object.value.get("EF"));
      if (ef == nullptr || ef->kind != PdfKind::Dict) continue;
      const std::string name = filespec_name(doc_, object.value);
      for (const auto& [key, target] : ef->entries) {
        if (target.kind == PdfKind::Ref && attachment_names_.count(target.ref_num) == 0) {
          attachment_names_[target.ref_num] = name;
        }
      }
    }
    for (const auto& [number, object] : doc_.objects()) {
      if (object.has_stream) pending_.push_back(number);
      if (scripts_.size() < kMaxScripts) find_script_strings(object.value, number, 0);
    }
  }

  bool next(UnpackContext& ctx, Child& child) override {
    while (next_ < pending_.size()) {
      const PdfObject& object = *doc_.object(pending_[next_++]);
      const PdfValue* type = object.value.get("Type");
      if (type != nullptr && (type->is_name("XRef") || type->is_name("ObjStm"))) continue;
      const auto attachment = attachment_names_.find(object.number);
      const bool embedded = attachment != attachment_names_.end() || (type != nullptr && type->is_name("EmbeddedFile"));
      const std::string label = "obj-" + std::to_string(object.number);

      child = Child{};
      std::optional<LimitKind> limit;
      const uint64_t raw_size = object.stream.size();
      const PdfCharge charge = [&](size_t added, size_t total) {
        limit = ctx.budget.charge_decoded(added, total, raw_size);
        return !limit;
      };
      const PdfDecodeResult result = pdf_decode_stream(object.stream, object.value, child.owned, charge);
      if (limit) {
        ctx.stop_on_limit(*limit, "pdf stream " + label);
        if (ctx.budget.scan_stopped()) return false;
        continue;
      }
      if (result.status == PdfDecodeStatus::Corrupt) {
        ctx.container.add_warning("pdf: " + label + ": " + result.detail + " data is corrupt or truncated");
        ctx.incomplete = true;
      }
      if (child.owned.empty()) continue;
      // An undecoded stream (no filter, or an image codec first) is borrowed rather than copied.
      if (child.owned.size() == object.stream.size() &&
          std::equal(child.owned.begin(), child.owned.end(), object.stream.data())) {
        child.owned.clear();
        child.owned.shrink_to_fit();
        child.bytes = object.stream;
      } else {
        child.bytes = ByteSpan(child.owned.data(), child.owned.size());
      }
      if (embedded) {
        child.layer = "attachment";
        child.name = attachment != attachment_names_.end() && !attachment->second.empty() ? attachment->second : label;
        child.properties.push_back(Property{"pdf_object", static_cast<int64_t>(object.number)});
      } else {
        child.layer = "stream";
        child.name = label;
      }
      if (result.status == PdfDecodeStatus::Unsupported) {
        child.properties.push_back(Property{"pdf_undecoded_filter", result.detail});
      }
      return true;
    }
    // JavaScript written as a string (/JS (...)) rather than a stream: the script's own text.
    if (next_script_ < scripts_.size()) {
      const auto& [number, text] = scripts_[next_script_++];
      child = Child{};
      child.layer = "javascript";
      child.name = "obj-" + std::to_string(number);
      if (auto limit = ctx.budget.charge_decoded(text.size(), text.size(), 0)) {
        ctx.stop_on_limit(*limit, "pdf JavaScript string in " + child.name);
        return false;
      }
      child.owned.assign(text.begin(), text.end());
      child.bytes = ByteSpan(child.owned.data(), child.owned.size());
      return true;
    }
    return false;
  }

 private:
  static constexpr size_t kMaxScripts = 1024;

  void find_script_strings(const PdfValue& value, uint32_t number, int depth) {
    if (depth > kMaxPdfDepth || scripts_.size() >= kMaxScripts) return;
    if (value.kind == PdfKind::Array) {
      for (const PdfValue& item : value.items) find_script_strings(item, number, depth + 1);
    } else if (value.kind == PdfKind::Dict) {
      for (const auto& [key, item] : value.entries) {
        if (key == "JS" && item.kind == PdfKind::String && !item.text.empty() && scripts_.size() < kMaxScripts) {
          scripts_.emplace_back(number, item.text);
        }
        find_script_strings(item, number, depth + 1);
      }
    }
  }

  ByteSpan bytes_;
  PdfDocument doc_;
  std::map<uint32_t, std::string> attachment_names_;
  std::vector<uint32_t> pending_;
  size_t next_ = 0;
  std::vector<std::pair<uint32_t, std::string>> scripts_;  // (object, text) of each /JS string
  size_t next_script_ = 0;
};

}  // namespace

std::unique_ptr<Unpacker> unpack_pdf(ByteSpan bytes, UnpackContext& ctx) {
  std::optional<LimitKind> limit;
  uint64_t member_bytes = 0;
  const PdfCharge charge = [&](size_t added, size_t) {
    member_bytes += added;
    limit = ctx.budget.charge_decoded(added, member_bytes, 0);
    return !limit;
  };
  PdfDocument doc = PdfDocument::scan(bytes, charge);
  if (limit) ctx.stop_on_limit(*limit, "pdf object streams");
  for (const std::string& problem : doc.problems()) ctx.container.add_warning("pdf: " + problem);
  if (doc.objects().empty()) {
    ctx.failed_to_open = true;
    return nullptr;
  }
  if (doc.trailer().get("Encrypt") != nullptr) {
    // Stream data is encrypted (even with an empty user password): decoding it would give noise.
    ctx.container.add_warning("pdf: the document is encrypted; its streams were not decrypted");
    ctx.encrypted = true;
    ctx.incomplete = true;
    return nullptr;
  }
  if (!doc.problems().empty()) ctx.incomplete = true;
  if (ctx.budget.scan_stopped()) return nullptr;
  return std::make_unique<PdfStreams>(bytes, std::move(doc));
}

}  // namespace assay
