#!/usr/bin/env bash
# Edit-to-live latency: a running program's source file is edited, patched
# with `softpatch patch`, and asked until it answers with the new code; next
# to it, a plain compile of the same file with the same flags (the command
# ninja runs for an uninstrumented copy). Alternated, ROUNDS of each; prints
# the medians and their ratio.
#   bench/edit_to_live.sh [softpatch build dir] [Debug|Release] [ROUNDS]
# The goal (issue 3): edit-to-live at most 1.2x the plain compile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
type=${2:-Debug}
rounds=${3:-10}
work=$(mktemp -d /tmp/softpatch-edit-to-live-XXXXXX)
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR"

# A realistic file: the build-time sample's (nine standard headers, a class,
# 60 functions), plus the function the edits change.
"$here/generate_sample.sh" "$work/src" 1
echo 'const char* sample_version() { return "v0"; }' >>"$work/src/file1.cpp"
cat >"$work/src/main.cpp" <<'CPP'
#include <iostream>
#include <string>
const char* sample_version();
int main() {
  for (std::string line; std::getline(std::cin, line);) std::cout << sample_version() << std::endl;
}
CPP
cat >"$work/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(edit_to_live CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(softpatch CONFIG REQUIRED)
add_executable(app src/main.cpp src/file1.cpp)
softpatch_instrument(app)
add_library(plain OBJECT src/file1.cpp)
CMAKE
cmake -S "$work" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
  -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null
ninja -C "$work/build" >/dev/null
plain_compile=$(ninja -C "$work/build" -t commands CMakeFiles/plain.dir/src/file1.cpp.o | tail -1)

mkfifo "$work/in"
SOFTPATCH_AGENT=1 "$work/build/app" <"$work/in" >"$work/out.txt" 2>&1 &
app=$!
exec 3>"$work/in"
trap 'exec 3>&-; wait $app 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -S "$XDG_RUNTIME_DIR/softpatch/$app.sock" ] && break; sleep 0.1; done

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

live=() plain=()
for round in $(seq 1 "$rounds"); do
  start=$(now)
  sed -i "s/return \"v$((round - 1))\"/return \"v$round\"/" "$work/src/file1.cpp"
  (cd "$work" && "$build/bin/softpatch" patch --pid "$app" -p build src/file1.cpp >/dev/null)
  echo ask >&3
  until grep -qx "v$round" "$work/out.txt"; do sleep 0.005; done
  live+=("$(echo "$(now) - $start" | bc)")

  start=$(now)
  (cd "$work/build" && eval "$plain_compile")
  plain+=("$(echo "$(now) - $start" | bc)")
done
live_median=$(printf '%s\n' "${live[@]}" | median)
plain_median=$(printf '%s\n' "${plain[@]}" | median)
printf 'edit-to-live of a %d-line file (%s, %d rounds): softpatch patch %.2f s, plain compile %.2f s, ratio %.2fx\n' \
  "$(wc -l <"$work/src/file1.cpp")" "$type" "$rounds" "$live_median" "$plain_median" \
  "$(echo "scale=2; $live_median / $plain_median" | bc)"
