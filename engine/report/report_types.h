// Report types: named field selections. Built in: small, medium (the default, "summary") and large
// ("full"), exactly as spec/tc-report.md lists them; custom ones come from a folder of JSON files
// {"name", "base", "include", "exclude"}. A ReportTypes registry is immutable once loaded.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "report/field_selection.h"
#include "util/status.h"

namespace assay {

class ReportTypes {
 public:
  // The three built-in types.
  ReportTypes();

  // The built-ins plus every *.json in `folder`. A bad file fails the load with an error naming the
  // file and the field; a custom type may not redefine a built-in one.
  static Result<ReportTypes> load(const std::string& folder);

  // nullptr when there is no type of that name.
  const FieldSelection* find(std::string_view name) const;
  // "large, medium, small, soc" - for error messages.
  std::string known_names() const;

 private:
  std::map<std::string, FieldSelection, std::less<>> types_;
};

}  // namespace assay
