// One function of each kind the rewriter instruments, for the trampoline
// tests in constructs_test.cpp.
#ifndef SOFTPATCH_TESTS_RUNTIME_CONSTRUCTS_H
#define SOFTPATCH_TESTS_RUNTIME_CONSTRUCTS_H

#include <memory>
#include <string>

namespace constructs {

struct Money {
  Money(long c = 0, std::string n = {}) : cents(c), name(std::move(n)) {}
  long cents;
  Money operator+(const Money& other) const;
  bool operator==(const Money& other) const;
  long operator[](int i) const;
  long operator()(int times) const;
  explicit operator bool() const;
  operator long() const;
  std::string& label() &;
  std::string label() &&;
  int touch() volatile;
  std::string name;
};

struct Base {
  virtual ~Base() = default;
  virtual int kind() const;
};
struct Derived : Base {
  int kind() const override;
};

struct Doomed {
  [[noreturn]] explicit Doomed(int code);  // a constructor that never returns
  int code;
};

int guarded(int x);               // function-try-block
int safe(int x) noexcept;         // noexcept
int made_by_macro();              // defined by a macro
int rvalue(std::string&& s);      // rvalue reference parameter
extern "C" int c_linkage(int x);  // extern "C"
int counted();                    // has a function-local static

}  // namespace constructs

#endif  // SOFTPATCH_TESTS_RUNTIME_CONSTRUCTS_H
