// Result<T>: a value or an Error. Errors are values in sparkenv: no exception
// crosses a module boundary, and every failure carries a message written for
// the user that names the input and the rule it broke.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace sparkenv {

// What went wrong, in words a user can act on. `kind` lets callers (the CLI)
// map a failure to an exit code without parsing the message.
enum class ErrorKind {
  kInvalidInput,   // the user's input broke a rule (exit code 2)
  kNotFound,       // a named thing does not exist (exit code 1)
  kIo,             // the disk, the network or a child process failed (exit code 1)
  kUnsatisfiable,  // the inputs contradict each other (exit code 1)
  kInternal,       // a bug in sparkenv (exit code 70)
};

class Error {
 public:
  explicit Error(std::string message, ErrorKind kind = ErrorKind::kInvalidInput)
      : message_(std::move(message)), kind_(kind) {}

  const std::string& message() const { return message_; }
  ErrorKind kind() const { return kind_; }

  // Returns a copy whose message is "<context>: <message>".
  Error Wrap(const std::string& context) const { return Error(context + ": " + message_, kind_); }

 private:
  std::string message_;
  ErrorKind kind_;
};

// Holds either a T or an Error. Accessing value() on an error (or error() on
// a value) is a programming error caught by assert in debug builds.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation that yields nothing but may fail.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  static Status Ok() { return Status(); }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(failed_);
    return error_;
  }

 private:
  Error error_{""};
  bool failed_ = false;
};

}  // namespace sparkenv
