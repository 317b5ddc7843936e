// Templates defined in stats.cpp: explicit instantiations that main.cpp
// calls, and (inside stats.cpp) one that only stats.cpp uses.
#pragma once

template <class T>
T twice(T x);
extern template int twice<int>(int);

template <class T>
class Box {
 public:
  explicit Box(T value) : value_(value) {}
  T get() const;

 private:
  T value_;
};
extern template class Box<long>;

// No slots (an unnamed template parameter): an edit of it cannot go live.
template <class>
int version();
extern template int version<int>();

// Calls a template that only stats.cpp knows.
int bumped(int x);
