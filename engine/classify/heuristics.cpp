#include "classify/heuristics.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace assay {
namespace {

// The EICAR test string, split so this source file is not itself flagged by scanners.
constexpr std::string_view kEicarHead = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$";
constexpr std::string_view kEicarTail = "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

constexpr std::array<std::string_view, 19> kDocumentAndImageExtensions = {
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "rtf", "txt", "odt", "jpg",
    "jpeg", "png", "gif", "bmp", "tif", "tiff", "mp3", "mp4"};

constexpr std::array<std::string_view, 15> kExecutableExtensions = {
    "exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "lnk", "hta", "jar", "ps1", "msi"};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// "a.b.C" -> {"a", "b", "c"} lower-cased, at most the last three parts.
std::vector<std::string> extensions_of(std::string_view name) {
  std::vector<std::string> parts;
  size_t end = name.size();
  while (parts.size() < 3) {
    const size_t dot = name.rfind('.', end == 0 ? 0 : end - 1);
    if (dot == std::string_view::npos || dot == 0) break;
    parts.insert(parts.begin(), lowercase(name.substr(dot + 1, end - dot - 1)));
    end = dot;
  }
  return parts;
}

template <size_t N>
bool one_of(const std::array<std::string_view, N>& list, const std::string& word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

bool is_executable(FileFormat format) {
  const std::string_view type = format_info(format).file_type;
  return type == "PE" || type == "PE+" || type == "ELF" || type == "MachO" || format == FileFormat::Dos;
}

// Adds the heuristics' result (keeping the most severe of them) and the indicator.
void raise(Entry& entry, Verdict verdict, uint8_t factor, std::string_view threat_name, Indicator indicator) {
  auto& results = entry.classification.scan_results;
  auto found = std::find_if(results.begin(), results.end(), [](const ScanResult& r) { return r.name == kHeuristicsScanner; });
  if (found == results.end()) {
    results.push_back(ScanResult{std::string(kHeuristicsScanner), "internal", Verdict::Unknown, 0, "", "1", false});
    found = results.end() - 1;
  }
  if (verdict != Verdict::Unknown && more_severe(verdict, factor, found->verdict, found->factor)) {
    found->verdict = verdict;
    found->factor = factor;
    found->result = std::string(threat_name);
  }
  entry.indicators.push_back(std::move(indicator));
}

}  // namespace

bool is_eicar(ByteSpan bytes) {
  const size_t length = kEicarHead.size() + kEicarTail.size();
  if (bytes.size() < length || bytes.size() > 128) return false;
  if (!bytes.matches(0, kEicarHead) || !bytes.matches(kEicarHead.size(), kEicarTail)) return false;
  const std::string_view rest = bytes.as_chars().substr(length);
  return std::all_of(rest.begin(), rest.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x1a; });
}

void apply_object_heuristics(ByteSpan bytes, Entry& entry) {
  if (is_eicar(bytes)) {
    raise(entry, Verdict::Malicious, 1, "Text.Test.EICAR",
          Indicator{kIndicatorEicar, 3, kCategoryDetection, "The EICAR anti-malware test file", 10,
                    {{kCategoryDetection, "content is the EICAR test string", false}}});
  }
  const std::vector<std::string> extensions = extensions_of(entry.file_name);
  if (is_executable(entry.format) && !extensions.empty() && one_of(kDocumentAndImageExtensions, extensions.back())) {
    raise(entry, Verdict::Suspicious, 3, "",
          Indicator{kIndicatorDisguisedExecutable, 6, kCategoryEvasion,
                    "An executable named like a document or image", 8,
                    {{kCategoryEvasion,
                      "a " + std::string(format_info(entry.format).file_type) + " file named '." + extensions.back() + "'",
                      false}}});
  }
  if (extensions.size() >= 2 && one_of(kExecutableExtensions, extensions.back()) &&
      one_of(kDocumentAndImageExtensions, extensions[extensions.size() - 2])) {
    raise(entry, Verdict::Suspicious, 2, "",
          Indicator{kIndicatorDoubleExtension, 5, kCategoryEvasion, "A double file extension hides the real one", 7,
                    {{kCategoryEvasion, "'." + extensions[extensions.size() - 2] + "." + extensions.back() + "'", false}}});
  }
}

void apply_tree_heuristics(ReportModel& model) {
  for (size_t i = model.size(); i-- > 1;) {
    const Entry& entry = model.at(i);
    const std::string_view type = format_info(entry.format).file_type;
    const char* tag = type == "PE" || type == "PE+" ? "contains-pe" : type == "ELF" ? "contains-elf"
                      : type == "MachO"                ? "contains-macho"
                                                       : nullptr;
    // Children come after parents: pass the tags a child holds (its own or its subtree's) upwards.
    Entry& parent = model.at(static_cast<size_t>(entry.parent));
    if (tag != nullptr) parent.add_tag(tag);
    for (const char* inherited : {"contains-pe", "contains-elf", "contains-macho"}) {
      if (std::find(entry.tags.begin(), entry.tags.end(), inherited) != entry.tags.end()) parent.add_tag(inherited);
    }
  }
}

void apply_container_heuristics(Entry& entry, std::optional<LimitKind> limit_hit, bool encrypted) {
  if (limit_hit == LimitKind::MaxRatio || limit_hit == LimitKind::MaxObjectBytes ||
      limit_hit == LimitKind::MaxTotalBytes || limit_hit == LimitKind::MaxObjects) {
    // A compression ratio past the limit is the signature of a bomb; sheer size or count is a
    // weaker sign (large legitimate archives exist).
    const bool ratio = limit_hit == LimitKind::MaxRatio;
    raise(entry, Verdict::Suspicious, ratio ? 2 : 1, "",
          Indicator{kIndicatorDecompressionBomb, static_cast<uint8_t>(ratio ? 5 : 3), kCategoryPacking,
                    "Unpacking hit a decompression limit (possible decompression bomb)", 6,
                    {{kCategoryPacking, "limit " + std::string(limit_name(*limit_hit)) + " reached", false}}});
  }
  if (encrypted) {
    raise(entry, Verdict::Unknown, 0, "",
          Indicator{kIndicatorEncrypted, 3, kCategoryEvasion, "Encrypted content", 5,
                    {{kCategoryEvasion, "members are encrypted", false}}});
  }
}

}  // namespace assay
