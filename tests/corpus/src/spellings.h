// Templates of a header whose instantiations' arguments generated code must
// spell exactly: in packs, from anonymous and inline namespaces, function
// types, a private member template, a class local to a function.
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>

namespace spell {
inline namespace v1 {

template <class... T>
struct Row {
  std::size_t width() const { return sizeof...(T); }
  template <class U>
  int count_of() const {
    return (0 + ... + int(std::is_same<U, T>::value));
  }
};

}  // namespace v1

template <class... T>
int arity(const std::tuple<T...>&) {
  return static_cast<int>(sizeof...(T)) * 10;
}

template <class F>
struct Holder {
  F f;
  std::string call() const { return f() + "!"; }
};

template <class T>
class Vault {
  template <class U>
  struct Policy {
    static int weight() { return static_cast<int>(sizeof(U)); }
  };
  template <class P>
  static int weigh() {
    return P::weight() + 1;
  }

 public:
  static int total() { return weigh<Policy<T>>(); }
};

}  // namespace spell
