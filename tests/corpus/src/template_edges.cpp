// Templates whose slots or records are easy to get wrong: operators and
// conversions, member templates of an explicit specialization, private enum
// arguments, decltype returns, lambdas as arguments, overloads, parameter
// names a member hides, abbreviated templates (C++20).
#include <string>
#include <utility>
#include <vector>

#include "corpus.h"

namespace edges {

template <class T>
struct Pair {
  T a, b;
};
template <class T>
bool operator<(const Pair<T>& x, const Pair<T>& y) {
  return x.a < y.a || (!(y.a < x.a) && x.b < y.b);
}

struct Number {
  int v;
  template <class U>
  operator U() const {
    return static_cast<U>(v) + static_cast<U>(1);
  }
};

template <class T>
struct Codec;
template <>
struct Codec<int> {
  template <class U>
  U as() const {
    return U(v) / U(2);
  }
  int v;
};

class Machine {
  enum Mode { slow = 1, fast = 4 };
  template <Mode M>
  static int speed(int x) {
    return x * M;
  }

 public:
  static int run(int x) { return speed<slow>(x) + speed<fast>(x); }
};

template <class C>
auto count_of(const C& c) -> decltype(c.size()) {
  return c.size() + 1;
}
template <class T>
auto paired(T x) -> std::pair<T, decltype(x + 1)> {
  return {x, x + 1};
}

template <class F>
int apply_twice(F f, int x) {
  return f(f(x));
}

template <class T>
T pick(T a) {
  return a;
}
template <class T>
T pick(T a, T b) {
  return b < a ? b : a;
}
template <class T>
T same(T a) {
  return a + 1;
}
template <class T>
T same(T* a) {
  return *a + 2;
}

template <class T>
struct Vec {
  using value_type = T;
  value_type first() const;
  std::vector<T> items;
};
template <class value_type>
value_type Vec<value_type>::first() const {
  return items.empty() ? value_type() : items.front();
}

#if __cplusplus >= 202002L
int abbreviated(const auto& v) { return static_cast<int>(v.size()); }
#else
template <class V>
int abbreviated(const V& v) {
  return static_cast<int>(v.size());
}
#endif

}  // namespace edges

void run_template_edges() {
  const char* f = "template_edges";
  using namespace edges;
  report(f, "Pair<int> <", Pair<int>{1, 2} < Pair<int>{1, 3});
  report(f, "Number -> long", static_cast<long>(Number{41}));
  report(f, "Codec<int>::as<double>", Codec<int>{5}.as<double>());
  report(f, "Machine::run(3)", Machine::run(3));
  report(f, "count_of(vector)", count_of(std::vector<int>{1, 2, 3}));
  report(f, "paired(4).second", paired(4).second);
  report(f, "apply_twice(lambda)", apply_twice([](int v) { return v * 3; }, 2));
  report(f, "pick(7)", pick(7));
  report(f, "pick(7, 3)", pick(7, 3));
  int n = 5;
  report(f, "same(5)", same(n));
  report(f, "same(&5)", same(&n));
  report(f, "Vec<int>::first", Vec<int>{{9, 8}}.first());
  report(f, "abbreviated(string)", abbreviated(std::string("four")));
}
