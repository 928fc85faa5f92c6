// RTF documents: the OLE objects embedded in \objdata groups, and indicators for the tricks RTF
// exploits rely on.
//
// Each \objdata destination is hex (with whitespace, nested groups and control words as noise, and
// \binN runs as raw bytes), decoded and charged to the Budget as it goes. The result is an OLE1
// ObjectHeader ([MS-OLEDS] 2.2.4: OLEVersion, FormatID, ClassName, TopicName, ItemName, then for an
// embedded object NativeDataSize and the native data). The native data is the child (layer "object",
// name "object-N", property ole_class); for class "Package" it is an OLE Package (label, original path,
// temporary path, data) and the child is the carried file, named after it. Data that is no OLE1 header
// is extracted as it decoded ("objdata-N").
//
// Indicators, on the RTF itself: embedded objects, the Equation Editor class (CVE-2017-11882 and
// CVE-2018-0802), \objupdate (the object loads without a click), OLE2Link / StdOleLink (linked objects,
// CVE-2017-0199), and malformed syntax (a \bin longer than the file, control words or parameters
// past the spec's lengths). Bounded: kMaxObjects objects, one linear pass for the control words.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

#include "report/indicator_ids.h"
#include "unpack/formats.h"

namespace assay {
namespace {

constexpr size_t kMaxObjects = 256;
constexpr size_t kChargeChunk = size_t{64} << 10;
constexpr size_t kMaxControlWord = 32;  // letters; the spec allows 32
constexpr size_t kMaxParameterDigits = 10;

bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(int c) { return c >= '0' && c <= '9'; }
int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool contains(ByteSpan haystack, std::string_view needle) {
  return haystack.as_chars().find(needle) != std::string_view::npos;
}

// A control word at `at` (just past the backslash): its letters, parameter and where it ends.
struct ControlWord {
  std::string_view word;
  std::optional<int64_t> parameter;
  size_t end = 0;
  bool malformed = false;
};

ControlWord read_control_word(std::string_view text, size_t at) {
  ControlWord cw;
  size_t i = at;
  while (i < text.size() && is_alpha(text[i])) ++i;
  cw.word = text.substr(at, i - at);
  cw.malformed = cw.word.size() > kMaxControlWord;
  size_t digits_start = i;
  if (i < text.size() && text[i] == '-') ++digits_start, ++i;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i > digits_start) {
    if (i - digits_start > kMaxParameterDigits) {
      cw.malformed = true;
    } else {
      int64_t value = 0;
      for (size_t k = digits_start; k < i; ++k) value = value * 10 + (text[k] - '0');
      cw.parameter = text[digits_start - 1] == '-' && digits_start > at + cw.word.size() ? -value : value;
    }
  }
  if (i < text.size() && text[i] == ' ') ++i;  // the delimiting space belongs to the control word
  cw.end = i;
  return cw;
}

struct Ole1Object {
  std::string class_name;
  uint32_t format_id = 0;
  ByteSpan native;
  bool ok = false;
};

std::optional<std::string> ansi_string(CheckedReader& r) {
  const uint32_t length = r.le32();
  if (!r.ok() || length > r.remaining() || length > 4096) return std::nullopt;
  const ByteSpan s = r.bytes(length);
  std::string text(s.as_chars());
  if (const size_t nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  return text;
}

Ole1Object parse_ole1(ByteSpan data) {
  Ole1Object object;
  CheckedReader r(data);
  r.le32();  // OLEVersion
  object.format_id = r.le32();
  const auto class_name = ansi_string(r);
  const auto topic = ansi_string(r);
  const auto item = ansi_string(r);
  if (!r.ok() || !class_name || !topic || !item || (object.format_id != 1 && object.format_id != 2)) return object;
  object.class_name = *class_name;
  object.ok = true;
  if (object.format_id == 2) {
    const uint32_t size = r.le32();
    object.native = data.sub(r.offset(), size);
  }
  return object;
}

std::string c_string(CheckedReader& r, ByteSpan data) {
  const size_t start = r.offset();
  const std::string_view rest = data.sub(start).as_chars();
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos || nul > 4096) {
    r.skip(r.remaining() + 1);  // sets the error flag
    return "";
  }
  r.skip(nul + 1);
  return std::string(rest.substr(0, nul));
}

// An OLE Package's carried file: its name (the label, else the last part of a path) and data.
struct PackagedFile {
  std::string name;
  ByteSpan data;
};

std::optional<PackagedFile> parse_package(ByteSpan native) {
  CheckedReader r(native);
  r.le16();  // header, 2
  const std::string label = c_string(r, native);
  const std::string original_path = c_string(r, native);
  r.le32();  // reserved and type (0x00030000 for an embedded file)
  r.le32();  // the length of the temporary path that follows, which is also NUL-terminated
  const std::string temp_path = c_string(r, native);
  const uint32_t size = r.le32();
  if (!r.ok() || size > r.remaining()) return std::nullopt;
  PackagedFile file;
  file.data = native.sub(r.offset(), size);
  for (const std::string* candidate : {&label, &original_path, &temp_path}) {
    const size_t slash = candidate->find_last_of("\\/");
    const std::string base = slash == std::string::npos ? *candidate : candidate->substr(slash + 1);
    if (!base.empty()) {
      file.name = base;
      break;
    }
  }
  return file;
}

struct Findings {
  std::set<std::string> classes;
  bool objupdate = false, ole_link = false;
  std::vector<std::string> malformed;
  size_t objects = 0;
};

class RtfObjects final : public Unpacker {
 public:
  explicit RtfObjects(ByteSpan bytes) : bytes_(bytes), text_(bytes.as_chars()) {}

  // One pass over the control words for the indicators that do not need the objects decoded.
  void scan_syntax(Findings& found) {
    for (size_t at = text_.find('\\'); at != std::string_view::npos && at + 1 < text_.size();
         at = text_.find('\\', at)) {
      const ControlWord cw = read_control_word(text_, at + 1);
      if (cw.word.empty()) {
        at += 2;  // a control symbol
        continue;
      }
      if (cw.malformed && found.malformed.size() < 8) {
        found.malformed.push_back("control word at offset " + std::to_string(at) + " exceeds the RTF length limits");
      }
      if (cw.word == "objupdate") found.objupdate = true;
      if (cw.word == "objclass" && found.classes.size() < kMaxObjects) {
        // The class as the RTF names it, which need not match the (possibly obfuscated) data.
        const size_t close = text_.find('}', cw.end);
        const std::string_view name = text_.substr(cw.end, std::min<size_t>(close, cw.end + 64) - cw.end);
        if (!name.empty()) found.classes.insert(std::string(name));
      }
      if (cw.word == "bin" && cw.parameter) {
        if (*cw.parameter < 0 || static_cast<uint64_t>(*cw.parameter) > text_.size() - cw.end) {
          if (found.malformed.size() < 8) {
            found.malformed.push_back("\\bin" + std::to_string(*cw.parameter) + " at offset " + std::to_string(at) +
                                      " runs past the end of the file");
          }
          break;
        }
        at = cw.end + static_cast<size_t>(*cw.parameter);
        continue;
      }
      at = std::max(cw.end, at + 1);
    }
  }

  bool next(UnpackContext& ctx, Child& child) override {
    while (true) {
      const size_t hit = text_.find("\\objdata", search_from_);
      if (hit == std::string_view::npos || produced_objects_ >= kMaxObjects) {
        if (hit != std::string_view::npos)
          ctx.container.add_warning("rtf: more than " + std::to_string(kMaxObjects) + " objects");
        return false;
      }
      search_from_ = hit + 8;
      std::vector<uint8_t> data;
      std::optional<LimitKind> limit;
      search_from_ = decode_objdata(hit + 8, data, ctx, limit);
      if (limit) {
        ctx.stop_on_limit(*limit, "rtf objdata at offset " + std::to_string(hit));
        if (ctx.budget.scan_stopped()) return false;
        continue;
      }
      const size_t index = produced_objects_++;
      if (data.empty()) continue;
      if (emit_object(std::move(data), index, child)) return true;
    }
  }

  Findings findings;

 private:
  // Hex-decodes the destination that starts at `at` up to the brace closing its group; returns where
  // it ended.
  size_t decode_objdata(size_t at, std::vector<uint8_t>& out, UnpackContext& ctx, std::optional<LimitKind>& limit) {
    int depth = 0, pending = -1;
    GrowthCharge charge(ctx.budget, out, limit);
    size_t i = at;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == '{' && text_.substr(i + 1, 2) == "\\*") {
        i = skip_group(i);  // an ignorable destination inside the data: readers skip it whole
      } else if (c == '{') {
        ++depth;
        ++i;
      } else if (c == '}') {
        if (--depth < 0) break;
        ++i;
      } else if (c == '\\') {
        const ControlWord cw = read_control_word(text_, i + 1);
        if (cw.word == "bin" && cw.parameter && *cw.parameter > 0) {
          const size_t n = std::min<size_t>(static_cast<size_t>(*cw.parameter), text_.size() - cw.end);
          out.insert(out.end(), bytes_.data() + cw.end, bytes_.data() + cw.end + n);
          i = cw.end + n;
        } else {
          // \'hh is a character, not data; any other control symbol is two characters long.
          i = !cw.word.empty() ? cw.end : text_.substr(i + 1, 1) == "'" ? i + 4 : i + 2;
        }
      } else {
        const int d = hex_value(static_cast<unsigned char>(c));
        if (d >= 0) {
          if (pending < 0) {
            pending = d;
          } else {
            out.push_back(static_cast<uint8_t>(pending * 16 + d));
            pending = -1;
          }
        }
        ++i;
      }
      if (charge.uncharged() >= kChargeChunk && !charge()) return i;
    }
    charge();
    return i;
  }

  // Where the group opening at `at` closes (just past its brace), or the end of the text.
  size_t skip_group(size_t at) const {
    int depth = 0;
    for (size_t i = at; i < text_.size(); ++i) {
      if (text_[i] == '\\') {
        ++i;  // an escaped brace does not count
      } else if (text_[i] == '{') {
        ++depth;
      } else if (text_[i] == '}' && --depth == 0) {
        return i + 1;
      }
    }
    return text_.size();
  }

  bool emit_object(std::vector<uint8_t> data, size_t index, Child& child) {
    const ByteSpan span(data.data(), data.size());
    const Ole1Object ole1 = parse_ole1(span);
    child = Child{};
    child.layer = "object";
    if (!ole1.ok) {
      child.name = "objdata-" + std::to_string(index);
      child.owned = std::move(data);
      child.bytes = ByteSpan(child.owned.data(), child.owned.size());
      return true;
    }
    findings.classes.insert(ole1.class_name.substr(0, 64));
    if (ole1.class_name == "OLE2Link" || contains(span, "OLE2Link") || contains(span, kStdOleLinkClsid)) {
      findings.ole_link = true;
    }
    if (ole1.native.empty()) return false;  // a linked object: nothing embedded
    child.properties.push_back(Property{"ole_class", ole1.class_name});
    ByteSpan payload = ole1.native;
    child.name = "object-" + std::to_string(index);
    if (ole1.class_name == "Package") {
      if (const auto file = parse_package(ole1.native)) {
        payload = file->data;
        if (!file->name.empty()) child.name = file->name;
        child.properties.push_back(Property{"ole_package", true});
      }
    }
    if (payload.empty()) return false;  // an empty packaged file: nothing to extract
    const size_t offset = static_cast<size_t>(payload.data() - data.data());
    const size_t size = payload.size();
    child.owned = std::move(data);
    child.owned.erase(child.owned.begin() + static_cast<std::ptrdiff_t>(offset + size), child.owned.end());
    child.owned.erase(child.owned.begin(), child.owned.begin() + static_cast<std::ptrdiff_t>(offset));
    child.bytes = ByteSpan(child.owned.data(), child.owned.size());
    return true;
  }

  static constexpr std::string_view kStdOleLinkClsid{"\x00\x03\x00\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46",
                                                     16};

  ByteSpan bytes_;
  std::string_view text_;
  size_t search_from_ = 0;
  size_t produced_objects_ = 0;
};

void add(Entry& entry, uint32_t id, uint8_t priority, uint32_t category, std::string description,
         std::vector<std::string> reasons) {
  Indicator indicator{id, priority, category, std::move(description), 5, {}};
  for (std::string& reason : reasons) indicator.reasons.push_back(IndicatorReason{category, std::move(reason), false});
  entry.indicators.push_back(std::move(indicator));
}

// Serves the objects, then, once the last has been served (or a limit ended the walk), raises the
// indicators on the RTF from what the objects and one pass over the control words showed.
class RtfUnpacker final : public Unpacker {
 public:
  explicit RtfUnpacker(ByteSpan bytes) : objects_(bytes) {}
  bool next(UnpackContext& ctx, Child& child) override {
    const bool produced = objects_.next(ctx, child);
    if (!produced && !reported_) {
      reported_ = true;
      report(ctx.container);
    }
    return produced;
  }

 private:
  void report(Entry& entry) {
    Findings& found = objects_.findings;
    objects_.scan_syntax(found);
    if (!found.classes.empty()) {
      std::vector<std::string> classes(found.classes.begin(), found.classes.end());
      add(entry, kIndicatorRtfEmbeddedObject, 3, kCategoryCapability, "The RTF embeds OLE objects", classes);
    }
    for (const std::string& name : found.classes) {
      std::string lower(name);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower.rfind("equation.", 0) == 0) {
        add(entry, kIndicatorRtfEquationEditor, 7, kCategoryDetection,
            "The RTF embeds an Equation Editor object (CVE-2017-11882, CVE-2018-0802)", {"class " + name});
        break;
      }
    }
    if (found.objupdate) {
      add(entry, kIndicatorRtfObjUpdate, 5, kCategoryEvasion, "An embedded object updates (loads) without a click",
          {"\\objupdate"});
    }
    if (found.ole_link) {
      add(entry, kIndicatorRtfOleLink, 6, kCategoryCapability,
          "The RTF holds a linked OLE object (OLE2Link/StdOleLink, CVE-2017-0199)", {"OLE2Link"});
    }
    if (!found.malformed.empty()) {
      add(entry, kIndicatorRtfMalformed, 4, kCategoryEvasion, "The RTF is malformed in ways parsers disagree on",
          std::move(found.malformed));
    }
  }

  RtfObjects objects_;
  bool reported_ = false;
};

}  // namespace

std::unique_ptr<Unpacker> unpack_rtf(ByteSpan bytes, UnpackContext&) { return std::make_unique<RtfUnpacker>(bytes); }

}  // namespace assay
