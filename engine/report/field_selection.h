// Which fields of an entry a rendering keeps: report types and include/exclude field lists.
//
// Paths are dot paths relative to one entry ("info.file.size", "classification"); arrays are
// transparent, so a path into an array applies to every element. A PathSet is a trie of such paths;
// a FieldSelection pairs an include set (nullopt: everything) with an exclude set, and a
// SelectionCursor walks it alongside the renderer so that unselected subtrees are never rendered.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace assay {

class PathSet {
 public:
  struct Node {
    bool terminal = false;  // the path ends here: everything below is covered
    std::vector<std::pair<std::string, std::unique_ptr<Node>>> children;
    const Node* child(std::string_view name) const;
  };

  PathSet() = default;
  PathSet(const PathSet& other) { merge(root_, other.root_); }
  PathSet& operator=(const PathSet& other) {
    if (this != &other) {
      root_ = Node{};
      merge(root_, other.root_);
    }
    return *this;
  }
  PathSet(PathSet&&) = default;
  PathSet& operator=(PathSet&&) = default;

  void add(std::string_view dotted_path);
  void add_all(const PathSet& other);
  const Node& root() const { return root_; }
  bool empty() const { return root_.children.empty() && !root_.terminal; }

 private:
  static void merge(Node& into, const Node& from);
  Node root_;
};

struct FieldSelection {
  std::optional<PathSet> include;  // nullopt: every field
  PathSet exclude;
};

// Tracks where the renderer is within an entry and answers, key by key, whether to render it.
class SelectionCursor {
 public:
  explicit SelectionCursor(const FieldSelection* selection) : selection_(selection) { reset(); }

  // Back to the top of a new entry.
  void reset();
  // Whether the value under `name` (a key of the current object) is selected; if so, the next
  // enter() descends into it.
  bool select(std::string_view name);
  // Into the value just selected (an object or array), or into the next array element.
  void enter(bool after_key);
  void leave();

 private:
  struct State {
    const PathSet::Node* include;  // nullptr: everything below is included
    const PathSet::Node* exclude;  // nullptr: nothing below is excluded
  };
  const FieldSelection* selection_;
  std::vector<State> stack_;
  State pending_{nullptr, nullptr};
};

// Parses a JSON array of dot-path strings (include_fields / exclude_fields). Returns false with a
// message when it is not valid JSON or not an array of strings.
bool parse_field_list(std::string_view json, PathSet& out, std::string& error);

}  // namespace assay
