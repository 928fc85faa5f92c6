// unpack/: turns a container object into its children, one at a time.
//
// An Unpacker is a cursor over one container: scan/ asks it for the next child only after the
// previous child's whole subtree is done, so peak memory follows depth rather than tree size. A child
// either borrows a span of its parent's bytes or owns the buffer it was decoded into; owned bytes are
// charged to the scan's Budget while they are decoded, inside the decoder loop.
//
// Each format registers a factory in registry.cpp, keyed by FileFormat: adding a format is one file
// and one line there. Member names are data only: nothing here ever touches the filesystem.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "identify/file_format.h"
#include "limits/limits.h"
#include "report/report_model.h"
#include "util/checked_reader.h"

namespace assay {

struct Child {
  std::string name;   // the member's name as the container states it ("" when it has none)
  std::string layer;  // optional path component between parent and name, e.g. "overlay"
  ByteSpan bytes;     // borrowed from the parent, or pointing into `owned`
  std::vector<uint8_t> owned;
  std::vector<Property> properties;
};

// What an unpacker may touch while it works: the budget, the password list, and the container's own
// report entry (warnings, tags, properties, and its unpacking status).
struct UnpackContext {
  UnpackContext(Budget& b, const std::vector<std::string>& p, Entry& c) : budget(b), passwords(p), container(c) {}

  Budget& budget;
  const std::vector<std::string>& passwords;
  Entry& container;
  // Set when a limit stopped this container (the warning is already on the entry).
  std::optional<LimitKind> limit_hit;
  // Set when the container could not be read fully (corrupt, truncated, encrypted).
  bool incomplete = false;
  bool failed_to_open = false;
  // Set when encryption kept some or all members unread (never "failed": the archive itself is fine).
  bool encrypted = false;
  uint64_t children_produced = 0;

  // Records that `kind` stopped unpacking, with a warning naming the limit.
  void stop_on_limit(LimitKind kind, const std::string& detail);
};

class Unpacker {
 public:
  virtual ~Unpacker() = default;
  // Fills `child` with the next member and returns true, or returns false when there is none left
  // (finished, or stopped by corruption or a limit; the reason is on ctx.container).
  virtual bool next(UnpackContext& ctx, Child& child) = 0;
};

using UnpackerFactory = std::unique_ptr<Unpacker> (*)(ByteSpan bytes, UnpackContext& ctx);

// The unpacker for `format`, or nullptr when that format is not a container.
UnpackerFactory find_unpacker(FileFormat format);

}  // namespace assay
