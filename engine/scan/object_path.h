// How a scan names an object: its file name (the last path component its container gave it) and its
// path in the tree (`parent/layer/name`, spec/tc-report.md). Shared by the full scan and the
// rules-only walk, which must name every object alike.
#pragma once

#include <string>
#include <string_view>

namespace assay {

inline std::string_view base_name(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

inline std::string child_path(const std::string& parent_path, std::string_view layer, std::string_view name) {
  std::string path = parent_path;
  path.push_back('/');
  if (!layer.empty()) path.append(layer).push_back('/');
  path.append(name);
  return path;
}

}  // namespace assay
