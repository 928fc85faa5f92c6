// The one way engine code reads untrusted bytes: a bounds- and overflow-checked view.
//
// Every parser (identify, unpack, analyze) takes a ByteSpan and reads through CheckedReader, so an
// out-of-range offset yields "nothing" (std::nullopt or an empty span) instead of undefined behaviour.
// There is deliberately no operator[] without a check and no way to get a raw pointer past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace assay {

// A borrowed, read-only run of bytes. It never owns memory; whoever made it keeps the bytes alive.
class ByteSpan {
 public:
  constexpr ByteSpan() = default;
  constexpr ByteSpan(const uint8_t* data, size_t size) : data_(size ? data : nullptr), size_(size) {}

  constexpr const uint8_t* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }

  // The sub-span [offset, offset + length), clamped to what exists: never reads past the end.
  constexpr ByteSpan sub(size_t offset, size_t length = SIZE_MAX) const {
    if (offset >= size_) return {};
    const size_t available = size_ - offset;
    return ByteSpan(data_ + offset, length < available ? length : available);
  }
  // The sub-span only when it exists whole; used where a truncated structure must be rejected.
  constexpr std::optional<ByteSpan> exact(size_t offset, size_t length) const {
    if (offset > size_ || length > size_ - offset) return std::nullopt;
    return ByteSpan(data_ + offset, length);
  }
  constexpr ByteSpan prefix(size_t length) const { return sub(0, length); }

  std::optional<uint8_t> u8(size_t offset) const {
    if (offset >= size_) return std::nullopt;
    return data_[offset];
  }
  std::optional<uint16_t> le16(size_t offset) const { return little<uint16_t>(offset); }
  std::optional<uint32_t> le32(size_t offset) const { return little<uint32_t>(offset); }
  std::optional<uint64_t> le64(size_t offset) const { return little<uint64_t>(offset); }
  std::optional<uint16_t> be16(size_t offset) const { return big<uint16_t>(offset); }
  std::optional<uint32_t> be32(size_t offset) const { return big<uint32_t>(offset); }
  std::optional<uint64_t> be64(size_t offset) const { return big<uint64_t>(offset); }

  // True when the bytes at offset equal `expected` exactly (false when they run past the end).
  bool matches(size_t offset, std::string_view expected) const {
    if (offset > size_ || expected.size() > size_ - offset) return false;
    return expected.empty() || std::memcmp(data_ + offset, expected.data(), expected.size()) == 0;
  }
  bool starts_with(std::string_view expected) const { return matches(0, expected); }

  std::string_view as_chars() const {
    return std::string_view(reinterpret_cast<const char*>(data_), size_);
  }

 private:
  template <typename T>
  std::optional<T> little(size_t offset) const {
    if (offset > size_ || sizeof(T) > size_ - offset) return std::nullopt;
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(static_cast<T>(data_[offset + i]) << (8 * i));
    return value;
  }
  template <typename T>
  std::optional<T> big(size_t offset) const {
    if (offset > size_ || sizeof(T) > size_ - offset) return std::nullopt;
    T value = 0;
    for (size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>((value << 8) | data_[offset + i]);
    return value;
  }

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// A cursor over a ByteSpan for sequential structures. Reads past the end fail and set a sticky
// error flag, so a parser can read a whole header and check ok() once.
class CheckedReader {
 public:
  explicit CheckedReader(ByteSpan bytes) : bytes_(bytes) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  bool ok() const { return ok_; }

  bool seek(size_t offset) {
    if (offset > bytes_.size()) return fail();
    offset_ = offset;
    return true;
  }
  bool skip(size_t count) {
    if (count > remaining()) return fail();
    offset_ += count;
    return true;
  }
  uint8_t u8() { return take(bytes_.u8(offset_), 1); }
  uint16_t le16() { return take(bytes_.le16(offset_), 2); }
  uint32_t le32() { return take(bytes_.le32(offset_), 4); }
  uint64_t le64() { return take(bytes_.le64(offset_), 8); }
  uint16_t be16() { return take(bytes_.be16(offset_), 2); }
  uint32_t be32() { return take(bytes_.be32(offset_), 4); }
  ByteSpan bytes(size_t count) {
    auto span = bytes_.exact(offset_, count);
    if (!span) {
      fail();
      return {};
    }
    offset_ += count;
    return *span;
  }

 private:
  bool fail() {
    ok_ = false;
    return false;
  }
  template <typename T>
  T take(std::optional<T> value, size_t width) {
    if (!value) {
      fail();
      return 0;
    }
    offset_ += width;
    return *value;
  }

  ByteSpan bytes_;
  size_t offset_ = 0;
  bool ok_ = true;
};

}  // namespace assay
