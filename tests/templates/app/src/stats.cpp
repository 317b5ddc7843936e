#include "stats.h"

template <class T>
T twice(T x) {
  return x + x;
}
template int twice<int>(int);

template <class T>
T Box<T>::get() const {
  return value_;
}
template class Box<long>;

template <class>
int version() {
  return 1;
}
template int version<int>();

template <class T>
T bump(T x) {
  return x + 1;
}

int bumped(int x) { return bump(x); }
