// Applying a patch that replaces 1,000 functions, and rolling it back:
//   build/bench/patch_apply
// "apply" is all of load_patch: the patch file copied and dlopen'ed, its
// whole manifest checked against the program, then every slot switched.
// "rollback" switches the 1,000 slots back. The patch is built for this
// binary after it is linked (softpatch build, see CMakeLists.txt).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "softpatch/loader.h"
#include "softpatch/registry.h"

int generated_function_count();

namespace {

void check(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "patch_apply: %s\n", what.c_str());
  std::exit(1);
}

void apply(benchmark::State& state) {
  for (auto _ : state) {
    softpatch::Result<softpatch::PatchInfo> patch = softpatch::load_patch(SOFTPATCH_BENCH_PATCH);
    state.PauseTiming();
    check(patch.ok(), patch ? "" : patch.error());
    check(patch->functions == static_cast<std::size_t>(generated_function_count()),
          "the patch replaces " + std::to_string(patch->functions) + " functions");
    check(softpatch::rollback().ok(), "rollback failed");
    state.ResumeTiming();
  }
}
// Every iteration maps another copy of the patch, and patches stay mapped.
BENCHMARK(apply)->Name("apply_1000_functions")->Iterations(50)->Unit(benchmark::kMillisecond);

void roll_back(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    softpatch::Result<softpatch::PatchInfo> patch = softpatch::load_patch(SOFTPATCH_BENCH_PATCH);
    check(patch.ok(), patch ? "" : patch.error());
    state.ResumeTiming();
    check(softpatch::rollback().ok(), "rollback failed");
  }
}
BENCHMARK(roll_back)
    ->Name("rollback_1000_functions")
    ->Iterations(50)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
