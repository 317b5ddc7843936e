// Cost of an instrumented call against the same function built without
// softpatch, side by side in one run: unpatched, patched (the slot set, as
// a patch sets it, to code of the same kind in another file) and mocked
// (softpatch::mock with a capturing lambda):
//   build/bench/call_overhead --benchmark_min_time=0.5
// Non-inlined: the callee is in another file (no LTO). Inlinable: loop and
// callee in one file, so the compiler may inline the trampoline too.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "call_targets.h"
#include "softpatch/mock.h"
#include "softpatch/registry.h"

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
BENCHMARK(free_function<patched::add>)->Name("non_inlined/free_function/patched");
BENCHMARK(free_function<mocked::add>)->Name("non_inlined/free_function/mocked");

template <class Accumulator>
void method(benchmark::State& state) {
  Accumulator acc;
  for (auto _ : state) benchmark::DoNotOptimize(acc.add(1));
}
BENCHMARK(method<plain::Accumulator>)->Name("non_inlined/method/plain");
BENCHMARK(method<instrumented::Accumulator>)->Name("non_inlined/method/instrumented");
BENCHMARK(method<patched::Accumulator>)->Name("non_inlined/method/patched");
BENCHMARK(method<mocked::Accumulator>)->Name("non_inlined/method/mocked");

// 1000 calls per iteration; the reported time is divided back per call.
template <long (*Sum)(int)>
void inlinable(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Sum(1000));
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(inlinable<plain::sum_inline>)->Name("inlinable_x1000/plain");
BENCHMARK(inlinable<instrumented::sum_inline>)->Name("inlinable_x1000/instrumented");
BENCHMARK(inlinable<plain::sum_header_inline>)->Name("header_inlinable_x1000/plain");
BENCHMARK(inlinable<instrumented::sum_header_inline>)->Name("header_inlinable_x1000/instrumented");

// The patched copies call plain code from their slots, as they would a patch's.
void patch(const char* name, softpatch::internal::RawFunction target) {
  softpatch::Result<softpatch::Function> f = softpatch::find_function(name);
  if (!f) {
    std::fprintf(stderr, "call_overhead: %s\n", f.error().c_str());
    std::exit(1);
  }
  f->slot().exchange(target);
}

}  // namespace

int main(int argc, char** argv) {
  using softpatch::internal::RawFunction;
  patch("patched::add(int, int)", reinterpret_cast<RawFunction>(&plain::add));
  patch("patched::Accumulator::add(int)", reinterpret_cast<RawFunction>(&plain::accumulate));
  // The mocked copies answer through softpatch::mock with a capturing
  // replacement, as a test would set them.
  int offset = argc > 1000 ? 1 : 0;  // a capture the compiler cannot fold
  auto add = softpatch::mock<&mocked::add>([offset](int a, int b) { return a + b + offset; });
  auto accumulate = softpatch::mock<&mocked::Accumulator::add>(
      [offset](mocked::Accumulator& self, int x) { return self.total += x + offset; });
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
