// softpatch::Result<T>: a value or an error message, for operations that can
// fail for reasons the caller must hear about (an unknown function name, a
// patch that does not fit).
//
//   softpatch::Result<softpatch::Function> f = softpatch::find_function("add2");
//   if (!f) {
//     std::fprintf(stderr, "%s\n", f.error().c_str());
//     return;
//   }
//   f->name();
//
// Like llvm::Expected, a Result must be handled: testing it handles a value,
// but an error is handled only by reading it (error()), taking it out
// (take_error()) or saying it does not matter (ignore()). `if (!r) return;`
// alone drops the message, and in a checked build destroying such a Result
// aborts with the message, so that no error is lost silently. Builds with
// assertions (no NDEBUG) are checked, and so is any build that defines
// SOFTPATCH_CHECKED_RESULTS=1 (softpatch's own code always is). The runtime
// does not link LLVM, hence this small copy.
#ifndef SOFTPATCH_RESULT_H
#define SOFTPATCH_RESULT_H

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

#if !defined(SOFTPATCH_CHECKED_RESULTS)
#if defined(NDEBUG)
#define SOFTPATCH_CHECKED_RESULTS 0
#else
#define SOFTPATCH_CHECKED_RESULTS 1
#endif
#endif

namespace softpatch {

// An error: one line that names the file or function and the cause.
struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)), handled_(true) {}
  Result(Error error) : state_(std::move(error)) {}
  Result(Result&& other) noexcept
      : state_(std::move(other.state_)), handled_(other.handled_), tested_(other.tested_) {
    other.handled_ = other.tested_ = true;
  }
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (SOFTPATCH_CHECKED_RESULTS && !(handled_ && tested_)) unhandled();
  }

  bool ok() const {
    tested_ = true;
    return state_.index() == 0;
  }
  explicit operator bool() const { return ok(); }

  // Valid only after a successful check.
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &std::get<T>(state_); }
  T& operator*() { return std::get<T>(state_); }

  // The error's message (which handles it); valid only after a failed check.
  const std::string& error() const {
    handled_ = true;
    return std::get<Error>(state_).message;
  }

  // Moves the error out, to pass it on (`return r.take_error();`).
  Error take_error() {
    handled_ = tested_ = true;
    return std::move(std::get<Error>(state_));
  }

  // Marks the result as handled, for callers that really do not care.
  void ignore() const { handled_ = tested_ = true; }

 private:
  [[noreturn]] void unhandled() const {
    bool failed = state_.index() != 0;
    std::fprintf(stderr, "softpatch: a Result was destroyed %s%s%s\n",
                 tested_ ? "with its error never read" : "without being checked",
                 failed ? ": " : "", failed ? std::get<Error>(state_).message.c_str() : "");
    std::abort();
  }

  std::variant<T, Error> state_;
  mutable bool handled_ = false;  // a value, or an error read or taken
  mutable bool tested_ = false;   // ok() or operator bool ran
};

}  // namespace softpatch

#endif  // SOFTPATCH_RESULT_H
