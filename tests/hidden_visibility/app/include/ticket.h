// A header that the program and a library built with hidden visibility
// both compile: each module keeps its own copy of these functions, and of
// the counter.
#pragma once

namespace tickets {

inline int n = 0;

inline int next() { return ++n; }

inline int scaled(int x) { return x * 2; }

}  // namespace tickets
