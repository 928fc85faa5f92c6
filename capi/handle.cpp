#include "handle.h"

#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace assay::capi {
namespace {

struct Registry {
  std::shared_mutex mutex;
  std::unordered_map<const void*, Kind> live;
};

Registry& registry() {
  static Registry* instance = new Registry;  // never destroyed: handles may be freed during exit
  return *instance;
}

}  // namespace

void register_handle(const Handle* handle) {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  r.live.emplace(handle, handle->kind);
}

void unregister_handle(const Handle* handle) {
  Registry& r = registry();
  std::unique_lock lock(r.mutex);
  r.live.erase(handle);
}

bool is_live(const void* pointer, Kind kind) {
  if (pointer == nullptr) return false;
  Registry& r = registry();
  std::shared_lock lock(r.mutex);
  const auto found = r.live.find(pointer);
  return found != r.live.end() && found->second == kind;
}

}  // namespace assay::capi
