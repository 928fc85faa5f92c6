// Scanning a PDF for its objects, object streams and trailer (see pdf_document.h).
#include "unpack/pdf_document.h"

#include <algorithm>
#include <set>

namespace assay {
namespace {

constexpr size_t kMaxProblems = 32;
constexpr size_t kHeaderWindow = 1024;

bool is_digit(int c) { return c >= '0' && c <= '9'; }

// Reads the unsigned integer that ends just before `end` (walking back over digits); sets `start`.
std::optional<uint64_t> number_before(std::string_view text, size_t end, size_t& start) {
  size_t at = end;
  while (at > 0 && is_digit(text[at - 1]) && end - at < 10) --at;
  if (at == end) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = at; i < end; ++i) value = value * 10 + static_cast<uint64_t>(text[i] - '0');
  start = at;
  return value;
}

}  // namespace

void PdfDocument::problem(std::string text) {
  if (problems_.size() < kMaxProblems) problems_.push_back(std::move(text));
}

const PdfObject* PdfDocument::object(uint32_t number) const {
  const auto it = objects_.find(number);
  return it == objects_.end() ? nullptr : &it->second;
}

const PdfValue* PdfDocument::resolve(const PdfValue* value) const {
  for (int hops = 0; value != nullptr && value->kind == PdfKind::Ref && hops < 8; ++hops) {
    const PdfObject* target = object(value->ref_num);
    value = target ? &target->value : nullptr;
  }
  return value;
}

void PdfDocument::scan_objects(ByteSpan bytes) {
  const std::string_view text = bytes.as_chars();
  size_t from = 0;
  while (from < text.size()) {
    const size_t hit = text.find("obj", from);
    if (hit == std::string_view::npos) break;
    from = hit + 3;
    if (hit + 3 < text.size() && !pdf_is_space(text[hit + 3]) && !pdf_is_delimiter(text[hit + 3])) continue;
    // Walk back over "N G " before "obj".
    size_t at = hit;
    if (at == 0 || !pdf_is_space(text[at - 1])) continue;
    while (at > 0 && pdf_is_space(text[at - 1])) --at;
    size_t gen_start = 0, num_start = 0;
    const auto generation = number_before(text, at, gen_start);
    if (!generation || gen_start == 0 || !pdf_is_space(text[gen_start - 1])) continue;
    at = gen_start;
    while (at > 0 && pdf_is_space(text[at - 1])) --at;
    const auto number = number_before(text, at, num_start);
    if (!number || *number > UINT32_MAX || *generation > 65535) continue;
    if (num_start > 0 && !pdf_is_space(text[num_start - 1]) && !pdf_is_delimiter(text[num_start - 1])) continue;
    if (objects_.size() >= kMaxPdfObjects) {
      problem("more than " + std::to_string(kMaxPdfObjects) + " objects: the rest were not read");
      break;
    }

    PdfParser parser(bytes, hit + 3, nodes_);
    PdfObject object;
    object.number = static_cast<uint32_t>(*number);
    object.generation = static_cast<uint32_t>(*generation);
    object.offset = num_start;
    object.value = parser.parse_value();
    if (parser.exhausted()) {
      problem("too many values: the rest of the file was not read");
      break;
    }
    from = std::max(from, parser.pos());
    if (object.value.kind == PdfKind::Dict && parser.accept_keyword("stream")) {
      size_t data = parser.pos();
      if (data < text.size() && text[data] == '\r') ++data;
      if (data < text.size() && text[data] == '\n') ++data;
      size_t end = std::string_view::npos;
      // Trust /Length only when "endstream" follows it; otherwise look for the keyword.
      const PdfValue* length = object.value.get("Length");
      if (const auto n = length ? length->as_int() : std::nullopt;
          n && *n >= 0 && static_cast<uint64_t>(*n) <= text.size() - data) {
        PdfParser after(bytes, data + static_cast<size_t>(*n), nodes_);
        if (after.accept_keyword("endstream")) end = data + static_cast<size_t>(*n);
      }
      if (end == std::string_view::npos) {
        // Cached: many streams without the keyword must not each search the rest of the file.
        if (data < endstream_search_from_ || (endstream_at_ != std::string_view::npos && endstream_at_ < data)) {
          endstream_at_ = text.find("endstream", data);
          endstream_search_from_ = data;
        }
        const size_t keyword = endstream_at_;
        if (keyword == std::string_view::npos) {
          end = text.size();
          problem("object " + std::to_string(object.number) + ": stream without endstream (truncated file?)");
        } else {
          end = keyword;
          if (end > data && text[end - 1] == '\n') --end;
          if (end > data && text[end - 1] == '\r') --end;
        }
      }
      object.has_stream = true;
      object.stream = bytes.sub(data, end - data);
      // Skip the stream's data: binary content must not be mistaken for objects. A stream cut off by
      // the end of the file is rescanned, since the objects after it may be what is left.
      if (end < text.size()) from = std::max(from, end);
    }
    objects_[object.number] = std::move(object);
  }
}

void PdfDocument::apply_indirect_lengths(ByteSpan bytes) {
  // The first pass could only search for "endstream", which cannot tell the data's own last newline
  // from the end-of-line before the keyword; an indirect /Length can, once its object is known.
  for (auto& [number, object] : objects_) {
    const PdfValue* length = object.value.get("Length");
    if (!object.has_stream || object.stream.empty() || length == nullptr || length->kind != PdfKind::Ref) continue;
    const PdfValue* resolved = resolve(length);
    const auto n = resolved ? resolved->as_int() : std::nullopt;
    const size_t data = static_cast<size_t>(object.stream.data() - bytes.data());
    if (!n || *n < 0 || static_cast<uint64_t>(*n) > bytes.size() - data) continue;
    PdfParser after(bytes, data + static_cast<size_t>(*n), nodes_);
    if (after.accept_keyword("endstream")) object.stream = bytes.sub(data, static_cast<size_t>(*n));
  }
}

void PdfDocument::read_object_streams(const PdfCharge& charge) {
  std::vector<uint32_t> streams;
  for (const auto& [number, object] : objects_) {
    const PdfValue* type = object.value.get("Type");
    if (object.has_stream && type != nullptr && type->is_name("ObjStm")) streams.push_back(number);
  }
  if (streams.size() > kMaxPdfObjectStreams) {
    problem("more than " + std::to_string(kMaxPdfObjectStreams) + " object streams: the rest were not read");
    streams.resize(kMaxPdfObjectStreams);
  }
  for (const uint32_t number : streams) {
    const PdfObject& holder = objects_.at(number);
    std::vector<uint8_t> decoded;
    const PdfDecodeResult result = pdf_decode_stream(holder.stream, holder.value, decoded, charge);
    if (result.status == PdfDecodeStatus::Stopped) {
      stopped_ = true;
      return;
    }
    if (result.status != PdfDecodeStatus::Complete) {
      problem("object stream " + std::to_string(number) + ": " + result.detail + " could not be decoded fully");
    }
    const PdfValue* count_value = holder.value.get("N");
    const PdfValue* first_value = holder.value.get("First");
    // Plain integers (-1: absent) rather than optionals: GCC 12 misreports optionals here as uninitialised.
    const int64_t count = count_value ? count_value->as_int().value_or(-1) : -1;
    const int64_t first = first_value ? first_value->as_int().value_or(-1) : -1;
    if (count < 0 || first < 0 || static_cast<uint64_t>(first) > decoded.size()) {
      problem("object stream " + std::to_string(number) + ": bad /N or /First");
      continue;
    }
    const ByteSpan content(decoded.data(), decoded.size());
    PdfParser header(content, 0, nodes_);
    std::vector<std::pair<uint32_t, size_t>> entries;  // (object number, offset in content)
    for (int64_t i = 0; i < count && objects_.size() + entries.size() < kMaxPdfObjects; ++i) {
      const PdfValue num = header.parse_value();
      const PdfValue offset = header.parse_value();
      const auto n = num.as_int(), off = offset.as_int();
      if (!n || !off || *n < 0 || *n > UINT32_MAX || *off < 0 ||
          static_cast<uint64_t>(first + *off) >= decoded.size()) {
        problem("object stream " + std::to_string(number) + ": bad object header");
        break;
      }
      entries.emplace_back(static_cast<uint32_t>(*n), static_cast<size_t>(first + *off));
    }
    // Each object is parsed within its own slice (up to the next object's offset), and a slice is
    // parsed once, so a header that points many objects at one unterminated string stays linear.
    std::vector<size_t> starts;
    for (const auto& entry : entries) starts.push_back(entry.second);
    std::sort(starts.begin(), starts.end());
    std::set<size_t> parsed;
    for (const auto& [object_number, start] : entries) {
      if (objects_.count(object_number) != 0) continue;  // an object standing in the file wins
      if (!parsed.insert(start).second) {
        problem("object stream " + std::to_string(number) + ": two objects at one offset");
        continue;
      }
      const auto next = std::upper_bound(starts.begin(), starts.end(), start);
      const size_t end = next == starts.end() ? content.size() : *next;
      PdfParser parser(content.sub(0, end), start, nodes_);
      PdfObject object;
      object.number = object_number;
      object.value = parser.parse_value();
      object.object_stream = number;
      object.offset = holder.offset;
      objects_.emplace(object_number, std::move(object));
      if (parser.exhausted()) return;
    }
  }
}

void PdfDocument::find_trailer(ByteSpan bytes) {
  const std::string_view text = bytes.as_chars();
  size_t best_offset = 0;
  bool found = false;
  for (size_t from = 0; from < text.size();) {
    const size_t hit = text.find("trailer", from);
    if (hit == std::string_view::npos) break;
    from = hit + 7;
    PdfParser parser(bytes, hit + 7, nodes_);
    PdfValue dict = parser.parse_value();
    from = std::max(from, parser.pos());  // never parse the same bytes twice: hostile files repeat "trailer"
    if (dict.kind == PdfKind::Dict && (dict.get("Root") || dict.get("Info"))) {
      trailer_ = std::move(dict);
      best_offset = hit;
      found = true;
    }
  }
  // Cross-reference streams carry the trailer keys in their own dictionary.
  for (const auto& [number, object] : objects_) {
    const PdfValue* type = object.value.get("Type");
    if (object.object_stream == 0 && type && type->is_name("XRef") &&
        (object.value.get("Root") || object.value.get("Info")) && (!found || object.offset > best_offset)) {
      trailer_ = object.value;
      best_offset = object.offset;
      found = true;
    }
  }
  if (found) return;
  // No trailer at all: rebuild one from a catalog and an information-like dictionary.
  trailer_ = PdfValue{};
  trailer_.kind = PdfKind::Dict;
  for (const auto& [number, object] : objects_) {
    const PdfValue* type = object.value.get("Type");
    PdfValue ref;
    ref.kind = PdfKind::Ref;
    ref.ref_num = number;
    if (type && type->is_name("Catalog") && !trailer_.get("Root")) {
      trailer_.entries.emplace_back("Root", ref);
    } else if (!type && !object.has_stream && (object.value.get("Producer") || object.value.get("Creator")) &&
               !trailer_.get("Info")) {
      trailer_.entries.emplace_back("Info", ref);
    }
  }
  if (!objects_.empty()) problem("no trailer: rebuilt from the catalog and document information objects");
}

PdfDocument PdfDocument::scan(ByteSpan bytes, const PdfCharge& charge) {
  PdfDocument document;
  const std::string_view head = bytes.prefix(kHeaderWindow).as_chars();
  if (const size_t at = head.find("%PDF-"); at != std::string_view::npos) {
    size_t end = at + 5;
    while (end < head.size() && (is_digit(head[end]) || head[end] == '.') && end - at < 9) ++end;
    document.version_ = std::string(head.substr(at + 5, end - at - 5));
  }
  document.scan_objects(bytes);
  document.apply_indirect_lengths(bytes);  // object streams may have indirect lengths themselves
  document.read_object_streams(charge);
  document.apply_indirect_lengths(bytes);  // and a length may live in an object stream
  document.find_trailer(bytes);
  if (const PdfValue* root = document.resolve(document.trailer_.get("Root")); root && root->kind == PdfKind::Dict) {
    const PdfValue* version = root->get("Version");
    if (version && version->kind == PdfKind::Name && version->text.size() < 8 && version->text > document.version_) {
      document.version_ = version->text;
    }
  }
  if (document.objects_.empty()) document.problem("no objects found");
  return document;
}

}  // namespace assay
