#include "report/json_render.h"

#include <type_traits>
#include <variant>

#include "report/json_writer.h"
#include "report/render_sinks.h"

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

// v13 clients read scanner types as integers (ours: 1 internal, 2 yara, 3 av, 0 anything else).
uint64_t scanner_type_code(std::string_view type) {
  if (type == "internal") return 1;
  if (type == "yara") return 2;
  if (type == "av") return 3;
  return 0;
}

struct Context {
  bool v13 = false;
  bool extended = false;
};

// The entry, field by field, in the spec's order. Every key goes through the sink, which answers
// whether it is selected; the value is only rendered when it is.
template <typename Sink>
class EntryRenderer {
 public:
  EntryRenderer(Sink& sink, const Context& context) : s_(sink), context_(context) {}

  void entry(const Entry& e) {
    s_.begin_object();
    if (s_.key("index")) s_.uint(e.index);
    if (e.parent >= 0 && s_.key("parent")) s_.uint(static_cast<uint64_t>(e.parent));
    if (context_.extended) {
      s_.view_key("depth");
      s_.uint(e.depth);
      s_.view_key("children");
      s_.begin_array();
      for (uint32_t child : e.children) s_.uint(child);
      s_.end_array();
    }
    object("info", [&] {
      file(e);
      identification(e);
      statistics(e);
      object("unpacking", [&] {
        if (s_.key("status")) s_.uint(static_cast<uint64_t>(e.unpack_status));
        strings("warnings", e.warnings);
      });
      for (const auto& [name, value] : std::get<Value::Object>(e.info_extra.data())) {
        if (s_.key(name)) tree(value);
      }
      if (!e.properties.empty()) properties(e.properties);
    });
    classification(e);
    indicators(e);
    array("interesting_strings", [&] {
      for (const InterestingStrings& row : e.interesting_strings) {
        s_.begin_object();
        text("category", row.category);
        strings("values", row.values);
        s_.end_object();
      }
    });
    if (s_.key("story")) s_.string(e.story);
    strings("tags", e.tags);
    object("metadata", [&] {
      for (const auto& [name, value] : std::get<Value::Object>(e.metadata.data())) {
        if (name != "yara" && s_.key(name)) tree(value);
      }
      if (!e.yara_matches.empty()) yara(e);
    });
    s_.end_object();
  }

 private:
  template <typename Body>
  void object(std::string_view name, Body&& body) {
    if (!s_.key(name)) return;
    s_.begin_object();
    body();
    s_.end_object();
  }
  template <typename Body>
  void array(std::string_view name, Body&& body) {
    if (!s_.key(name)) return;
    s_.begin_array();
    body();
    s_.end_array();
  }
  void text(std::string_view name, std::string_view value) {
    if (s_.key(name)) s_.string(value);
  }
  void number(std::string_view name, uint64_t value) {
    if (s_.key(name)) s_.uint(value);
  }
  void flag(std::string_view name, bool value) {
    if (s_.key(name)) s_.boolean(value);
  }
  void strings(std::string_view name, const std::vector<std::string>& values) {
    array(name, [&] {
      for (const std::string& value : values) s_.string(value);
    });
  }
  void scalar(const Scalar& value) {
    if (const bool* b = std::get_if<bool>(&value)) {
      s_.boolean(*b);
    } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
      s_.sint(*i);
    } else {
      s_.string(std::get<std::string>(value));
    }
  }

  // An analyzer's section: walked like any other field, so selections apply inside it too.
  void tree(const Value& value) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            s_.null();
          } else if constexpr (std::is_same_v<T, bool>) {
            s_.boolean(v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            s_.sint(v);
          } else if constexpr (std::is_same_v<T, uint64_t>) {
            s_.uint(v);
          } else if constexpr (std::is_same_v<T, double>) {
            s_.number(v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            s_.string(v);
          } else if constexpr (std::is_same_v<T, HexBytes>) {
            s_.hex(v.bytes.data(), v.bytes.size());
          } else if constexpr (std::is_same_v<T, Value::Array>) {
            s_.begin_array();
            for (const Value& item : v) tree(item);
            s_.end_array();
          } else {
            s_.begin_object();
            for (const auto& [name, item] : v) {
              if (s_.key(name)) tree(item);
            }
            s_.end_object();
          }
        },
        value.data());
  }

  void file(const Entry& e) {
    const FormatInfo& info = format_info(e.format);
    object("file", [&] {
      text("file_type", info.file_type);
      text("file_subtype", info.file_subtype);
      text("file_name", e.file_name);
      text("file_path", e.file_path);
      number("size", e.size);
      if (s_.key("entropy")) s_.number(e.digests.entropy);
      array("hashes", [&] {
        // Sorted by name (spec): the four digests, with format-specific ones (imphash...) among them.
        struct Digest {
          std::string_view name;
          const uint8_t* bytes;
          size_t size;
        };
        const Digest digests[] = {{"md5", e.digests.md5.data(), e.digests.md5.size()},
                                  {"sha1", e.digests.sha1.data(), e.digests.sha1.size()},
                                  {"sha256", e.digests.sha256.data(), e.digests.sha256.size()},
                                  {"sha512", e.digests.sha512.data(), e.digests.sha512.size()}};
        size_t extra = 0;  // extra_hashes are kept sorted by name
        for (const Digest& d : digests) {
          for (; extra < e.extra_hashes.size() && e.extra_hashes[extra].first < d.name; ++extra) {
            text_hash(e.extra_hashes[extra].first, e.extra_hashes[extra].second);
          }
          hash(d.name, d.bytes, d.size);
        }
        for (; extra < e.extra_hashes.size(); ++extra) text_hash(e.extra_hashes[extra].first, e.extra_hashes[extra].second);
      });
    });
  }
  void text_hash(std::string_view name, std::string_view hex) {
    s_.begin_object();
    text("name", name);
    text("value", hex);
    s_.end_object();
  }
  void hash(std::string_view name, const uint8_t* bytes, size_t size) {
    s_.begin_object();
    text("name", name);
    if (s_.key("value")) s_.hex(bytes, size);
    s_.end_object();
  }

  void identification(const Entry& e) {
    std::string_view name = format_info(e.format).identification;
    if ((name.empty() || e.format == FileFormat::Binary) && !e.magic_description.empty()) name = e.magic_description;
    if (!e.identification_name.empty()) name = e.identification_name;
    object("identification", [&] {
      flag("success", !name.empty());
      text("name", name);
      text("version", "");
      text("author", "");
    });
  }

  void statistics(const Entry& e) {
    object("statistics", [&] {
      array("file_stats", [&] {
        for (const FileStat& row : e.statistics) {
          const FormatInfo& info = format_info(row.representative);
          s_.begin_object();
          text("type", info.file_type);
          text("subtype", info.file_subtype);
          number("count", row.count);
          array("identifications", [&] {
            for (const auto& [format, count] : row.identifications) {
              s_.begin_object();
              text("name", format_info(format).identification);
              number("count", count);
              s_.end_object();
            }
          });
          s_.end_object();
        }
      });
    });
  }

  void properties(const std::vector<Property>& properties) {
    array("properties", [&] {
      for (const Property& p : properties) {
        s_.begin_object();
        text("name", p.name);
        if (s_.key("value")) scalar(p.value);
        s_.end_object();
      }
    });
  }

  void scan_result(const ScanResult& r) {
    s_.begin_object();
    text("name", r.name);
    if (s_.key("type")) context_.v13 ? s_.uint(scanner_type_code(r.type)) : s_.string(r.type);
    number("classification", static_cast<uint64_t>(r.verdict));
    number("factor", r.factor);
    number("rca_factor", rca_factor(r.verdict, r.factor));
    text("result", r.result);
    text("version", r.version);
    flag("ignored", r.ignored);
    s_.end_object();
  }

  void classification(const Entry& e) {
    const Classification& c = e.classification;
    object("classification", [&] {
      number("classification", static_cast<uint64_t>(c.verdict));
      number("factor", c.factor);
      number("rca_factor", rca_factor(c.verdict, c.factor));
      text("result", c.result);
      flag("propagated", c.propagated);
      if (c.propagated && c.propagation_source) {
        object("propagation_source", [&] {
          text("name", "sha1");
          if (s_.key("value")) s_.hex(c.propagation_source->data(), c.propagation_source->size());
        });
      }
      array("scan_results", [&] {
        for (const ScanResult& result : c.scan_results) scan_result(result);
      });
    });
  }

  void indicators(const Entry& e) {
    array("indicators", [&] {
      for (const Indicator& indicator : e.indicators) {
        s_.begin_object();
        number("id", indicator.id);
        number("priority", indicator.priority);
        number("category", indicator.category);
        text("description", indicator.description);
        number("relevance", indicator.relevance);
        array("reasons", [&] {
          for (const IndicatorReason& reason : indicator.reasons) {
            s_.begin_object();
            number("category", reason.category);
            text("description", reason.description);
            flag("propagated", reason.propagated);
            s_.end_object();
          }
        });
        s_.end_object();
      }
    });
  }

  void yara(const Entry& e) {
    object("yara", [&] {
      array("matches", [&] {
        for (const YaraMatch& match : e.yara_matches) {
          s_.begin_object();
          text("rule", match.rule);
          text("namespace", match.ns);
          strings("tags", match.tags);
          object("meta", [&] {
            for (const auto& [name, value] : match.meta) {
              if (s_.key(name)) scalar(value);
            }
          });
          array("strings", [&] {
            for (const YaraString& string : match.strings) {
              s_.begin_object();
              text("identifier", string.identifier);
              number("offset", string.offset);
              number("length", string.length);
              if (context_.extended) {
                s_.view_key("data");
                s_.hex(string.data.data(), string.data.size());
              }
              s_.end_object();
            }
          });
          s_.end_object();
        }
      });
    });
  }

  Sink& s_;
  const Context& context_;
};

template <typename Sink>
void render_entries(const ReportModel& model, const FieldSelection& selection, const RenderOptions& options,
                    std::string& out) {
  JsonWriter writer(out, options.pretty);
  SelectionCursor cursor(&selection);
  const Context context{options.v13, options.view == View::Extended};
  writer.begin_array();
  for (const Entry& entry : model.entries()) {
    cursor.reset();
    Sink sink(writer, cursor);
    EntryRenderer<Sink>(sink, context).entry(entry);
  }
  writer.end_array();
}

const ReportTypes& builtin_types() {
  static const ReportTypes types;
  return types;
}

}  // namespace

bool parse_view(std::string_view name, View& out) {
  if (name.empty() || name == "nested") {
    out = View::Nested;
  } else if (name == "flat") {
    out = View::Flat;
  } else if (name == "extended") {
    out = View::Extended;
  } else {
    return false;
  }
  return true;
}

Result<const FieldSelection*> resolve_report_type(const ReportTypes& types, const RenderOptions& options) {
  std::string_view name = options.report_type;
  if (name.empty()) name = options.full.value_or(false) ? "large" : "medium";
  if (name == "full") name = "large";
  if (name == "summary") name = "medium";
  const FieldSelection* selection = types.find(name);
  if (selection == nullptr) {
    return Error{ErrorCode::Unsupported,
                 "unknown report type '" + std::string(name) + "'; known: " + types.known_names()};
  }
  return selection;
}

std::optional<Error> render_tc_report(const ReportModel& model, const ReportTypes& types, const RenderOptions& options,
                                      std::string& out) {
  auto resolved = resolve_report_type(types, options);
  if (!resolved.ok()) return resolved.error();
  // The request's field lists refine the type: include_fields replaces its selection, exclusions add up.
  FieldSelection selection;
  const FieldSelection& type = *resolved.value();
  if (options.include_fields) {
    selection.include.emplace();
    selection.include->add_all(*options.include_fields);
  } else if (type.include) {
    selection.include.emplace();
    selection.include->add_all(*type.include);
  }
  selection.exclude.add_all(type.exclude);
  selection.exclude.add_all(options.exclude_fields);

  // About 1.2 KB of JSON per entry in the large form: one reservation instead of many regrowths.
  out.reserve(out.size() + model.size() * (type.include ? 400 : 1280));
  if (options.view == View::Flat) {
    render_entries<FlatSink>(model, selection, options, out);
  } else {
    render_entries<NestedSink>(model, selection, options, out);
  }
  return std::nullopt;
}

void render_tc_report(const ReportModel& model, const RenderOptions& options, std::string& out) {
  render_tc_report(model, builtin_types(), options, out);
}

}  // namespace assay
