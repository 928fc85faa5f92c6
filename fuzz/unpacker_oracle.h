// Shared by the unpacker fuzz targets: runs `format`'s unpacker over arbitrary bytes to the end (or
// 100,000 children) under max_object_bytes of 1 MiB. Oracles beyond "no crash, leak or hang": a child
// either borrows bytes inside the input or owns a buffer it points at, of at most max_object_bytes
// plus `slack` (the decoder's charge granularity: it may overshoot by one chunk before the Budget
// refuses). Returns the container's entry for target-specific checks.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "report/report_model.h"
#include "unpack/unpacker.h"

namespace assay_fuzz {

inline assay::Entry unpack_all(assay::FileFormat format, const uint8_t* data, size_t size, size_t slack) {
  assay::ReportModel model;
  assay::Entry& entry = model.add_entry();
  entry.format = format;
  assay::Limits limits;
  limits.max_object_bytes = 1 << 20;
  assay::Budget budget(limits, size);
  const std::vector<std::string> passwords;
  assay::UnpackContext ctx(budget, passwords, entry);
  auto unpacker = assay::find_unpacker(format)(assay::ByteSpan(data, size), ctx);
  if (!unpacker) return entry;
  assay::Child child;
  for (int i = 0; i < 100000 && unpacker->next(ctx, child); ++i) {
    if (child.owned.empty()) {
      if (child.bytes.size() != 0 && (child.bytes.data() < data || child.bytes.data() + child.bytes.size() > data + size)) {
        abort();
      }
    } else if (child.owned.size() > limits.max_object_bytes + slack || child.bytes.data() != child.owned.data()) {
      abort();
    }
  }
  return entry;
}

}  // namespace assay_fuzz
