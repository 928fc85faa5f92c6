// report/: the ReportModel, one Entry per object of a scan, in depth-first extraction order.
//
// The model knows nothing of JSON: it holds typed facts (binary digests, enums, numbers); the renderer
// (json_render.cpp) turns them into the tc_report shape of spec/tc-report.md. Report types, views and
// field filters belong to the renderer only, so every consumer (CLI, C ABI, server) shares them.
//
// Thread-safety: a ReportModel is built by one scan on one thread and is immutable afterwards.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "hash/hasher.h"
#include "identify/file_format.h"
#include "report/value.h"

namespace assay {

enum class UnpackStatus : uint8_t {
  NotContainer = 0,
  Failed = 1,
  Complete = 2,
  Partial = 3,
};

enum class Verdict : uint8_t {
  Unknown = 0,
  Goodware = 1,
  Suspicious = 2,
  Malicious = 3,
};

// A scalar value of a property or of YARA rule meta.
using Scalar = std::variant<bool, int64_t, std::string>;

struct Property {
  std::string name;
  Scalar value;
};

// One engine's opinion of an object: an element of classification.scan_results.
struct ScanResult {
  std::string name;  // "Assay YARA", "Assay Heuristics"
  std::string type;  // "yara", "internal"
  Verdict verdict = Verdict::Unknown;
  uint8_t factor = 0;
  std::string result;   // threat name, "" when none
  std::string version;  // e.g. the ruleset identifier
  bool ignored = false;
};

// Orders verdicts by severity: classification first, then factor. Goodware is above unknown here,
// but propagation never lets goodware travel upwards (see classify/propagate.cpp).
inline bool more_severe(Verdict a, uint8_t factor_a, Verdict b, uint8_t factor_b) {
  if (a != b) return static_cast<int>(a) > static_cast<int>(b);
  return factor_a > factor_b;
}

struct Classification {
  Verdict verdict = Verdict::Unknown;
  uint8_t factor = 0;
  std::string result;
  bool propagated = false;
  std::optional<std::array<uint8_t, 20>> propagation_source;  // sha1 of the deciding descendant
  std::vector<ScanResult> scan_results;                       // the deciding result first
};

struct IndicatorReason {
  uint32_t category = 0;
  std::string description;
  bool propagated = false;
};

// A behaviour or property worth a human's attention (tc_report indicators[]).
struct Indicator {
  uint32_t id = 0;
  uint8_t priority = 1;  // 1..7, higher is worse
  uint32_t category = 0;
  std::string description;
  uint32_t relevance = 0;
  std::vector<IndicatorReason> reasons;
};

struct YaraString {
  std::string identifier;
  uint64_t offset = 0;
  uint32_t length = 0;
  std::vector<uint8_t> data;  // the first bytes matched (at most kMaxData), for the extended view
  static constexpr size_t kMaxData = 64;
};

struct YaraMatch {
  std::string rule;
  std::string ns;
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, Scalar>> meta;
  std::vector<YaraString> strings;
};

// One row of interesting_strings: the values of one category found in an object's text.
struct InterestingStrings {
  std::string category;  // "http", "https", "ftp", "ipv4", "ipv6", "email" or "domain"
  std::vector<std::string> values;
};

// Per-subtree counts for info.statistics: one row per (type, subtype) with its identifications.
struct FileStat {
  FileFormat representative;  // type and subtype come from here
  uint64_t count = 0;
  std::vector<std::pair<FileFormat, uint64_t>> identifications;
};

struct Entry {
  uint32_t index = 0;
  int64_t parent = -1;  // -1 for the root
  uint32_t depth = 0;
  std::vector<uint32_t> children;

  FileFormat format = FileFormat::Unknown;
  std::string magic_description;  // libmagic's words when the built-in sniffer did not know
  std::string identification_name;  // set by an analyzer that knows better (a packer: "UPX")
  std::string file_name;
  std::string file_path;
  uint64_t size = 0;
  Digests digests;
  // Format-specific hashes beside the four digests (e.g. imphash), as {name, lower-case hex}.
  std::vector<std::pair<std::string, std::string>> extra_hashes;

  UnpackStatus unpack_status = UnpackStatus::NotContainer;
  std::vector<std::string> warnings;
  // info.* sections filled by analyzers, rendered between unpacking and properties: validation
  // {valid, scan_results}, overlays [...].
  Value info_extra = Value::object();
  std::vector<Property> properties;
  std::vector<std::string> tags;
  std::vector<FileStat> statistics;
  Classification classification;
  std::vector<Indicator> indicators;
  // URLs, addresses and domains in the object's text (analyze/interesting_strings.h): non-empty
  // categories only, in the spec's category order.
  std::vector<InterestingStrings> interesting_strings;
  std::vector<YaraMatch> yara_matches;
  std::string story;
  // metadata.* sections filled by analyzers (application, certificate, document, email...); the
  // typed yara matches are rendered after them as metadata.yara.
  Value metadata = Value::object();

  void add_tag(std::string_view tag);
  // Warnings are capped per entry: a crafted archive of a million bad members must not grow the
  // report without bound. The last kept line says that more were dropped.
  static constexpr size_t kMaxWarnings = 64;
  void add_warning(std::string warning);
  void set_property(std::string name, Scalar value);
};

class ReportModel {
 public:
  Entry& add_entry() {
    entries_.emplace_back();
    entries_.back().index = static_cast<uint32_t>(entries_.size() - 1);
    return entries_.back();
  }
  Entry& at(size_t index) { return entries_.at(index); }
  const Entry& at(size_t index) const { return entries_.at(index); }
  size_t size() const { return entries_.size(); }
  const std::deque<Entry>& entries() const { return entries_; }

  // Runs once after the scan: subtree statistics for every entry.
  void finish();

  // How the scan ended, as scan/ says it (0 complete, 1 a limit was reached, 2 aborted); kept with
  // the model so a saved report loads with the same status.
  uint8_t outcome = 0;

 private:
  // A deque: entries keep their address while children are appended, so an unpacker may hold its
  // container's Entry for as long as it runs.
  std::deque<Entry> entries_;
};

}  // namespace assay
