// Internal to capi/: how every public handle is checked before use.
//
// Each handle struct starts with a Handle header carrying a kind-specific magic number, and every
// live handle is listed in a process-wide registry. A call first asks the registry whether the pointer
// is live (so a freed handle is caught without touching freed memory), then checks the magic (so a
// handle of another kind is caught).
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "assay.h"

namespace assay::capi {

enum class Kind : uint32_t {
  Config = 0x41434647,         // "ACFG"
  Engine = 0x41454e47,         // "AENG"
  Scanner = 0x4153434e,        // "ASCN"
  Report = 0x41525054,         // "ARPT"
  RenderOptions = 0x41524f50,  // "AROP"
  Rules = 0x4152554c,          // "ARUL"
};

struct Handle {
  explicit Handle(Kind k) : kind(k) {}
  Kind kind;
  std::string last_error;

  int fail(int status, std::string message) {
    last_error = std::move(message);
    return status;
  }
};

void register_handle(const Handle* handle);
void unregister_handle(const Handle* handle);
bool is_live(const void* pointer, Kind kind);

// The typed handle behind `pointer`, or nullptr when it is NULL, not live, or of another kind.
template <typename T>
T* checked(const void* pointer) {
  if (!is_live(pointer, T::kKind)) return nullptr;
  return static_cast<T*>(const_cast<Handle*>(static_cast<const Handle*>(pointer)));
}

// Allocates a handle and registers it.
template <typename T, typename... Args>
T* make_handle(Args&&... args) {
  T* handle = new T(std::forward<Args>(args)...);
  register_handle(handle);
  return handle;
}

template <typename T>
void free_handle(T* handle) {
  if (handle == nullptr) return;
  unregister_handle(handle);
  delete handle;
}

// Writes one field of a caller's versioned struct (first field: uint32_t struct_size) only when the
// caller's struct_size covers it, so a program built against an older, smaller struct still works.
template <typename Struct, typename Field>
void put_field(Struct* info, Field Struct::*member, Field value) {
  const size_t end = reinterpret_cast<const char*>(&(info->*member)) - reinterpret_cast<const char*>(info) + sizeof(Field);
  if (end <= info->struct_size) info->*member = value;
}

// Runs `body` and turns any escaping C++ exception into a status, with the message on `owner`.
template <typename Body>
int guarded(Handle* owner, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    if (owner != nullptr) owner->last_error = "out of memory";
    return ASSAY_E_NO_MEMORY;
  } catch (const std::exception& error) {
    if (owner != nullptr) owner->last_error = std::string("internal error: ") + error.what();
    return ASSAY_E_INTERNAL;
  } catch (...) {
    if (owner != nullptr) owner->last_error = "internal error";
    return ASSAY_E_INTERNAL;
  }
}

}  // namespace assay::capi
