// The two shapes an entry is written in. The entry renderer (json_render.cpp) is a template over
// these, so choosing the shape costs no virtual call per field. Both consult a SelectionCursor on
// every key, so unselected subtrees are skipped before they are rendered.
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "report/field_selection.h"
#include "report/json_writer.h"

namespace assay {

// The spec's nested entry.
class NestedSink {
 public:
  NestedSink(JsonWriter& out, SelectionCursor& cursor) : out_(out), cursor_(cursor) {}

  bool key(std::string_view name) {
    if (!cursor_.select(name)) return false;
    out_.key(name);
    after_key_ = true;
    return true;
  }
  // A key the view adds whatever the selection says (extended view: children, depth).
  void view_key(std::string_view name) {
    cursor_.select(name);
    out_.key(name);
    after_key_ = true;
  }
  void begin_object() { open(), out_.begin_object(); }
  void end_object() { cursor_.leave(), out_.end_object(); }
  void begin_array() { open(), out_.begin_array(); }
  void end_array() { cursor_.leave(), out_.end_array(); }
  void string(std::string_view v) { after_key_ = false, out_.string(v); }
  void hex(const uint8_t* bytes, size_t size) { after_key_ = false, out_.hex(bytes, size); }
  void uint(uint64_t v) { after_key_ = false, out_.uint(v); }
  void sint(int64_t v) { after_key_ = false, out_.sint(v); }
  void number(double v) { after_key_ = false, out_.number(v); }
  void boolean(bool v) { after_key_ = false, out_.boolean(v); }
  void null() { after_key_ = false, out_.null(); }

 private:
  void open() {
    cursor_.enter(after_key_);
    after_key_ = false;
  }
  JsonWriter& out_;
  SelectionCursor& cursor_;
  bool after_key_ = false;
};

// The flat view: every entry one level deep. Nested keys join with '_'; an array of {name, value}
// objects is keyed by name; scan_results are keyed by scanner name (spaces as '_'); other arrays
// of objects by position; arrays of scalars stay arrays. Elements of arrays are collected until
// their object closes, since their key depends on their content.
class FlatSink {
 public:
  FlatSink(JsonWriter& out, SelectionCursor& cursor) : out_(out), cursor_(cursor) {}

  bool key(std::string_view name);
  void view_key(std::string_view name);
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void string(std::string_view v);
  void hex(const uint8_t* bytes, size_t size);
  void uint(uint64_t v) { scalar(number_text(v)); }
  void sint(int64_t v) { scalar(number_text(v)); }
  void number(double v);
  void boolean(bool v) { scalar(v ? "true" : "false"); }
  void null() { scalar("null"); }

 private:
  enum class Kind { Entry, Object, Array, Element };
  struct Frame {
    Kind kind = Kind::Object;
    std::string prefix;  // flat key so far, relative to the innermost Element (or the entry)
    // Array
    size_t elements = 0;
    bool scalars = false;
    std::string scalar_list;
    // Element: its fields, keyed relative to the element, values already JSON
    std::vector<std::pair<std::string, std::string>> fields;
    std::string name;  // its "name" field, when it has one
    bool has_name = false;
  };

  template <typename T>
  static std::string number_text(T value) {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
  }
  static std::string join(std::string_view prefix, std::string_view name);
  void scalar(std::string json, std::string_view raw_string = {}, bool is_string = false);
  void emit(std::string flat_key, std::string json);
  void open(Kind kind);

  JsonWriter& out_;
  SelectionCursor& cursor_;
  std::vector<Frame> stack_;
  std::string pending_key_;
  bool after_key_ = false;
};

}  // namespace assay
