// The header whose templates the test edits under the running program: a
// function template and a class template's members (in the class and out
// of it), instantiated by both files; and one that each file instantiates
// with its own type.
#pragma once

#include <string>

namespace gauge {

template <class T>
T scaled(T x) {
  return x * 1;
}

template <class T>
class Meter {
 public:
  T read(T x) {
    total_ += x;
    return total_;
  }
  std::string unit() const;

 private:
  T total_ = 0;
};

template <class T>
std::string Meter<T>::unit() const {
  return "u";
}

template <class T>
T offset(T x) {
  return x + 0;
}

// main.cpp instantiates it for a lambda (no slot: its type cannot be
// written where records are), other.cpp for a function pointer.
template <class F>
int apply(F f, int x) {
  return f(x);
}

// Instantiated by main.cpp only.
template <class T>
T peak(T x) {
  return x;
}

}  // namespace gauge

// Defined in other.cpp (the smaller file, which a header's patch is built
// from): the same instantiations called from a second file, and
// offset<long>, which only that file has.
std::string other(int n);
