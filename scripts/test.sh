#!/usr/bin/env bash
# Builds softpatch and runs the whole test suite:
#   1. the main build (tools, runtime, examples, benchmarks) and its CTest suite;
#   2. the runtime and its tests again under AddressSanitizer + UBSan.
# BUILD_DIR (default: build) names the main build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
jobs=${JOBS:-2}

cmake -S "$root" -B "$build" -G Ninja >/dev/null
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

sanitized=$build-asan
cmake -S "$root" -B "$sanitized" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DSOFTPATCH_BUILD_TOOLS=OFF -DSOFTPATCH_CC="$build/bin/softpatch-cc" \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  >/dev/null
cmake --build "$sanitized" -j "$jobs"
ctest --test-dir "$sanitized" --output-on-failure -j "$jobs"
