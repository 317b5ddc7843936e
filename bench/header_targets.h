// A function defined in a header, whose copy softpatch instruments in each
// file that includes it (one slot for the program); call_targets.cpp calls
// it in a loop the compiler may inline it into.
#ifndef SOFTPATCH_BENCH_HEADER_TARGETS_H
#define SOFTPATCH_BENCH_HEADER_TARGETS_H

namespace BENCH_NS {

inline int header_add(int a, int b) { return a + b; }

}  // namespace BENCH_NS

#endif  // SOFTPATCH_BENCH_HEADER_TARGETS_H
