// Status and StatusOr: errors as values across module boundaries.
//
// A Status is either OK or carries a code and a human-readable message that names
// the file, tensor, line or request at fault. StatusOr<T> holds a T or a non-OK Status.
// Both are cheap to move and thread-compatible (no shared state).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace rwkv {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the caller's input is malformed (bad option, bad suite, bad token id)
  kNotFound,         // a file, tensor or item does not exist
  kCorruption,       // a file's bytes do not describe what they claim
  kUnsupported,      // valid input this build cannot handle (a data type, a capability)
  kIOError,          // the operating system or the network failed
  kFailedPrecondition,  // the object is in the wrong state for the call
  kInternal,
};

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corruption: model.bin: tensor blocks.0.att.key.weight: truncated"
  std::string ToString() const;
  // Returns a copy whose message is "context: message" (no-op for OK).
  Status WithContext(const std::string& context) const;

 private:
  Status(StatusCode c, std::string m) : code_(c), message_(std::move(m)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds either a value or a non-OK Status. REQUIRES: value() only when ok().
template <typename T>
class StatusOr {
 public:
  StatusOr(Status s) : status_(std::move(s)) {}  // NOLINT: implicit by design
  StatusOr(T v) : value_(std::move(v)) {}        // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace rwkv

#define RWKV_CONCAT_INNER(a, b) a##b
#define RWKV_CONCAT(a, b) RWKV_CONCAT_INNER(a, b)

// Returns from the current function if `expr` (a Status) is not OK.
#define RETURN_IF_ERROR(expr)                \
  do {                                       \
    ::rwkv::Status _st = (expr);             \
    if (!_st.ok()) return _st;               \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MakeX());` — assigns the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(RWKV_CONCAT(_sor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
