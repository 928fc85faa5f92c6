#include "report/json_render.h"

#include "report/json_writer.h"

namespace assay {
namespace {

uint8_t rca_factor(Verdict verdict, uint8_t factor) {
  switch (verdict) {
    case Verdict::Unknown: return 0;
    case Verdict::Goodware: return factor;
    case Verdict::Suspicious:
    case Verdict::Malicious: return static_cast<uint8_t>(5 + factor);
  }
  return 0;
}

void write_scalar(JsonWriter& w, const Scalar& value) {
  if (const bool* b = std::get_if<bool>(&value)) {
    w.boolean(*b);
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    w.sint(*i);
  } else {
    w.string(std::get<std::string>(value));
  }
}

void write_hashes(JsonWriter& w, const Digests& d) {
  w.key("hashes");
  w.begin_array();
  const auto hash = [&](std::string_view name, const uint8_t* bytes, size_t size) {
    w.begin_object();
    w.field("name", name);
    w.key("value");
    w.hex(bytes, size);
    w.end_object();
  };
  hash("md5", d.md5.data(), d.md5.size());
  hash("sha1", d.sha1.data(), d.sha1.size());
  hash("sha256", d.sha256.data(), d.sha256.size());
  hash("sha512", d.sha512.data(), d.sha512.size());
  w.end_array();
}

void write_file(JsonWriter& w, const Entry& e) {
  const FormatInfo& info = format_info(e.format);
  w.key("file");
  w.begin_object();
  w.field("file_type", info.file_type);
  w.field("file_subtype", info.file_subtype);
  w.field("file_name", e.file_name);
  w.field("file_path", e.file_path);
  w.field_uint("size", e.size);
  w.key("entropy");
  w.number(e.digests.entropy);
  write_hashes(w, e.digests);
  w.end_object();
}

void write_identification(JsonWriter& w, const Entry& e) {
  std::string_view name = format_info(e.format).identification;
  if (name.empty() || e.format == FileFormat::Binary) {
    if (!e.magic_description.empty()) name = e.magic_description;
  }
  w.key("identification");
  w.begin_object();
  w.field_bool("success", !name.empty());
  w.field("name", name);
  w.field("version", "");
  w.field("author", "");
  w.end_object();
}

void write_statistics(JsonWriter& w, const Entry& e) {
  w.key("statistics");
  w.begin_object();
  w.key("file_stats");
  w.begin_array();
  for (const FileStat& row : e.statistics) {
    const FormatInfo& info = format_info(row.representative);
    w.begin_object();
    w.field("type", info.file_type);
    w.field("subtype", info.file_subtype);
    w.field_uint("count", row.count);
    w.key("identifications");
    w.begin_array();
    for (const auto& [format, count] : row.identifications) {
      w.begin_object();
      w.field("name", format_info(format).identification);
      w.field_uint("count", count);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void write_unpacking(JsonWriter& w, const Entry& e) {
  w.key("unpacking");
  w.begin_object();
  w.field_uint("status", static_cast<uint64_t>(e.unpack_status));
  w.key("warnings");
  w.begin_array();
  for (const std::string& warning : e.warnings) w.string(warning);
  w.end_array();
  w.end_object();
}

void write_properties(JsonWriter& w, const Entry& e) {
  if (e.properties.empty()) return;
  w.key("properties");
  w.begin_array();
  for (const Property& p : e.properties) {
    w.begin_object();
    w.field("name", p.name);
    w.key("value");
    write_scalar(w, p.value);
    w.end_object();
  }
  w.end_array();
}

void write_scan_result(JsonWriter& w, const ScanResult& r) {
  w.begin_object();
  w.field("name", r.name);
  w.field("type", r.type);
  w.field_uint("classification", static_cast<uint64_t>(r.verdict));
  w.field_uint("factor", r.factor);
  w.field_uint("rca_factor", rca_factor(r.verdict, r.factor));
  w.field("result", r.result);
  w.field("version", r.version);
  w.field_bool("ignored", r.ignored);
  w.end_object();
}

void write_classification(JsonWriter& w, const Entry& e) {
  const Classification& c = e.classification;
  w.key("classification");
  w.begin_object();
  w.field_uint("classification", static_cast<uint64_t>(c.verdict));
  w.field_uint("factor", c.factor);
  w.field_uint("rca_factor", rca_factor(c.verdict, c.factor));
  w.field("result", c.result);
  w.field_bool("propagated", c.propagated);
  if (c.propagated && c.propagation_source) {
    w.key("propagation_source");
    w.begin_object();
    w.field("name", "sha1");
    w.key("value");
    w.hex(c.propagation_source->data(), c.propagation_source->size());
    w.end_object();
  }
  w.key("scan_results");
  w.begin_array();
  for (const ScanResult& result : c.scan_results) write_scan_result(w, result);
  w.end_array();
  w.end_object();
}

void write_indicators(JsonWriter& w, const Entry& e) {
  w.key("indicators");
  w.begin_array();
  for (const Indicator& indicator : e.indicators) {
    w.begin_object();
    w.field_uint("id", indicator.id);
    w.field_uint("priority", indicator.priority);
    w.field_uint("category", indicator.category);
    w.field("description", indicator.description);
    w.field_uint("relevance", indicator.relevance);
    w.key("reasons");
    w.begin_array();
    for (const IndicatorReason& reason : indicator.reasons) {
      w.begin_object();
      w.field_uint("category", reason.category);
      w.field("description", reason.description);
      w.field_bool("propagated", reason.propagated);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
}

void write_yara(JsonWriter& w, const Entry& e) {
  w.key("yara");
  w.begin_object();
  w.key("matches");
  w.begin_array();
  for (const YaraMatch& match : e.yara_matches) {
    w.begin_object();
    w.field("rule", match.rule);
    w.field("namespace", match.ns);
    w.key("tags");
    w.begin_array();
    for (const std::string& tag : match.tags) w.string(tag);
    w.end_array();
    w.key("meta");
    w.begin_object();
    for (const auto& [name, value] : match.meta) {
      w.key(name);
      write_scalar(w, value);
    }
    w.end_object();
    w.key("strings");
    w.begin_array();
    for (const YaraString& string : match.strings) {
      w.begin_object();
      w.field("identifier", string.identifier);
      w.field_uint("offset", string.offset);
      w.field_uint("length", string.length);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

void write_metadata(JsonWriter& w, const Entry& e) {
  w.key("metadata");
  w.begin_object();
  if (!e.yara_matches.empty()) write_yara(w, e);
  w.end_object();
}

void write_tags(JsonWriter& w, const Entry& e) {
  w.key("tags");
  w.begin_array();
  for (const std::string& tag : e.tags) w.string(tag);
  w.end_array();
}

void write_entry(JsonWriter& w, const Entry& e) {
  w.begin_object();
  w.field_uint("index", e.index);
  if (e.parent >= 0) w.field_uint("parent", static_cast<uint64_t>(e.parent));
  w.key("info");
  w.begin_object();
  write_file(w, e);
  write_identification(w, e);
  write_statistics(w, e);
  write_unpacking(w, e);
  write_properties(w, e);
  w.end_object();
  write_classification(w, e);
  write_indicators(w, e);
  w.field("story", e.story);
  write_tags(w, e);
  write_metadata(w, e);
  w.end_object();
}

}  // namespace

std::string_view known_report_types() { return "large (alias: full)"; }

bool parse_report_type(std::string_view name, ReportType& out) {
  if (name == "large" || name == "full") {
    out = ReportType::Large;
    return true;
  }
  return false;
}

void render_tc_report(const ReportModel& model, const RenderOptions& options, std::string& out) {
  // Roughly 1.2 KB of JSON per entry in the large form: one reservation instead of many regrowths.
  out.reserve(out.size() + model.size() * 1280);
  JsonWriter w(out, options.pretty);
  w.begin_array();
  for (const Entry& entry : model.entries()) write_entry(w, entry);
  w.end_array();
}

}  // namespace assay
