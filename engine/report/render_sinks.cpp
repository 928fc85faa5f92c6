#include "report/render_sinks.h"

#include <cmath>

namespace assay {

std::string FlatSink::join(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  std::string key(prefix);
  key.push_back('_');
  key.append(name);
  return key;
}

bool FlatSink::key(std::string_view name) {
  if (!cursor_.select(name)) return false;
  pending_key_.assign(name);
  after_key_ = true;
  return true;
}

void FlatSink::view_key(std::string_view name) {
  cursor_.select(name);
  pending_key_.assign(name);
  after_key_ = true;
}

void FlatSink::open(Kind kind) {
  cursor_.enter(after_key_);
  Frame frame;
  frame.kind = kind;
  if (!stack_.empty() && kind != Kind::Element) {
    const Frame& top = stack_.back();
    frame.prefix = top.kind == Kind::Element ? pending_key_ : join(top.prefix, pending_key_);
    if (!after_key_) frame.prefix = join(top.prefix, std::to_string(top.elements));  // array in array
  }
  after_key_ = false;
  stack_.push_back(std::move(frame));
}

void FlatSink::begin_object() {
  if (stack_.empty()) {
    cursor_.enter(false);
    out_.begin_object();
    Frame entry;
    entry.kind = Kind::Entry;
    stack_.push_back(std::move(entry));
    return;
  }
  const bool element = !after_key_ && stack_.back().kind == Kind::Array;
  open(element ? Kind::Element : Kind::Object);
}

void FlatSink::end_object() {
  cursor_.leave();
  Frame frame = std::move(stack_.back());
  stack_.pop_back();
  if (frame.kind == Kind::Entry) {
    out_.end_object();
    return;
  }
  if (frame.kind != Kind::Element) return;
  Frame& array = stack_.back();
  const size_t index = array.elements++;
  const bool name_value = frame.fields.size() == 2 && frame.has_name && frame.fields[1].first == "value";
  if (name_value) {
    emit(join(array.prefix, frame.name), std::move(frame.fields[1].second));
  } else if (frame.has_name && array.prefix.ends_with("scan_results")) {
    std::string scanner = frame.name;
    for (char& c : scanner) c = c == ' ' ? '_' : c;
    for (auto& [key, json] : frame.fields) {
      if (key != "name") emit(join(join(array.prefix, scanner), key), std::move(json));
    }
  } else {
    const std::string position = join(array.prefix, std::to_string(index));
    for (auto& [key, json] : frame.fields) emit(join(position, key), std::move(json));
  }
}

void FlatSink::begin_array() { open(Kind::Array); }

void FlatSink::end_array() {
  cursor_.leave();
  Frame frame = std::move(stack_.back());
  stack_.pop_back();
  if (frame.scalars) {
    frame.scalar_list.push_back(']');
    emit(frame.prefix, std::move(frame.scalar_list));
  } else if (frame.elements == 0) {
    emit(frame.prefix, "[]");
  }
}

void FlatSink::string(std::string_view v) {
  std::string json;
  append_json_string(json, v);
  scalar(std::move(json), v, true);
}

void FlatSink::hex(const uint8_t* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string json(size * 2 + 2, '"');
  for (size_t i = 0; i < size; ++i) {
    json[1 + 2 * i] = kDigits[bytes[i] >> 4];
    json[2 + 2 * i] = kDigits[bytes[i] & 0xF];
  }
  scalar(std::move(json));
}

void FlatSink::number(double v) {
  if (!std::isfinite(v)) {
    scalar("null");
    return;
  }
  scalar(number_text(v));
}

void FlatSink::scalar(std::string json, std::string_view raw_string, bool is_string) {
  Frame& top = stack_.back();
  if (after_key_) {
    after_key_ = false;
    if (top.kind == Kind::Element && pending_key_ == "name" && is_string) {
      top.name.assign(raw_string);
      top.has_name = true;
    }
    emit(join(top.prefix, pending_key_), std::move(json));
    return;
  }
  // A scalar element of an array: arrays of scalars stay arrays.
  top.scalar_list.append(top.scalars ? "," : "[");
  top.scalars = true;
  top.scalar_list.append(json);
}

void FlatSink::emit(std::string flat_key, std::string json) {
  // Inside an array element, a field waits for the element to close: its final key depends on it.
  for (size_t i = stack_.size(); i-- > 0;) {
    Frame& frame = stack_[i];
    if (frame.kind == Kind::Element) {
      frame.fields.emplace_back(std::move(flat_key), std::move(json));
      return;
    }
    if (frame.kind == Kind::Entry) break;
  }
  out_.key(flat_key);
  out_.raw_value(json);
}

}  // namespace assay
