# Sourced by the edit-to-live benchmarks: a program around one source file
# of theirs, built instrumented, running with its agent, and the two timed
# steps they alternate. Before sourcing, set `build` (softpatch's build
# directory), `type` (Debug or Release) and `work` (a fresh directory, with
# XDG_RUNTIME_DIR and SOFTPATCH_CACHE_DIR in it), and write `$work/src/$file`
# with a function `const char* sample_version() { return "v0"; }`.

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Builds the program (`app`, instrumented) and a plain object of the file,
# and starts the program; it answers each line it reads with sample_version().
start_live_program() {
  cat >"$work/src/main.cpp" <<'CPP'
#include <iostream>
#include <string>
const char* sample_version();
int main() {
  for (std::string line; std::getline(std::cin, line);) std::cout << sample_version() << std::endl;
}
CPP
  cat >"$work/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(live_program CXX)
set(CMAKE_CXX_STANDARD 17)
find_package(softpatch CONFIG REQUIRED)
add_executable(app src/main.cpp src/$file)
softpatch_instrument(app)
add_library(plain OBJECT src/$file)
CMAKE
  cmake -S "$work" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
    -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null
  ninja -C "$work/build" >/dev/null
  plain_compile=$(ninja -C "$work/build" -t commands "CMakeFiles/plain.dir/src/$file.o" | tail -1)
  start_with_agent
}

# Starts $work/build/app with its agent, fed through fd 3, and waits for its
# agent's socket; on exit, the program ends and $work goes (unless KEEP).
start_with_agent() {
  mkfifo "$work/in"
  SOFTPATCH_AGENT=1 "$work/build/app" <"$work/in" >"$work/out.txt" 2>&1 &
  app=$!
  exec 3>"$work/in"
  trap 'exec 3>&-; wait $app 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
  for _ in $(seq 50); do [ -S "$XDG_RUNTIME_DIR/softpatch/$app.sock" ] && break; sleep 0.1; done
}

# Edit number $1 (sample_version answers "v$1") of `src/$file`, or of
# `$edited` when set (relative to $work), patched with softpatch patch:
# prints the seconds from the save to the new answer.
patch_round() {
  local round=$1 start path=${edited:-src/$file}
  start=$(now)
  sed -i "s/return \"v$((round - 1))\"/return \"v$round\"/" "$work/$path"
  (cd "$work" && "$build/bin/softpatch" patch --pid "$app" -p build "$path" >/dev/null) ||
    { echo "patch $round of $path failed" >&2; return 1; }
  echo ask >&3
  local deadline=$((SECONDS + 60))
  until grep -qx "v$round" "$work/out.txt"; do
    ((SECONDS < deadline)) || { echo "no answer v$round in 60 s" >&2; return 1; }
    sleep 0.005
  done
  echo "$(now) - $start" | bc
}

# A plain compile of the file with the same flags: prints its seconds.
plain_round() {
  local start
  start=$(now)
  (cd "$work/build" && eval "$plain_compile")
  echo "$(now) - $start" | bc
}
