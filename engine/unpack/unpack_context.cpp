#include "unpack/unpacker.h"

namespace assay {

void UnpackContext::stop_on_limit(LimitKind kind, const std::string& detail) {
  limit_hit = kind;
  budget.note_limit(kind);
  container.add_tag("limit-exceeded");
  container.add_warning("limit " + std::string(limit_name(kind)) + " reached: " + detail);
}

}  // namespace assay
