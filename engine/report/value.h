// A small tree of JSON-like values, for the report sections whose shape belongs to one format:
// metadata.application.pe, metadata.certificate, metadata.document... Analyzers build it; the renderer
// walks it like any other field (so report types and field filters apply inside it); the codec saves it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace assay {

struct HexBytes {
  std::vector<uint8_t> bytes;  // rendered as lower-case hex
};

class Value {
 public:
  using Array = std::vector<Value>;
  using Object = std::vector<std::pair<std::string, Value>>;  // insertion order is rendering order

  Value() = default;
  Value(bool v) : data_(v) {}
  Value(int v) : data_(static_cast<int64_t>(v)) {}
  Value(int64_t v) : data_(v) {}
  Value(uint64_t v) : data_(v) {}
  Value(uint32_t v) : data_(static_cast<uint64_t>(v)) {}
  Value(double v) : data_(v) {}
  Value(std::string v) : data_(std::move(v)) {}
  Value(std::string_view v) : data_(std::string(v)) {}
  Value(const char* v) : data_(std::string(v)) {}
  Value(HexBytes v) : data_(std::move(v)) {}
  static Value object() { return Value(Object{}); }
  static Value array() { return Value(Array{}); }

  bool is_null() const { return std::holds_alternative<std::monostate>(data_); }
  bool is_object() const { return std::holds_alternative<Object>(data_); }
  bool is_array() const { return std::holds_alternative<Array>(data_); }

  // Object access: set() replaces a key's value or appends it; at() finds or creates an object child.
  Value& set(std::string key, Value value);
  Value& at(std::string_view key);
  const Value* find(std::string_view key) const;
  // Array access.
  Value& push(Value value);

  const auto& data() const { return data_; }

 private:
  explicit Value(Object o) : data_(std::move(o)) {}
  explicit Value(Array a) : data_(std::move(a)) {}

  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, HexBytes, Array, Object> data_;
};

inline Value& Value::set(std::string key, Value value) {
  if (!is_object()) data_ = Object{};
  auto& fields = std::get<Object>(data_);
  for (auto& [name, existing] : fields) {
    if (name == key) return existing = std::move(value);
  }
  fields.emplace_back(std::move(key), std::move(value));
  return fields.back().second;
}

inline Value& Value::at(std::string_view key) {
  if (!is_object()) data_ = Object{};
  for (auto& [name, existing] : std::get<Object>(data_)) {
    if (name == key) return existing;
  }
  return set(std::string(key), Value::object());
}

inline const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [name, existing] : std::get<Object>(data_)) {
    if (name == key) return &existing;
  }
  return nullptr;
}

inline Value& Value::push(Value value) {
  if (!is_array()) data_ = Array{};
  auto& items = std::get<Array>(data_);
  items.push_back(std::move(value));
  return items.back();
}

}  // namespace assay
