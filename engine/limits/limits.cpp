#include "limits/limits.h"

namespace assay {

std::string_view limit_name(LimitKind kind) {
  switch (kind) {
    case LimitKind::MaxDepth: return "max_depth";
    case LimitKind::MaxObjects: return "max_objects";
    case LimitKind::MaxObjectBytes: return "max_object_bytes";
    case LimitKind::MaxTotalBytes: return "max_total_bytes";
    case LimitKind::MaxRatio: return "max_ratio";
    case LimitKind::Timeout: return "timeout";
  }
  return "unknown";
}

}  // namespace assay
