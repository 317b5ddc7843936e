// A header function that two plugins include and the test program does not:
// loaded with RTLD_LOCAL, each plugin keeps its own copy of its slot.
#pragma once

namespace gadget {
inline int value(int x) { return x + 1; }
}  // namespace gadget
