#!/usr/bin/env bash
# Builds softpatch and runs the whole test suite:
#   1. the main build (tools, runtime, examples, benchmarks) and its CTest suite,
#      real projects of ../shared/corpus included (tests/projects; fmt only
#      with SOFTPATCH_CORPUS_FMT=1);
#   2. the runtime, the loader, mocks, the dev loop's libraries and their
#      tests again under ThreadSanitizer, then under AddressSanitizer + UBSan
#      (patches applied and mocks swapped while 8 threads call);
#   3. the fuzzers (Clang, libFuzzer, ASan+UBSan), FUZZ_SECONDS (60) each.
# BUILD_DIR (default: build) names the main build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-2}

cmake -S "$root" -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

# Instrumented with the main build's softpatch-cc; no Clang tools here.
sanitized_build() {
  local dir=$1 flags=$2
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DSOFTPATCH_BUILD_TOOLS=OFF -DSOFTPATCH_CC="$build/bin/softpatch-cc" \
    -DCMAKE_CXX_FLAGS="$flags -fno-omit-frame-pointer" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}
sanitized_build "$build-tsan" "-fsanitize=thread"
sanitized_build "$build-asan" "-fsanitize=address,undefined -fno-sanitize-recover=all"

# The fuzzers: the libraries under ASan+UBSan with libFuzzer's coverage.
cmake -S "$root" -B "$build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSOFTPATCH_BUILD_TOOLS=OFF \
  -DSOFTPATCH_BUILD_FUZZERS=ON -DSOFTPATCH_FUZZ_SECONDS="${FUZZ_SECONDS:-60}" \
  -DSOFTPATCH_CC="$build/bin/softpatch-cc" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  >/dev/null
cmake --build "$build-fuzz" -j "$jobs"
ctest --test-dir "$build-fuzz" --output-on-failure -j "$jobs"
cat "$build-fuzz"/tests/fuzz/*/summary.txt
