// A header that the program and a library built with hidden visibility
// both compile: each module keeps its own copy of these functions, and of
// the counter.
#pragma once

namespace tickets {

inline int n = 0;

inline int next() { return ++n; }

inline int scaled(int x) { return x * 2; }

// Compiled otherwise in the library: a header's patch for the program must
// be built from a file of the program, as the program compiles it.
#ifdef PLUGIN_SIDE
inline const char* side() { return "plug"; }
#else
inline const char* side() { return "main"; }
#endif

}  // namespace tickets
