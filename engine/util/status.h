// Engine-internal error values. Each maps one-to-one to a pinned ASSAY_E_* code of the C ABI.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace assay {

enum class ErrorCode {
  InvalidArgument,
  Io,
  TooLarge,
  Unsupported,
  NoMemory,
  Internal,
};

struct Error {
  ErrorCode code;
  std::string message;
};

// A value or an Error; the engine never throws across its own boundary for expected failures.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  T& value() { return std::get<T>(state_); }
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace assay
