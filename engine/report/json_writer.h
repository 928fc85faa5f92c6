// A small, fast JSON emitter into a caller-owned std::string.
//
// Strings from hostile inputs (member names, libmagic text, archive error messages) may hold any bytes:
// control characters are escaped and invalid UTF-8 becomes U+FFFD, so the output is always valid JSON.
// Commas are placed by the writer, so callers only say what comes next.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace assay {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out, bool pretty = false) : out_(out), pretty_(pretty) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name);

  void string(std::string_view value);
  void hex(const uint8_t* bytes, size_t size);  // lower-case hex digits as a JSON string
  void uint(uint64_t value);
  void sint(int64_t value);
  void number(double value);  // shortest round-trip form; non-finite values become null
  void boolean(bool value);
  void null();
  // A value already serialised as JSON (the flat view assembles some values before their key).
  void raw_value(std::string_view json);

  // key + value shorthands
  void field(std::string_view name, std::string_view value) { key(name), string(value); }
  void field(std::string_view name, const char* value) { key(name), string(value); }
  void field_uint(std::string_view name, uint64_t value) { key(name), uint(value); }
  void field_bool(std::string_view name, bool value) { key(name), boolean(value); }

 private:
  void before_value();
  void open(char bracket);
  void close(char bracket);
  void newline();

  std::string& out_;
  bool pretty_;
  // One flag per open container: has it received an element yet?
  std::vector<bool> has_element_;
  bool after_key_ = false;
};

void append_json_string(std::string& out, std::string_view value);

}  // namespace assay
