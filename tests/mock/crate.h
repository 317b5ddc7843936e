// Templates defined in a header, which every file that includes it
// instantiates: each instantiation has one slot in the module, and a mock
// of it reaches the calls of every instrumented file.
#pragma once

#include <string>

namespace crate {

template <class T>
T twice(T x) {
  return x * 2;
}

template <int N>
int scale(int x) {
  return x * N;
}

template <class T>
class Crate {
 public:
  explicit Crate(T start) : value_(start) {}
  // Its return type named by a member typedef: the same text in every
  // instantiation's body.
  using iterator = const T*;
  auto begin() const -> iterator { return &value_; }
  T get() const { return value_; }  // in the class
  void set(T value);                // out of it, below
  template <class U>
  U as() const {  // a member template
    return static_cast<U>(value_);
  }

 private:
  T value_;
};

template <class T>
void Crate<T>::set(T value) {
  value_ = value;
}

// A constexpr function: evaluated at compile time as written, mocked for
// its calls at run time.
constexpr int width(int n) { return n * 4; }
static_assert(width(2) == 8, "");

// An explicit specialization: a function of its own.
template <class T>
std::string kind(T) {
  return "some";
}
template <>
inline std::string kind<int>(int) {
  return "int";
}

// Defined in crate_users.cpp: the same instantiations called from a second
// file.
int twice_elsewhere(int x);
long get_elsewhere(const Crate<long>& c);
void set_elsewhere(Crate<long>& c, long value);
int scale_elsewhere(int x);
std::string kind_elsewhere(int x);
int width_elsewhere(int n);

// Defined in crate_plain.cpp, compiled without softpatch: its copy of
// twice<short> is the plain one, kept apart from the instrumented copy.
short twice_plainly(short x);

}  // namespace crate
