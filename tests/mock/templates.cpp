#include "templates.h"

namespace lab {

template <class T>
T twice(T x) {
  return x + x;
}
template int twice<int>(int);
template double twice<double>(double);

template <class T>
std::string describe(T) {
  return "something";
}
template <>
std::string describe<bool>(bool value) {
  return value ? "yes" : "no";
}

template <int Factor>
int scale(int x) {
  return x * Factor;
}
template int scale<3>(int);

template <class T>
T Box<T>::get() const {
  return value_;
}
template <class T>
void Box<T>::set(T value) {
  value_ = value;
}
template class Box<long>;

template <class U>
U Codec<int>::as() const {
  return U(v) / U(2);
}
template double Codec<int>::as<double>() const;

template <class... Arguments>
int count(Arguments... arguments) {
  return static_cast<int>(sizeof...(arguments));
}

int twice_of_int(int x) { return twice(x); }
double twice_of_double(double x) { return twice(x); }
int count_of(int a, char b, long c) { return count(a, b, c); }
long box_get(const Box<long>& box) { return box.get(); }

}  // namespace lab
