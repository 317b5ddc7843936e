// Cost of an unpatched instrumented call against the same function built
// without softpatch, side by side in one run:
//   build/bench/call_overhead --benchmark_min_time=0.5
// Non-inlined: the callee is in another file (no LTO). Inlinable: loop and
// callee in one file, so the compiler may inline the trampoline too.
#include <benchmark/benchmark.h>

#include "call_targets.h"

namespace {

template <int (*Add)(int, int)>
void free_function(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) {
    x = Add(x, 1);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(free_function<plain::add>)->Name("non_inlined/free_function/plain");
BENCHMARK(free_function<instrumented::add>)->Name("non_inlined/free_function/instrumented");

template <class Accumulator>
void method(benchmark::State& state) {
  Accumulator acc;
  for (auto _ : state) benchmark::DoNotOptimize(acc.add(1));
}
BENCHMARK(method<plain::Accumulator>)->Name("non_inlined/method/plain");
BENCHMARK(method<instrumented::Accumulator>)->Name("non_inlined/method/instrumented");

// 1000 calls per iteration; the reported time is divided back per call.
template <long (*Sum)(int)>
void inlinable(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Sum(1000));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(inlinable<plain::sum_inline>)->Name("inlinable_x1000/plain");
BENCHMARK(inlinable<instrumented::sum_inline>)->Name("inlinable_x1000/instrumented");

}  // namespace

BENCHMARK_MAIN();
