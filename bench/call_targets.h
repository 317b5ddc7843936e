#ifndef SOFTPATCH_BENCH_CALL_TARGETS_H
#define SOFTPATCH_BENCH_CALL_TARGETS_H

#define BENCH_DECLARE(ns)                   \
  namespace ns {                            \
  int add(int a, int b);                    \
  struct Accumulator {                      \
    int total = 0;                          \
    int add(int x);                         \
  };                                        \
  long sum_inline(int n);                   \
  long sum_header_inline(int n);            \
  int accumulate(Accumulator* self, int x); \
  }

BENCH_DECLARE(plain)
BENCH_DECLARE(instrumented)
BENCH_DECLARE(patched)
BENCH_DECLARE(mocked)

#endif  // SOFTPATCH_BENCH_CALL_TARGETS_H
