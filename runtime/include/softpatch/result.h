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
// Like llvm::Expected, a Result must be looked at: in builds without NDEBUG,
// destroying one whose success was never tested aborts, so errors cannot be
// dropped silently. The runtime does not link LLVM, hence this small copy.
#ifndef SOFTPATCH_RESULT_H
#define SOFTPATCH_RESULT_H

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace softpatch {

// An error: one line that names the file or function and the cause.
struct Error {
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}
  Result(Result&& other) noexcept : state_(std::move(other.state_)), checked_(other.checked_) {
    other.checked_ = true;
  }
  Result& operator=(Result&&) = delete;
  ~Result() {
#ifndef NDEBUG
    if (!checked_) {
      std::fprintf(stderr, "softpatch: a Result was destroyed without being checked%s%s\n",
                   ok() ? "" : ": ", ok() ? "" : std::get<Error>(state_).message.c_str());
      std::abort();
    }
#endif
  }

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const {
    checked_ = true;
    return ok();
  }

  // Valid only after a successful check.
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &std::get<T>(state_); }
  T& operator*() { return std::get<T>(state_); }

  // The error's message; valid only after a failed check.
  const std::string& error() const { return std::get<Error>(state_).message; }

  // Marks the result as looked at, for callers that really do not care.
  void ignore() const { checked_ = true; }

 private:
  std::variant<T, Error> state_;
  mutable bool checked_ = false;
};

}  // namespace softpatch

#endif  // SOFTPATCH_RESULT_H
