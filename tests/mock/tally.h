// Header functions that the test program, two libraries it opens with
// RTLD_LOCAL and one it is linked with compile. The opened libraries are
// built with -fvisibility=hidden, as many are: each keeps its own code, its
// own `calls`, and its own slot of each template instantiation (hidden in
// every module). The linked one is not: the program's copies are the ones
// its calls run.
#pragma once

namespace tally {

inline int calls = 0;  // this module's

template <class T>
T doubled(T x) {
  ++calls;
  return x * 2;
}

// Called by the libraries only, each through a slot of its own (hidden, as
// the function is there): one mock reaches all of them.
inline int in_libraries(int x) { return x - 1; }

// Counts in this module's `calls`: a library built with hidden visibility
// keeps its own copy of it, and of `calls`.
inline int counted(int x) {
  ++calls;
  return x + 1;
}

}  // namespace tally
