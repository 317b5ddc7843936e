#!/usr/bin/env bash
# Clean-build time of a generated sample project, plain vs instrumented, built
# side by side in one run with the same compiler and flags; prints the ratio.
#   bench/build_time.sh [softpatch build dir] [Debug|Release] [files] [shared|distinct]
# The goal (issue 2): instrumented at most 1.3x plain.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
type=${2:-Release}
files=${3:-48}
preambles=${4:-shared}
work=$(mktemp -d /tmp/softpatch-build-time-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$here/generate_sample.sh" "$work/src" "$files" "$preambles"
cat >"$work/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(build_time_sample CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(softpatch CONFIG REQUIRED)
file(GLOB sources src/*.cpp)
add_library(sample_plain STATIC \${sources})
add_library(sample_instrumented STATIC \${sources})
softpatch_instrument(sample_instrumented)
CMAKE
cmake -S "$work" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
  -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null

# Each clean build starts with an empty preamble cache: it pays for building
# the precompiled preambles it then uses.
clean_build() {
  ninja -C "$work/build" -t clean >/dev/null
  rm -rf "$work/cache"
  local start end
  start=$(date +%s.%N)
  SOFTPATCH_CACHE_DIR="$work/cache" ninja -C "$work/build" -j2 "$1" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

# Alternate the two, twice each, and keep the best of each.
best_plain=999999 best_instrumented=999999
for round in 1 2; do
  p=$(clean_build sample_plain)
  i=$(clean_build sample_instrumented)
  best_plain=$(echo "if ($p < $best_plain) $p else $best_plain" | bc)
  best_instrumented=$(echo "if ($i < $best_instrumented) $i else $best_instrumented" | bc)
done
ratio=$(echo "scale=2; $best_instrumented / $best_plain" | bc)
printf 'clean build of %d files (%s, %s preambles, -j2): plain %.2f s, instrumented %.2f s, ratio %.2fx\n' \
  "$files" "$type" "$preambles" "$best_plain" "$best_instrumented" "$ratio"
