// Templates whose definitions are in templates.cpp, instantiated there
// (explicitly, or by the functions that use them): each instantiation has
// a slot of its own that mocks and spies replace.
#pragma once

#include <string>

namespace lab {

template <class T>
T twice(T x);
extern template int twice<int>(int);
extern template double twice<double>(double);

// An explicit specialization: a function of its own.
template <class T>
std::string describe(T);
template <>
std::string describe<bool>(bool value);

template <int Factor>
int scale(int x);
extern template int scale<3>(int);

template <class T>
class Box {
 public:
  explicit Box(T value) : value_(value) {}
  T get() const;
  void set(T value);

 private:
  T value_;
};
extern template class Box<long>;

// A member template of an explicit specialization: its slot is keyed by its
// own arguments only.
template <class T>
struct Codec;
template <>
struct Codec<int> {
  template <class U>
  U as() const;
  int v;
};
extern template double Codec<int>::as<double>() const;

// Calls of the instantiations from templates.cpp itself.
int twice_of_int(int x);
double twice_of_double(double x);
int count_of(int a, char b, long c);  // count<int, char, long>
long box_get(const Box<long>& box);

}  // namespace lab
