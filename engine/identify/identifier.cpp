#include <magic.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "identify/identify.h"

namespace assay {

// libmagic handles are not thread-safe, and opening one (loading the compiled database) costs
// milliseconds, so handles are pooled: a scan borrows one for the call and gives it back.
class MagicPool {
 public:
  explicit MagicPool(size_t prefix_limit) : prefix_limit_(prefix_limit) {}
  ~MagicPool() {
    for (magic_t cookie : idle_) magic_close(cookie);
  }

  std::string describe(ByteSpan bytes) {
    magic_t cookie = acquire();
    if (cookie == nullptr) return {};
    const ByteSpan prefix = bytes.prefix(prefix_limit_);
    const char* text = magic_buffer(cookie, prefix.data(), prefix.size());
    std::string description = text != nullptr ? text : "";
    release(cookie);
    return description;
  }

 private:
  magic_t acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        magic_t cookie = idle_.back();
        idle_.pop_back();
        return cookie;
      }
    }
    // No decompression (unpack/ does that, under limits) and no following of anything outside the buffer.
    magic_t cookie = magic_open(MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ENCODING | MAGIC_ERROR);
    if (cookie == nullptr) return nullptr;
    if (magic_load(cookie, nullptr) != 0) {
      magic_close(cookie);
      return nullptr;
    }
    const size_t bytes_max = prefix_limit_;
    magic_setparam(cookie, MAGIC_PARAM_BYTES_MAX, &bytes_max);
    return cookie;
  }
  void release(magic_t cookie) {
    std::lock_guard lock(mutex_);
    idle_.push_back(cookie);
  }

  size_t prefix_limit_;
  std::mutex mutex_;
  std::vector<magic_t> idle_;
};

Identifier::Identifier(size_t magic_prefix_limit)
    : magic_(std::make_unique<MagicPool>(magic_prefix_limit)) {}

Identifier::~Identifier() = default;

bool Identifier::looks_random(double entropy, size_t size) {
  if (size < 256) return false;  // too few bytes for entropy to tell random from structured
  const double expected_shortfall = 184.0 / static_cast<double>(size);
  return entropy >= std::min(7.9, 8.0 - 2.0 * expected_shortfall);
}

Identification Identifier::identify(ByteSpan bytes, std::string_view name, double entropy) const {
  Identification result;
  result.format = sniff_format(bytes, name);
  if (result.format == FileFormat::Unknown) {
    // Compressed or encrypted payloads the sniffer does not know: libmagic has nothing to add.
    if (entropy < 0 || !looks_random(entropy, bytes.size())) result.magic_description = magic_->describe(bytes);
    result.format = FileFormat::Binary;
  }
  return result;
}

}  // namespace assay
