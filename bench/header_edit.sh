#!/usr/bin/env bash
# A header's body edit (issues 15 and 16): a running program's header with
# 40 inline functions, included by two files (one with main, one with 60
# functions of its own and more standard headers), is edited in one body,
# patched with `softpatch patch include/sample.h`, and asked until it answers
# with the new code; next to it, a plain compile of each includer with the
# same flags. Alternated, ROUNDS of each after a first patch timed on its own.
# Prints the medians and the ratios to each includer's compile.
#   bench/header_edit.sh [softpatch build dir] [Debug|Release] [ROUNDS]
# The goal: save to new answer at most 1.0x a plain compile of one file that
# includes the header.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
type=${2:-Debug}
rounds=${3:-9}
work=$(mktemp -d /tmp/softpatch-header-edit-XXXXXX)
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR"
mkdir -p "$work/src" "$work/include"

{
  echo '#pragma once'
  echo '#include <cstdint>'
  echo '#include <string>'
  echo '#include <vector>'
  echo 'inline const char* sample_version() { return "v0"; }'
  for i in $(seq 1 40); do
    cat <<CPP
inline std::uint64_t fold$i(const std::vector<std::string>& words) {
  std::uint64_t h = $i;
  for (const std::string& word : words)
    for (char c : word) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull + $i;
  return h % $((i + 7)) == 0 ? h + words.size() : h;
}
CPP
  done
} >"$work/include/sample.h"
cat >"$work/src/main.cpp" <<'CPP'
#include <iostream>
#include <string>
#include "sample.h"
int main() {
  for (std::string line; std::getline(std::cin, line);) std::cout << sample_version() << std::endl;
}
CPP
{
  echo '#include <algorithm>'
  echo '#include <map>'
  echo '#include <sstream>'
  echo '#include "sample.h"'
  for i in $(seq 1 60); do
    cat <<CPP
std::uint64_t use$i(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  std::sort(words.begin(), words.end());
  std::map<std::string, int> counts;
  for (const std::string& word : words) ++counts[word];
  return fold$((i % 40 + 1))(words) + counts.size();
}
CPP
  done
} >"$work/src/user.cpp"
cat >"$work/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(header_edit CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(softpatch CONFIG REQUIRED)
include_directories(include)
add_executable(app src/main.cpp src/user.cpp)
softpatch_instrument(app)
add_library(plain OBJECT src/main.cpp src/user.cpp)
CMAKE
cmake -S "$work" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
  -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null
ninja -C "$work/build" >/dev/null
compile_main=$(ninja -C "$work/build" -t commands "CMakeFiles/plain.dir/src/main.cpp.o" | tail -1)
compile_user=$(ninja -C "$work/build" -t commands "CMakeFiles/plain.dir/src/user.cpp.o" | tail -1)
edited=include/sample.h
source "$here/live_program.sh"  # start_with_agent, patch_round, plain_round, median
start_with_agent
timed() {
  plain_compile=$1
  plain_round
}

first=$(patch_round 1)
live=() main=() user=()
for round in $(seq 2 $((rounds + 1))); do
  live+=("$(patch_round "$round")")
  main+=("$(timed "$compile_main")")
  user+=("$(timed "$compile_user")")
done
live_median=$(printf '%s\n' "${live[@]}" | median)
main_median=$(printf '%s\n' "${main[@]}" | median)
user_median=$(printf '%s\n' "${user[@]}" | median)
printf 'header body edit (%s): first patch %.2f s, then median of %d: softpatch patch %.2f s; plain compile of main.cpp %.2f s (ratio %.2fx), of user.cpp %.2f s (ratio %.2fx)\n' \
  "$type" "$first" "$rounds" "$live_median" "$main_median" \
  "$(echo "scale=2; $live_median / $main_median" | bc)" "$user_median" \
  "$(echo "scale=2; $live_median / $user_median" | bc)"
