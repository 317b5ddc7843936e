// Functions whose call cost is measured, compiled twice: plainly (namespace
// plain) and instrumented (namespace instrumented). See call_overhead.cpp.
#include "call_targets.h"
#include "header_targets.h"

namespace BENCH_NS {

int add(int a, int b) { return a + b; }

int Accumulator::add(int x) { return total += x; }

// Accumulator::add as a patch's slot target sees it: the object first.
int accumulate(Accumulator* self, int x) { return self->total += x; }

// The inlinable case: the loop and the function it calls in one file.
static int add_inline(int a, int b) { return a + b; }

long sum_inline(int n) {
  long total = 0;
  for (int i = 0; i < n; ++i) {
    int r = add_inline(i, 1);
    asm volatile("" : "+r"(r));  // keep each call's work, allow inlining
    total += r;
  }
  return total;
}

// The same with a header's inline function: inlined, it still checks the
// program-wide slot of the header's function on each call.
long sum_header_inline(int n) {
  long total = 0;
  for (int i = 0; i < n; ++i) {
    int r = header_add(i, 1);
    asm volatile("" : "+r"(r));
    total += r;
  }
  return total;
}

}  // namespace BENCH_NS
