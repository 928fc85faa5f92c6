// limits/: the resource budget of one scan.
//
// Limits are the configured ceilings (immutable, part of the Engine); a Budget is one scan's running
// account against them. Every decoder charges the Budget inside its loop, so a bomb stops at the first
// chunk past a ceiling rather than after it has been fully inflated. When a ceiling is hit the scan
// records which one (by its stable name, e.g. "max_ratio"), the container that was being unpacked
// ends with unpacking status 3, and the scan returns a soft status.
//
// Thread-safety: Limits is a plain value; a Budget belongs to one scan on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace assay {

enum class LimitKind : uint8_t {
  MaxDepth,
  MaxObjects,
  MaxObjectBytes,
  MaxTotalBytes,
  MaxRatio,
  Timeout,
};

// The stable, user-facing name of a limit: the same word the CLI flag and the report warning use.
std::string_view limit_name(LimitKind kind);

struct Limits {
  uint64_t max_depth = 16;                         // containers at this depth are not unpacked
  uint64_t max_objects = 10'000;                   // objects per scan, root included
  uint64_t max_object_bytes = 256ull << 20;        // decoded size of one extracted object
  uint64_t max_total_bytes = 1ull << 30;           // all bytes decoded in one scan
  uint64_t max_ratio = 100;                        // decoded bytes per compressed byte (see Budget)
  uint64_t timeout_ms = 30'000;                    // wall time per scan
  // A member's ratio is only judged past this many decoded bytes: small, very compressible members
  // are normal.
  static constexpr uint64_t kMemberRatioFloorBytes = 1ull << 20;
  // The scan's expansion (all decoded bytes per byte of input) is only judged past this many: it is
  // what stops nested bombs (42.zip) and overlapping-entry bombs, whose members each look modest.
  static constexpr uint64_t kScanRatioFloorBytes = 16ull << 20;
};

class Budget {
 public:
  Budget(const Limits& limits, uint64_t input_bytes)
      : limits_(limits),
        input_bytes_(input_bytes == 0 ? 1 : input_bytes),
        deadline_(std::chrono::steady_clock::now() + std::chrono::milliseconds(limits.timeout_ms)) {}

  const Limits& limits() const { return limits_; }

  // Counts one more object; fails (for the whole scan) when the scan already holds max_objects.
  std::optional<LimitKind> charge_object() {
    if (objects_ >= limits_.max_objects) return stop_scan(LimitKind::MaxObjects);
    ++objects_;
    return std::nullopt;
  }

  // Charges `count` freshly decoded bytes of one member. `member_bytes` is the member's decoded size
  // so far (after this chunk) and `compressed_bytes` what its decoder consumed for it, when known
  // (0: unknown, the member's ratio is not judged). Checks the deadline too, so every decoder loop is
  // covered. Per-member limits (object bytes, member ratio) skip the member; the others stop the scan.
  std::optional<LimitKind> charge_decoded(uint64_t count, uint64_t member_bytes, uint64_t compressed_bytes) {
    total_bytes_ += count;
    if (member_bytes > limits_.max_object_bytes) return trip(LimitKind::MaxObjectBytes);
    if (total_bytes_ > limits_.max_total_bytes) return stop_scan(LimitKind::MaxTotalBytes);
    if (compressed_bytes != 0 && member_bytes > Limits::kMemberRatioFloorBytes &&
        member_bytes / compressed_bytes >= limits_.max_ratio) {
      return trip(LimitKind::MaxRatio);
    }
    if (total_bytes_ > Limits::kScanRatioFloorBytes && total_bytes_ / input_bytes_ >= limits_.max_ratio) {
      return stop_scan(LimitKind::MaxRatio);
    }
    return check_deadline();
  }

  std::optional<LimitKind> check_deadline() {
    if (std::chrono::steady_clock::now() >= deadline_) return stop_scan(LimitKind::Timeout);
    return std::nullopt;
  }

  // Set once a limit that ends the whole scan tripped: every open container stops.
  std::optional<LimitKind> scan_stopped() const {
    return scan_stopped_ ? std::optional<LimitKind>(scan_stop_kind_) : std::nullopt;
  }
  bool any_limit_hit() const { return any_hit_; }
  // Records a limit that a stage enforced itself (e.g. depth), for the scan's soft status.
  void note_limit(LimitKind) { any_hit_ = true; }

  uint64_t objects() const { return objects_; }
  uint64_t total_decoded_bytes() const { return total_bytes_; }
  uint64_t input_bytes() const { return input_bytes_; }
  std::chrono::steady_clock::time_point deadline() const { return deadline_; }

 private:
  std::optional<LimitKind> trip(LimitKind kind) {
    any_hit_ = true;
    return kind;
  }
  std::optional<LimitKind> stop_scan(LimitKind kind) {
    any_hit_ = true;
    if (!scan_stopped_) scan_stop_kind_ = kind;
    scan_stopped_ = true;
    return kind;
  }

  Limits limits_;
  uint64_t input_bytes_;
  std::chrono::steady_clock::time_point deadline_;
  uint64_t objects_ = 0;
  uint64_t total_bytes_ = 0;
  bool any_hit_ = false;
  // Kept as a flag and a value rather than std::optional: GCC 12 warns (wrongly) that an optional
  // enum member may be used uninitialised once this class is inlined into callers.
  bool scan_stopped_ = false;
  LimitKind scan_stop_kind_ = LimitKind::Timeout;
};

// Charges a decoder's output buffer as it grows: call after appending to `out`, and the bytes added
// since the last call are charged as decoded bytes of that member (no compressed size, so no ratio
// judged). Returns false, with `limit` set, once a ceiling stops the member.
class GrowthCharge {
 public:
  GrowthCharge(Budget& budget, const std::vector<uint8_t>& out, std::optional<LimitKind>& limit)
      : budget_(budget), out_(out), limit_(limit) {}

  bool operator()() {
    const size_t added = out_.size() - charged_;
    charged_ = out_.size();
    if (added != 0) limit_ = budget_.charge_decoded(added, out_.size(), 0);
    return !limit_;
  }
  // Bytes appended since the last charge (decoders charge in chunks of their own size).
  size_t uncharged() const { return out_.size() - charged_; }

 private:
  Budget& budget_;
  const std::vector<uint8_t>& out_;
  std::optional<LimitKind>& limit_;
  size_t charged_ = 0;
};

}  // namespace assay
