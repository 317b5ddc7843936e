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

// Called by the libraries only: they share the slot the program defines
// (its symbol is exported), so one mock reaches both.
inline int in_libraries(int x) { return x - 1; }

}  // namespace tally
