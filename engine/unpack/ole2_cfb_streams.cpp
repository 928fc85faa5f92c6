// [MS-CFB] reader, second half: claiming every stream's sector chain once (so loops and shared
// sectors end a chain where they begin) and reading streams as runs of file bytes, borrowed when
// there is one run and copied piece by piece otherwise. Section numbers refer to [MS-CFB].
#include <algorithm>

#include "unpack/ole2_cfb.h"

namespace assay {
namespace {

constexpr size_t kCopyPiece = size_t{1} << 20;  // copied between two charges

std::string number(uint64_t value) { return std::to_string(value); }

}  // namespace

size_t CfbFile::claim_chain(uint32_t start, size_t limit, std::string_view what, std::vector<uint32_t>* out) {
  size_t count = 0;
  uint32_t sector = start;
  while (count < limit && sector <= kCfbMaxRegularSector) {
    if (sector >= file_sectors_) {
      problem(std::string(what) + ": sector " + number(sector) + " is outside the file");
      break;
    }
    if (sector_used_[sector]) {
      problem(std::string(what) + ": sector " + number(sector) + " is reached twice (a loop or a shared sector)");
      break;
    }
    sector_used_[sector] = 1;
    if (out != nullptr) out->push_back(sector);
    ++count;
    // A short last sector of the file ends any chain: nothing after it could be contiguous data.
    if (((static_cast<uint64_t>(sector) + 2) << sector_shift_) > bytes_.size()) break;
    const auto next = next_sector(sector);
    if (!next) {
      if (count < limit) problem(std::string(what) + ": no FAT entry for sector " + number(sector));
      break;
    }
    sector = *next;
  }
  return count;
}

size_t CfbFile::claim_mini_chain(uint32_t start, size_t limit, std::string_view what) {
  size_t count = 0;
  uint32_t sector = start;
  while (count < limit && sector <= kCfbMaxRegularSector) {
    if (sector >= mini_sectors_) {
      problem(std::string(what) + ": mini sector " + number(sector) + " is outside the mini stream");
      break;
    }
    if (mini_used_[sector]) {
      problem(std::string(what) + ": mini sector " + number(sector) + " is reached twice (a loop or a shared sector)");
      break;
    }
    mini_used_[sector] = 1;
    ++count;
    const auto next = next_mini_sector(sector);
    if (!next) {
      if (count < limit) problem(std::string(what) + ": no MiniFAT entry for mini sector " + number(sector));
      break;
    }
    sector = *next;
  }
  return count;
}

// 2.3 and 2.4: the MiniFAT and the mini stream (the root's chain) first, then every stream's chain.
void CfbFile::claim_chains() {
  if (entries_.empty()) return;
  if (first_mini_fat_ <= kCfbMaxRegularSector) {
    const size_t wanted = std::min<size_t>(mini_fat_count_, file_sectors_);
    claim_chain(first_mini_fat_, wanted, "MiniFAT", &mini_fat_sectors_);
    if (mini_fat_sectors_.size() < mini_fat_count_) {
      problem("MiniFAT: " + number(mini_fat_sectors_.size()) + " of " + number(mini_fat_count_) + " sectors found");
    }
  }
  const CfbEntry& root = entries_[0];
  if (root.size > 0) {
    const uint64_t wanted = (root.size + sector_size() - 1) >> sector_shift_;
    claim_chain(root.start_sector, static_cast<size_t>(std::min<uint64_t>(wanted, file_sectors_)), "mini stream",
                &mini_container_);
    const uint64_t held = std::min<uint64_t>(root.size, static_cast<uint64_t>(mini_container_.size()) << sector_shift_);
    const uint64_t indexed = static_cast<uint64_t>(mini_fat_sectors_.size()) * (sector_size() / 4);
    mini_sectors_ = static_cast<size_t>(std::min<uint64_t>(held >> mini_shift_, indexed));
    mini_used_.assign(mini_sectors_, 0);
  }
  for (const uint32_t id : streams_) {
    CfbEntry& entry = entries_[id];
    if (entry.size == 0) continue;
    entry.in_mini_stream = entry.size < mini_cutoff_;
    const size_t unit_shift = entry.in_mini_stream ? mini_shift_ : sector_shift_;
    const size_t capacity = entry.in_mini_stream ? mini_sectors_ : file_sectors_;
    const uint64_t wanted = (entry.size + (uint64_t{1} << unit_shift) - 1) >> unit_shift;
    const size_t limit = static_cast<size_t>(std::min<uint64_t>(wanted, capacity));
    const std::string what = "stream '" + path_of(id) + "'";
    const size_t held = entry.in_mini_stream ? claim_mini_chain(entry.start_sector, limit, what)
                                             : claim_chain(entry.start_sector, limit, what, nullptr);
    entry.readable = std::min<uint64_t>(entry.size, static_cast<uint64_t>(held) << unit_shift);
    // The last sector of the file may be short; count only the bytes that exist.
    uint64_t present = 0;
    for_each_run(id, [&](size_t offset, size_t length) {
      present += std::min<uint64_t>(length, bytes_.size() - std::min(offset, bytes_.size()));
      return true;
    });
    entry.readable = present;
    if (entry.readable < entry.size) {
      problem(what + ": " + number(entry.size) + " bytes stated, the file holds " + number(entry.readable));
    }
  }
}

void CfbFile::for_each_run(uint32_t id, const std::function<bool(size_t, size_t)>& run) const {
  const CfbEntry& entry = entries_[id];
  uint64_t remaining = entry.readable;
  size_t pending_offset = 0, pending_length = 0;
  bool stopped = false;
  const auto emit = [&](size_t offset, size_t length) {
    if (pending_length > 0 && offset == pending_offset + pending_length) {
      pending_length += length;
      return;
    }
    if (pending_length > 0 && !run(pending_offset, pending_length)) stopped = true;
    pending_offset = offset;
    pending_length = length;
  };
  const size_t unit = entry.in_mini_stream ? size_t{1} << mini_shift_ : sector_size();
  uint32_t sector = entry.start_sector;
  while (remaining > 0 && !stopped) {
    std::optional<size_t> offset;
    if (entry.in_mini_stream) {
      const uint64_t position = static_cast<uint64_t>(sector) << mini_shift_;
      const uint64_t index = position >> sector_shift_;
      if (index >= mini_container_.size()) break;
      offset = sector_offset(mini_container_[static_cast<size_t>(index)]);
      if (offset) *offset += static_cast<size_t>(position & (sector_size() - 1));
    } else {
      offset = sector_offset(sector);
    }
    if (!offset || *offset >= bytes_.size()) break;
    const size_t length = static_cast<size_t>(std::min<uint64_t>(unit, remaining));
    emit(*offset, length);
    remaining -= length;
    if (remaining == 0) break;
    const auto next = entry.in_mini_stream ? next_mini_sector(sector) : next_sector(sector);
    if (!next) break;
    sector = *next;
  }
  if (!stopped && pending_length > 0) run(pending_offset, pending_length);
}

std::optional<ByteSpan> CfbFile::contiguous(uint32_t id) const {
  const CfbEntry& entry = entries_[id];
  if (entry.readable != entry.size) return std::nullopt;
  if (entry.size == 0) return ByteSpan{};
  size_t runs = 0, first = 0;
  for_each_run(id, [&](size_t offset, size_t) {
    first = offset;
    return ++runs < 2;
  });
  if (runs != 1) return std::nullopt;
  return bytes_.exact(first, static_cast<size_t>(entry.size));
}

size_t CfbFile::copy(uint32_t id, std::vector<uint8_t>& out, size_t max_bytes, const Charge& charge) const {
  size_t appended = 0;
  for_each_run(id, [&](size_t offset, size_t length) {
    const ByteSpan run = bytes_.sub(offset, length);
    for (size_t done = 0; done < run.size();) {
      const size_t piece = std::min({kCopyPiece, run.size() - done, max_bytes - appended});
      if (piece == 0 || !charge(piece)) return false;
      out.insert(out.end(), run.data() + done, run.data() + done + piece);
      done += piece;
      appended += piece;
    }
    return true;
  });
  return appended;
}

ByteSpan CfbFile::read(uint32_t id, std::vector<uint8_t>& scratch, size_t max_bytes) const {
  if (const auto whole = contiguous(id)) return whole->prefix(max_bytes);
  scratch.clear();
  copy(id, scratch, max_bytes, [](size_t) { return true; });
  return ByteSpan(scratch.data(), scratch.size());
}

}  // namespace assay
