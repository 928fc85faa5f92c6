// PDF documents: metadata.document from the /Info dictionary, the catalog and the page tree, and
// indicators for the active content a PDF can carry (JavaScript, automatic actions, launch actions,
// embedded files, links, forms), each listing the objects where it was found.
//
// The objects come from unpack/pdf_document.h (found by scanning, object streams included). Analyzers
// have no Budget, so the object streams decoded here are capped by kMaxDecodedBytes of their own.
// Encrypted documents are not decrypted: their /Info strings are encrypted too, so only unencrypted
// values (numbers, names, the page count) are reported, with encrypted: true; that is not a problem
// for validation, which judges structure.
#include <set>
#include <string>
#include <vector>

#include "analyze/analyzer.h"
#include "analyze/formats.h"
#include "report/indicator_ids.h"
#include "unpack/pdf_document.h"

namespace assay {
namespace {

constexpr size_t kMaxDecodedBytes = size_t{64} << 20;  // all object streams of one file
constexpr size_t kMaxReasons = 20;
constexpr size_t kMaxUriLength = 512;

struct Finding {
  std::set<uint32_t> objects;
  std::vector<std::string> details;  // URIs, in the order found
};

// What the walk looks for: keys of dictionaries and values of /S (action type) and /Type.
struct Findings {
  Finding javascript, open_action, additional_actions, launch, embedded_file, uri, acroform, xfa;
};

void walk(const PdfDocument& doc, const PdfValue& value, uint32_t object, Findings& found, int depth) {
  if (depth > kMaxPdfDepth) return;
  if (value.kind == PdfKind::Array) {
    for (const PdfValue& item : value.items) walk(doc, item, object, found, depth + 1);
    return;
  }
  if (value.kind != PdfKind::Dict) return;
  for (const auto& [key, item] : value.entries) {
    if (key == "JavaScript" || key == "JS") found.javascript.objects.insert(object);
    // An /OpenAction that is a destination (an array: "show page 1") is what every writer emits; only
    // an action dictionary runs something.
    if (const PdfValue* action = key == "OpenAction" ? doc.resolve(&item) : nullptr;
        action && action->kind == PdfKind::Dict) {
      found.open_action.objects.insert(object);
    }
    if (key == "AA") found.additional_actions.objects.insert(object);
    if (key == "Launch") found.launch.objects.insert(object);
    if (key == "EmbeddedFiles" || key == "EF") found.embedded_file.objects.insert(object);
    if (key == "AcroForm") found.acroform.objects.insert(object);
    if (key == "XFA") found.xfa.objects.insert(object);
    if (key == "URI" && item.kind == PdfKind::String) {
      found.uri.objects.insert(object);
      if (found.uri.details.size() < kMaxReasons) {
        std::string uri = pdf_text_to_utf8(item.text.substr(0, kMaxUriLength));
        found.uri.details.push_back("object " + std::to_string(object) + ": " + uri);
      }
    }
    if ((key == "S" || key == "Type") && item.kind == PdfKind::Name) {
      if (item.text == "JavaScript") found.javascript.objects.insert(object);
      if (item.text == "Launch") found.launch.objects.insert(object);
      if (item.text == "EmbeddedFile") found.embedded_file.objects.insert(object);
      if (item.text == "URI") found.uri.objects.insert(object);
    }
    walk(doc, item, object, found, depth + 1);
  }
}

void raise(Entry& entry, uint32_t id, uint8_t priority, uint32_t category, std::string description,
           const Finding& finding) {
  if (finding.objects.empty()) return;
  Indicator indicator{id, priority, category, std::move(description), 5, {}};
  std::string objects = finding.objects.size() == 1 ? "object " : "objects ";
  size_t listed = 0;
  for (const uint32_t number : finding.objects) {
    if (listed == kMaxReasons) {
      objects += " and " + std::to_string(finding.objects.size() - listed) + " more";
      break;
    }
    objects += (listed++ == 0 ? "" : ", ") + std::to_string(number);
  }
  indicator.reasons.push_back(IndicatorReason{category, std::move(objects), false});
  for (const std::string& detail : finding.details)
    indicator.reasons.push_back(IndicatorReason{category, detail, false});
  entry.indicators.push_back(std::move(indicator));
}

void read_info(const PdfDocument& doc, bool encrypted, Value& document) {
  const PdfValue* info = doc.resolve(doc.trailer().get("Info"));
  if (info == nullptr || info->kind != PdfKind::Dict || encrypted) return;
  static constexpr std::pair<const char*, const char*> kText[] = {
      {"Author", "author"},     {"Title", "title"},     {"Subject", "subject"},
      {"Keywords", "keywords"}, {"Creator", "creator"}, {"Producer", "producer"},
  };
  for (const auto& [key, name] : kText) {
    const PdfValue* value = doc.resolve(info->get(key));
    if (value != nullptr && value->kind == PdfKind::String && !value->text.empty()) {
      document.set(name, pdf_text_to_utf8(value->text));
    }
  }
  for (const auto& [key, name] : {std::pair{"CreationDate", "creation_date"}, std::pair{"ModDate", "modified_date"}}) {
    const PdfValue* value = doc.resolve(info->get(key));
    if (value == nullptr || value->kind != PdfKind::String) continue;
    if (auto iso = pdf_date_to_iso8601(value->text)) document.set(name, std::move(*iso));
  }
}

std::optional<int64_t> page_count(const PdfDocument& doc) {
  const PdfValue* root = doc.resolve(doc.trailer().get("Root"));
  const PdfValue* pages = root && root->kind == PdfKind::Dict ? doc.resolve(root->get("Pages")) : nullptr;
  const PdfValue* count = pages && pages->kind == PdfKind::Dict ? doc.resolve(pages->get("Count")) : nullptr;
  if (const auto n = count ? count->as_int() : std::nullopt; n && *n >= 0) return n;
  // No usable page tree: count the page objects themselves.
  int64_t counted = 0;
  for (const auto& [number, object] : doc.objects()) {
    const PdfValue* type = object.value.get("Type");
    if (type != nullptr && type->is_name("Page")) ++counted;
  }
  return counted > 0 ? std::optional<int64_t>(counted) : std::nullopt;
}

}  // namespace

void analyze_pdf(ByteSpan bytes, Entry& entry) {
  size_t decoded = 0;
  const PdfCharge charge = [&decoded](size_t added, size_t) {
    decoded += added;
    return decoded <= kMaxDecodedBytes;
  };
  const PdfDocument doc = PdfDocument::scan(bytes, charge);
  std::vector<std::string> problems = doc.problems();
  if (doc.stopped()) problems.push_back("object streams larger than the analyzer's cap were not read");

  const bool encrypted = doc.trailer().get("Encrypt") != nullptr;
  Value document = Value::object();
  read_info(doc, encrypted, document);
  if (const auto pages = page_count(doc)) document.set("pages", *pages);
  if (!doc.version().empty()) document.set("pdf_version", doc.version());
  document.set("encrypted", encrypted);
  entry.metadata.set("document", std::move(document));

  Findings found;
  for (const auto& [number, object] : doc.objects()) walk(doc, object.value, number, found, 0);
  raise(entry, kIndicatorPdfJavaScript, 6, kCategoryCapability, "The PDF contains JavaScript", found.javascript);
  raise(entry, kIndicatorPdfOpenAction, 4, kCategoryCapability, "The PDF runs an action when it is opened",
        found.open_action);
  raise(entry, kIndicatorPdfAdditionalActions, 4, kCategoryCapability,
        "The PDF has additional actions triggered by events (/AA)", found.additional_actions);
  raise(entry, kIndicatorPdfLaunch, 6, kCategoryCapability, "The PDF can launch an external program (/Launch)",
        found.launch);
  raise(entry, kIndicatorPdfEmbeddedFile, 3, kCategoryCapability, "The PDF carries embedded files",
        found.embedded_file);
  raise(entry, kIndicatorPdfUri, 2, kCategoryCapability, "The PDF links to URIs", found.uri);
  raise(entry, kIndicatorPdfAcroForm, 2, kCategoryCapability, "The PDF has an interactive form (/AcroForm)",
        found.acroform);
  raise(entry, kIndicatorPdfXfa, 4, kCategoryCapability, "The PDF has an XFA form", found.xfa);

  const bool valid = !doc.objects().empty() && problems.empty();
  if (doc.objects().empty() && problems.empty()) problems.push_back("no objects found");
  add_validation(entry, "pdf", "format", valid, std::move(problems));
}

}  // namespace assay
