// Office Open XML (.docx/.docm, .xlsx/.xlsm, .pptx/.pptm) and OpenDocument (.odt, .ods, .odp)
// packages: metadata.document from docProps/core.xml + docProps/app.xml or meta.xml; indicators for
// relationships that reach outside the package (a remote attachedTemplate, linked OLE objects, frames,
// other external targets, each with its URL), for macro-enabled content (vbaProject.bin, a
// macroEnabled content type, ODF Basic or script libraries; tag "macros") and for embedded OLE
// objects (those are also children through the zip layer and are analysed as OLE2 there).
// Only small XML parts are read, each inflated into a bounded buffer (office_zip.h).
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "analyze/analyzer.h"
#include "analyze/formats.h"
#include "analyze/office_xml.h"
#include "analyze/office_zip.h"
#include "analyze/ole_properties.h"
#include "report/indicator_ids.h"

namespace assay {
namespace {

constexpr size_t kMaxPartBytes = size_t{1} << 20;      // a metadata or relationships part
constexpr size_t kMaxInflatedBytes = size_t{32} << 20;  // all parts read from one package together
constexpr size_t kMaxRelationshipParts = 4096;          // a deck has one per slide
constexpr size_t kMaxReasons = 32;
constexpr size_t kMaxTargetLength = 1024;

struct Field {
  std::string_view element;  // local name
  std::string_view key;      // metadata.document key
  enum Kind { Text, Number, Date } kind;
};

// docProps/core.xml (OPC core properties) and docProps/app.xml (extended properties).
constexpr Field kCoreFields[] = {
    {"title", "title", Field::Text},           {"subject", "subject", Field::Text},
    {"creator", "author", Field::Text},        {"keywords", "keywords", Field::Text},
    {"description", "comments", Field::Text},  {"lastModifiedBy", "last_saved_by", Field::Text},
    {"revision", "revision", Field::Text},     {"category", "category", Field::Text},
    {"created", "creation_date", Field::Date}, {"modified", "modified_date", Field::Date},
    {"lastPrinted", "last_printed", Field::Date},
};
constexpr Field kAppFields[] = {
    {"Application", "application", Field::Text}, {"AppVersion", "application_version", Field::Text},
    {"Template", "template", Field::Text},       {"Company", "company", Field::Text},
    {"Manager", "manager", Field::Text},         {"Pages", "pages", Field::Number},
    {"Words", "words", Field::Number},           {"Characters", "characters", Field::Number},
    {"Lines", "lines", Field::Number},           {"Paragraphs", "paragraphs", Field::Number},
    {"Slides", "slides", Field::Number},         {"Notes", "notes", Field::Number},
};
// meta.xml (ODF 1.2+ part 3, 4.3): the initial creator wrote it, dc:creator saved it last.
constexpr Field kOdfFields[] = {
    {"title", "title", Field::Text},
    {"subject", "subject", Field::Text},
    {"initial-creator", "author", Field::Text},
    {"creator", "last_saved_by", Field::Text},
    {"description", "comments", Field::Text},
    {"creation-date", "creation_date", Field::Date},
    {"date", "modified_date", Field::Date},
    {"print-date", "last_printed", Field::Date},
    {"generator", "application", Field::Text},
    {"editing-cycles", "revision", Field::Text},
};
constexpr std::pair<std::string_view, std::string_view> kOdfStatistics[] = {
    {"page-count", "pages"},           {"word-count", "words"},     {"character-count", "characters"},
    {"paragraph-count", "paragraphs"}, {"table-count", "tables"},   {"image-count", "images"},
};

bool ends_with_ignoring_case(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         std::equal(suffix.begin(), suffix.end(), text.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
}

bool contains_ignoring_case(std::string_view text, std::string_view needle) {
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

std::optional<int64_t> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// "2023-04-05T06:07:08.123+02:00" -> "2023-04-05T04:07:08Z". A time without a zone (ODF writes local
// time that way) is taken as UTC; anything that is not such a timestamp is kept as written.
std::string normalize_date(const std::string& text) {
  const auto digits = [&](size_t at, size_t count) -> std::optional<unsigned> {
    if (at + count > text.size()) return std::nullopt;
    unsigned value = 0;
    for (size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
  };
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
      *month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return text;
  }
  size_t at = 19;
  while (at < text.size() && (text[at] == '.' || (text[at] >= '0' && text[at] <= '9'))) ++at;  // fractions
  int64_t offset_seconds = 0;
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const auto zone_hours = digits(at + 1, 2), zone_minutes = digits(at + 4, 2);
    if (!zone_hours || !zone_minutes) return text;
    offset_seconds = (text[at] == '+' ? 1 : -1) * static_cast<int64_t>(*zone_hours * 3600 + *zone_minutes * 60);
  }
  const int64_t seconds = days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 + *second -
                          offset_seconds;
  constexpr int64_t kUnixEpochFromFiletime = 11644473600;
  if (seconds + kUnixEpochFromFiletime <= 0) return text;
  const auto iso = filetime_to_iso8601(static_cast<uint64_t>(seconds + kUnixEpochFromFiletime) * 10'000'000);
  return iso ? *iso : text;
}

class OfficePackage {
 public:
  OfficePackage(const ZipPackage& zip, Entry& entry) : zip_(zip), entry_(entry) {}

  void read_properties(bool odf);
  void find_external_relationships();
  void find_macros_and_objects(bool odf);
  std::vector<std::string> take_problems() { return std::move(problems_); }

 private:
  std::optional<std::string_view> part(std::string_view name, std::vector<uint8_t>& buffer);
  std::optional<std::string_view> part(const ZipPackage::Member& member, std::vector<uint8_t>& buffer);
  void read_fields(std::string_view xml, const Field* first, const Field* last, Value& document);
  void raise(uint32_t id, uint8_t priority, uint32_t category, std::string description, std::vector<std::string> reasons);

  const ZipPackage& zip_;
  Entry& entry_;
  std::vector<std::string> problems_;
  size_t inflate_budget_ = kMaxInflatedBytes;
};

std::optional<std::string_view> OfficePackage::part(const ZipPackage::Member& member, std::vector<uint8_t>& buffer) {
  if (inflate_budget_ == 0) {
    if (problems_.empty() || problems_.back().find("read budget") == std::string::npos) {
      problems_.push_back("parts past the analyzer's read budget of " + std::to_string(kMaxInflatedBytes) +
                          " bytes are not read");
    }
    return std::nullopt;
  }
  std::string problem;
  const auto bytes = zip_.read(member, buffer, std::min(kMaxPartBytes, inflate_budget_), problem);
  if (!problem.empty()) problems_.push_back(std::move(problem));
  if (!bytes) return std::nullopt;
  inflate_budget_ -= std::min(inflate_budget_, bytes->size());
  return bytes->as_chars();
}

std::optional<std::string_view> OfficePackage::part(std::string_view name, std::vector<uint8_t>& buffer) {
  const ZipPackage::Member* member = zip_.find(name);
  if (member == nullptr) return std::nullopt;
  return part(*member, buffer);
}

void OfficePackage::read_fields(std::string_view xml, const Field* first, const Field* last, Value& document) {
  XmlScanner scanner(xml);
  XmlTag tag;
  while (scanner.next(tag)) {
    if (tag.closing) continue;
    const std::string_view local = xml_local_name(tag.name);
    if (local == "document-statistic") {
      for (const auto& [attribute, key] : kOdfStatistics) {
        const auto value = xml_attribute(tag.attributes, attribute);
        if (const auto count = value ? parse_count(*value) : std::nullopt) document.set(std::string(key), *count);
      }
      continue;
    }
    if (tag.self_closing) continue;
    for (const Field* field = first; field != last; ++field) {
      if (field->element != local) continue;
      std::string text = xml_text(tag.text);
      if (text.empty()) break;
      if (field->kind == Field::Number) {
        if (const auto count = parse_count(text)) document.set(std::string(field->key), *count);
      } else if (field->kind == Field::Date) {
        document.set(std::string(field->key), normalize_date(text));
      } else if (const Value* earlier = document.find(field->key); earlier != nullptr && local == "keyword") {
        // ODF lists each keyword in an element of its own.
        document.set(std::string(field->key), std::get<std::string>(earlier->data()) + ", " + text);
      } else {
        document.set(std::string(field->key), std::move(text));
      }
      break;
    }
  }
}

void OfficePackage::read_properties(bool odf) {
  Value document = Value::object();
  std::vector<uint8_t> buffer;
  if (odf) {
    if (const auto meta = part("meta.xml", buffer)) {
      static constexpr Field kKeyword[] = {{"keyword", "keywords", Field::Text}};
      read_fields(*meta, std::begin(kOdfFields), std::end(kOdfFields), document);
      read_fields(*meta, std::begin(kKeyword), std::end(kKeyword), document);
    }
  } else {
    if (const auto core = part("docProps/core.xml", buffer)) {
      read_fields(*core, std::begin(kCoreFields), std::end(kCoreFields), document);
    }
    if (const auto app = part("docProps/app.xml", buffer)) {
      read_fields(*app, std::begin(kAppFields), std::end(kAppFields), document);
    }
  }
  if (!std::get<Value::Object>(document.data()).empty()) entry_.metadata.set("document", std::move(document));
}

void OfficePackage::raise(uint32_t id, uint8_t priority, uint32_t category, std::string description,
                          std::vector<std::string> reasons) {
  if (reasons.empty()) return;
  Indicator indicator{id, priority, category, std::move(description), 5, {}};
  for (std::string& reason : reasons) {
    if (indicator.reasons.size() == kMaxReasons) break;
    indicator.reasons.push_back({category, std::move(reason), false});
  }
  entry_.indicators.push_back(std::move(indicator));
}

// OPC relationships (ECMA-376 part 2, 9.3): a target with TargetMode="External" lies outside the
// package. Hyperlinks are ordinary document content and are not reported.
void OfficePackage::find_external_relationships() {
  std::vector<std::string> templates, objects, frames, others;
  size_t parts = 0;
  std::vector<uint8_t> buffer;
  for (const ZipPackage::Member& member : zip_.members()) {
    if (!ends_with_ignoring_case(member.name, ".rels")) continue;
    if (++parts > kMaxRelationshipParts) {
      problems_.push_back("more than " + std::to_string(kMaxRelationshipParts) + " relationship parts; the rest are not read");
      break;
    }
    const auto xml = part(member, buffer);
    if (!xml) continue;
    XmlScanner scanner(*xml);
    XmlTag tag;
    while (scanner.next(tag)) {
      if (tag.closing || xml_local_name(tag.name) != "Relationship") continue;
      const auto mode = xml_attribute(tag.attributes, "TargetMode");
      if (!mode || *mode != "External") continue;
      const std::string type = xml_attribute(tag.attributes, "Type").value_or("");
      std::string target = xml_attribute(tag.attributes, "Target").value_or("");
      if (target.size() > kMaxTargetLength) target.resize(kMaxTargetLength);
      const size_t slash = type.rfind('/');
      const std::string_view kind = std::string_view(type).substr(slash == std::string::npos ? 0 : slash + 1);
      std::string reason = std::string(member.name) + ": " + std::string(kind) + " -> " + target;
      if (kind == "attachedTemplate") {
        templates.push_back(std::move(reason));
      } else if (kind == "oleObject") {
        objects.push_back(std::move(reason));
      } else if (kind == "frame") {
        frames.push_back(std::move(reason));
      } else if (kind != "hyperlink") {
        others.push_back(std::move(reason));
      }
    }
  }
  raise(kIndicatorDocumentRemoteTemplate, 6, kCategoryEvasion,
        "The document loads its template from outside the file (remote template injection)", std::move(templates));
  raise(kIndicatorDocumentExternalObject, 6, kCategoryCapability, "The document links an OLE object from outside the file",
        std::move(objects));
  raise(kIndicatorDocumentExternalFrame, 5, kCategoryCapability, "The document loads a frame from outside the file",
        std::move(frames));
  raise(kIndicatorDocumentExternalLink, 3, kCategoryCapability, "The document refers to content outside the file",
        std::move(others));
}

void OfficePackage::find_macros_and_objects(bool odf) {
  std::vector<std::string> macros, embedded;
  for (const ZipPackage::Member& member : zip_.members()) {
    const std::string_view name = member.name;
    if (ends_with_ignoring_case(name, "vbaProject.bin") || ends_with_ignoring_case(name, "vbaData.xml")) {
      macros.push_back("part " + std::string(name));
    } else if (odf && (name.starts_with("Basic/") || name.starts_with("Scripts/")) && !name.ends_with("/") &&
               !name.ends_with("script-lc.xml") && !name.ends_with("script-lb.xml")) {
      macros.push_back("macro library part " + std::string(name));
    }
    if (name.find("/embeddings/") != std::string_view::npos ||
        (odf && name.starts_with("Object ") && name.find('/') == std::string_view::npos)) {
      embedded.push_back(std::string(name));
    }
  }
  if (!odf) {
    std::vector<uint8_t> buffer;
    if (const auto types = part("[Content_Types].xml", buffer)) {
      XmlScanner scanner(*types);
      XmlTag tag;
      while (scanner.next(tag)) {
        const auto content_type = xml_attribute(tag.attributes, "ContentType");
        if (content_type && (contains_ignoring_case(*content_type, "macroEnabled") ||
                             contains_ignoring_case(*content_type, "vbaProject"))) {
          macros.push_back("content type " + *content_type);
        }
      }
    }
  }
  if (!macros.empty()) entry_.add_tag("macros");
  raise(kIndicatorDocumentMacroEnabled, 4, kCategoryCapability, "The document carries macros", std::move(macros));
  raise(kIndicatorDocumentEmbeddedObject, 3, kCategoryCapability, "The document embeds OLE objects", std::move(embedded));
}

}  // namespace

void analyze_office_open(ByteSpan bytes, Entry& entry) {
  const bool odf = entry.format == FileFormat::Odt || entry.format == FileFormat::Ods || entry.format == FileFormat::Odp;
  const std::string_view validator = odf ? "OpenDocument" : "Office Open XML";
  std::string problem;
  const std::optional<ZipPackage> zip = ZipPackage::open(bytes, problem);
  if (!zip) {
    add_validation(entry, validator, "format", false, {problem});
    return;
  }
  OfficePackage package(*zip, entry);
  package.read_properties(odf);
  package.find_external_relationships();
  package.find_macros_and_objects(odf);
  std::vector<std::string> problems = package.take_problems();
  if (!problem.empty()) problems.insert(problems.begin(), problem);
  if (problems.size() > 32) problems.resize(32);
  const bool valid = problems.empty();
  add_validation(entry, validator, "format", valid, std::move(problems));
}

}  // namespace assay
