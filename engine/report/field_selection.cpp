#include "report/field_selection.h"

#include <simdjson.h>

namespace assay {

const PathSet::Node* PathSet::Node::child(std::string_view name) const {
  for (const auto& [key, node] : children) {
    if (key == name) return node.get();
  }
  return nullptr;
}

void PathSet::add(std::string_view dotted_path) {
  Node* node = &root_;
  while (!dotted_path.empty()) {
    const size_t dot = dotted_path.find('.');
    const std::string_view part = dotted_path.substr(0, dot);
    dotted_path = dot == std::string_view::npos ? std::string_view() : dotted_path.substr(dot + 1);
    if (part.empty()) continue;  // "a..b" and a trailing dot are read as "a.b"
    Node* next = const_cast<Node*>(node->child(part));
    if (next == nullptr) {
      node->children.emplace_back(std::string(part), std::make_unique<Node>());
      next = node->children.back().second.get();
    }
    node = next;
  }
  if (node != &root_) node->terminal = true;
}

void PathSet::merge(Node& into, const Node& from) {
  into.terminal = into.terminal || from.terminal;
  for (const auto& [key, node] : from.children) {
    Node* target = const_cast<Node*>(into.child(key));
    if (target == nullptr) {
      into.children.emplace_back(key, std::make_unique<Node>());
      target = into.children.back().second.get();
    }
    merge(*target, *node);
  }
}

void PathSet::add_all(const PathSet& other) { merge(root_, other.root_); }

void SelectionCursor::reset() {
  stack_.clear();
  const PathSet::Node* include = nullptr;
  const PathSet::Node* exclude = nullptr;
  if (selection_ != nullptr) {
    if (selection_->include) include = &selection_->include->root();
    if (!selection_->exclude.empty()) exclude = &selection_->exclude.root();
  }
  stack_.push_back(State{include, exclude});
}

bool SelectionCursor::select(std::string_view name) {
  const State& here = stack_.back();
  State next{nullptr, nullptr};
  if (here.include != nullptr) {
    const PathSet::Node* child = here.include->child(name);
    if (child == nullptr) return false;
    next.include = child->terminal ? nullptr : child;
  }
  if (here.exclude != nullptr) {
    const PathSet::Node* child = here.exclude->child(name);
    if (child != nullptr && child->terminal) return false;
    next.exclude = child;
  }
  pending_ = next;
  return true;
}

void SelectionCursor::enter(bool after_key) { stack_.push_back(after_key ? pending_ : stack_.back()); }

void SelectionCursor::leave() {
  if (stack_.size() > 1) stack_.pop_back();
}

bool parse_field_list(std::string_view json, PathSet& out, std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  const simdjson::padded_string padded(json);
  if (auto failure = parser.parse(padded).get(document)) {
    error = std::string("not valid JSON: ") + simdjson::error_message(failure);
    return false;
  }
  simdjson::dom::array paths;
  if (document.get_array().get(paths)) {
    error = "must be a JSON array of dot-path strings";
    return false;
  }
  for (simdjson::dom::element item : paths) {
    std::string_view path;
    if (item.get_string().get(path)) {
      error = "must be a JSON array of dot-path strings";
      return false;
    }
    out.add(path);
  }
  return true;
}

}  // namespace assay
