// Small readers every analyzer needs: bounded, NUL-terminated strings out of a string table, and
// the entropy of a region under a shared budget (sections may overlap on purpose, so a crafted file
// must not make an analyzer histogram the same bytes a million times).
#pragma once

#include <array>
#include <optional>
#include <string>

#include "hash/hasher.h"
#include "util/checked_reader.h"

namespace assay {

// The string at `offset` inside `table`, when it is NUL-terminated within the table and within
// `max_length` bytes; nothing otherwise (a hostile offset never reads past the table).
inline std::optional<std::string> terminated_string(ByteSpan table, uint64_t offset, size_t max_length = 4096) {
  if (offset >= table.size()) return std::nullopt;
  const std::string_view rest = table.sub(static_cast<size_t>(offset), max_length).as_chars();
  const size_t end = rest.find('\0');
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(rest.substr(0, end));
}

// Entropy of regions while the budget lasts.
struct EntropyBudget {
  // Twice the file plus 1 MiB: every section once, overlaps allowed, never a million times over.
  static EntropyBudget for_file(size_t file_bytes) { return {2 * static_cast<uint64_t>(file_bytes) + (1u << 20)}; }

  uint64_t left;
  std::optional<double> of(ByteSpan bytes) {
    if (bytes.size() > left) return std::nullopt;
    left -= bytes.size();
    return entropy_of(bytes);
  }
};

}  // namespace assay
