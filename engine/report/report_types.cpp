#include "report/report_types.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>

namespace assay {
namespace {

constexpr std::string_view kSmall[] = {
    "index", "parent", "info.file.file_type", "info.file.file_subtype", "info.file.file_name", "info.file.file_path",
    "info.file.size", "info.file.hashes", "classification.classification", "classification.factor",
    "classification.rca_factor", "classification.result", "classification.propagated",
};

constexpr std::string_view kMediumExtra[] = {
    "info.file",          "info.identification", "classification", "indicators",
    "interesting_strings", "story",              "tags",           "metadata.application.capabilities",
};

FieldSelection selection_of(bool medium) {
  FieldSelection selection;
  selection.include.emplace();
  for (std::string_view path : kSmall) selection.include->add(path);
  if (medium) {
    for (std::string_view path : kMediumExtra) selection.include->add(path);
  }
  return selection;
}

bool is_builtin(std::string_view name) { return name == "small" || name == "medium" || name == "large"; }

// Reads an optional array of strings into `out`; false with a message naming the field otherwise.
bool read_paths(simdjson::dom::object& object, std::string_view field, PathSet& out, std::string& error) {
  simdjson::dom::element value;
  if (object[field].get(value)) return true;  // absent: nothing to add
  simdjson::dom::array list;
  if (value.get_array().get(list)) {
    error = "field '" + std::string(field) + "' must be an array of dot-path strings";
    return false;
  }
  for (simdjson::dom::element item : list) {
    std::string_view path;
    if (item.get_string().get(path) || path.empty()) {
      error = "field '" + std::string(field) + "' must be an array of non-empty dot-path strings";
      return false;
    }
    out.add(path);
  }
  return true;
}

}  // namespace

ReportTypes::ReportTypes() {
  types_.emplace("small", selection_of(false));
  types_.emplace("medium", selection_of(true));
  types_.emplace("large", FieldSelection{});
}

const FieldSelection* ReportTypes::find(std::string_view name) const {
  const auto found = types_.find(name);
  return found != types_.end() ? &found->second : nullptr;
}

std::string ReportTypes::known_names() const {
  std::string names;
  for (const auto& [name, selection] : types_) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}

Result<ReportTypes> ReportTypes::load(const std::string& folder) {
  namespace fs = std::filesystem;
  ReportTypes types;
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    return Error{ErrorCode::InvalidArgument, "report types folder '" + folder + "' is not a folder"};
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  simdjson::dom::parser parser;
  for (const fs::path& file : files) {
    const auto fail = [&](const std::string& what) {
      return Error{ErrorCode::InvalidArgument, "report type file " + file.string() + ": " + what};
    };
    simdjson::padded_string text;
    if (simdjson::padded_string::load(file.string()).get(text)) return fail("cannot be read");
    simdjson::dom::element document;
    if (auto failure = parser.parse(text).get(document)) return fail(std::string("not valid JSON: ") + simdjson::error_message(failure));
    simdjson::dom::object object;
    if (document.get_object().get(object)) return fail("must be a JSON object");
    std::string_view name;
    if (object["name"].get_string().get(name) || name.empty()) return fail("field 'name' must be a non-empty string");
    if (is_builtin(name)) return fail("field 'name': '" + std::string(name) + "' is a built-in type");
    if (types.find(name) != nullptr) return fail("field 'name': '" + std::string(name) + "' is defined twice");
    std::string_view base = "medium";
    simdjson::dom::element base_value;
    if (!object["base"].get(base_value) && (base_value.get_string().get(base) || !is_builtin(base))) {
      return fail("field 'base' must be one of small, medium, large");
    }
    FieldSelection selection;
    const FieldSelection& base_selection = *types.find(base);
    if (base_selection.include) {
      selection.include.emplace();
      selection.include->add_all(*base_selection.include);
    }
    selection.exclude.add_all(base_selection.exclude);
    PathSet extra;
    std::string message;
    if (!read_paths(object, "include", extra, message) || !read_paths(object, "exclude", selection.exclude, message)) {
      return fail(message);
    }
    if (selection.include) selection.include->add_all(extra);
    types.types_.emplace(std::string(name), std::move(selection));
  }
  return types;
}

}  // namespace assay
