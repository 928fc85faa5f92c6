// A reader for Compound File Binary files ([MS-CFB], "OLE2" structured storage): the container of
// .doc/.xls/.ppt, .msi, Outlook .msg and vbaProject.bin. Shared by the OLE2 unpacker (children) and
// the OLE2 analyzers (VBA, property sets, message properties).
//
// Opening a file reads the header, the DIFAT/FAT, the directory and the MiniFAT, walks the storage
// tree (iteratively, every entry at most once, storages nested at most kMaxStorageDepth deep) and then
// claims the sector chain of every reachable stream exactly once: a sector that a second chain reaches
// (a loop in the FAT, or two streams sharing sectors) ends that chain there, with a problem recorded.
// After that, following a stream's chain is known to be finite, in bounds and free of cycles, and the
// total of all streams' bytes never exceeds the file's size. Every count a header states is capped by
// what the file can actually hold, so a hostile header costs work in proportion to the file only.
//
// Ownership and threads: a CfbFile borrows the file's bytes (the caller keeps them alive) and owns its
// small index tables; it is immutable after open() and may be read from any one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/checked_reader.h"

namespace assay {

inline constexpr uint32_t kCfbNoEntry = 0xffffffff;
inline constexpr uint32_t kCfbMaxRegularSector = 0xfffffffa;  // larger sector numbers are markers (2.1)

enum class CfbType : uint8_t { Unused = 0, Storage = 1, Stream = 2, Root = 5 };

struct CfbEntry {
  std::string name;  // UTF-8, exactly as stored (control characters such as "\x05" kept)
  CfbType type = CfbType::Unused;
  uint32_t left = kCfbNoEntry, right = kCfbNoEntry, child = kCfbNoEntry;
  uint32_t start_sector = 0;
  uint64_t size = 0;  // as declared (the high half ignored in version 3 files, as the spec says)
  std::array<uint8_t, 16> clsid{};
  // Filled by the tree walk: the storage holding this entry (kCfbNoEntry for the root and for
  // entries the tree never reaches) and the entry's children, for storages, as a range of children().
  uint32_t parent = kCfbNoEntry;
  uint32_t first_child = 0, child_count = 0;
  bool reachable = false;
  // Filled by the chain claim: how many bytes of the stream the file really holds.
  uint64_t readable = 0;
  bool in_mini_stream = false;
};

class CfbFile {
 public:
  // Caps on what one file may make the reader do; the defaults fit every real document.
  static constexpr size_t kMaxEntries = 1 << 16;
  static constexpr size_t kMaxStorageDepth = 32;
  static constexpr size_t kMaxProblems = 32;

  // nullptr when the bytes are not a compound file at all; otherwise a reader over whatever could be
  // read, with every inconsistency found listed in problems().
  static std::unique_ptr<CfbFile> open(ByteSpan bytes);

  const std::vector<std::string>& problems() const { return problems_; }
  uint16_t major_version() const { return major_version_; }
  size_t sector_size() const { return size_t{1} << sector_shift_; }

  const std::vector<CfbEntry>& entries() const { return entries_; }
  const CfbEntry& entry(uint32_t id) const { return entries_[id]; }
  // Every reachable stream in depth-first order (a storage's streams, then its storages).
  const std::vector<uint32_t>& streams() const { return streams_; }
  // The direct children of a storage (root included), in the order of its sibling tree.
  std::vector<uint32_t> children_of(uint32_t storage) const;
  // The child of `storage` called `name`, compared as CFB does (case-insensitively, ASCII letters).
  std::optional<uint32_t> find_child(uint32_t storage, std::string_view name) const;
  // An entry by its '/'-separated path below the root, e.g. "Macros/VBA/dir".
  std::optional<uint32_t> find(std::string_view path) const;
  // The entry's path below the root, each name made printable by display_name().
  std::string path_of(uint32_t id) const;
  // A name fit for a report path: control characters become "[N]" (as 7-Zip shows "[5]Summary
  // Information") and '/' becomes '_', so a name can never pose as more than one path component.
  static std::string display_name(std::string_view name);

  // The stream as one span of the file, when its sectors lie in order and the file holds all of it.
  std::optional<ByteSpan> contiguous(uint32_t id) const;
  // Appends the stream's bytes to `out`, at most `max_bytes` of them. `charge(n)` is called before
  // each piece of at most 1 MiB is copied and may refuse it (false), which ends the copy. Returns the
  // number of bytes appended.
  using Charge = std::function<bool(size_t)>;
  size_t copy(uint32_t id, std::vector<uint8_t>& out, size_t max_bytes, const Charge& charge) const;
  // For readers that need only a bounded prefix: the stream borrowed when contiguous, otherwise
  // copied into `scratch` (at most `max_bytes`).
  ByteSpan read(uint32_t id, std::vector<uint8_t>& scratch, size_t max_bytes) const;

 private:
  explicit CfbFile(ByteSpan bytes) : bytes_(bytes) {}

  bool read_header();
  void read_fat_sectors();
  void read_directory();
  void walk_tree();
  void claim_chains();

  std::optional<uint32_t> next_sector(uint32_t sector) const;
  std::optional<uint32_t> next_mini_sector(uint32_t sector) const;
  std::optional<size_t> sector_offset(uint32_t sector) const;
  // Follows a FAT chain from `start`, claiming each sector, for at most `limit` sectors; appends them
  // to `out` when given. Returns how many sectors the chain validly holds.
  size_t claim_chain(uint32_t start, size_t limit, std::string_view what, std::vector<uint32_t>* out);
  size_t claim_mini_chain(uint32_t start, size_t limit, std::string_view what);
  // Calls `run(offset, length)` for each run of consecutive file bytes holding the stream, in order,
  // until it returns false.
  void for_each_run(uint32_t id, const std::function<bool(size_t, size_t)>& run) const;
  void problem(std::string text);

  ByteSpan bytes_;
  uint16_t major_version_ = 0;
  uint16_t sector_shift_ = 9;
  uint16_t mini_shift_ = 6;
  uint32_t mini_cutoff_ = 4096;
  uint32_t first_directory_ = 0, first_mini_fat_ = 0, first_difat_ = 0;
  uint32_t mini_fat_count_ = 0, difat_count_ = 0, fat_count_ = 0;
  size_t file_sectors_ = 0;  // sectors the file holds, the last one possibly short

  std::vector<uint32_t> fat_sectors_;       // where the FAT lives, in order
  std::vector<uint32_t> mini_fat_sectors_;  // where the MiniFAT lives, in order
  std::vector<uint32_t> mini_container_;    // the root's chain: the sectors of the mini stream
  size_t mini_sectors_ = 0;                 // mini sectors the mini stream holds
  std::vector<uint8_t> sector_used_;        // claimed by some chain (cycles and cross-links stop there)
  std::vector<uint8_t> mini_used_;

  std::vector<CfbEntry> entries_;
  std::vector<uint32_t> children_;  // storages' children, each storage's as one range
  std::vector<uint32_t> streams_;
  std::vector<std::string> problems_;
  size_t dropped_problems_ = 0;
};

}  // namespace assay
