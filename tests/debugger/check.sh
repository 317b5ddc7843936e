#!/usr/bin/env bash
# The debugger sees patched code: gdb attached after a patch, or before it,
# breaks on a patched line and on the patched function by name, shows the
# backtrace, the new source and the new locals.
#   check.sh <softpatch build dir> <work dir>
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v gdb >/dev/null || { echo "debugger: gdb is not installed: skipped"; exit 0; }
build=$(cd "$1" && pwd) work=$2
softpatch=$build/bin/softpatch
rm -rf "$work" && mkdir -p "$work" && cp -r "$here/../cli/app" "$work/app"
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR"
fail() { echo "debugger: $*" >&2; exit 1; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
}
trap cleanup EXIT

cmake -S "$work/app" -B "$work/app/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null || fail "configure failed"
ninja -C "$work/app/build" >/dev/null || fail "build failed"
# The edit: a new local on line 7, the function's body after it; the rest
# of the file as it is.
sed 's|^  return "hello " + who|  std::string patched_prefix = "patched ";\n  return patched_prefix + who|' \
  "$work/app/src/greet.cpp" >"$work/greet.new"
grep -q "patched_prefix" "$work/greet.new" || fail "the edit did not apply"

# start NAME: the program with its agent; sets $pid, and $fifo to feed it.
start() {
  fifo=$work/$1.in
  mkfifo "$fifo"
  SOFTPATCH_AGENT=1 "$work/app/build/app" <"$fifo" >"$work/$1.out" 2>&1 &
  pid=$!
  pids+=("$pid")
  exec 3<>"$fifo"  # held open: the program never sees the end of its input
  for _ in $(seq 1200); do
    "$softpatch" status --pid $pid >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  fail "$1 did not start: $(cat "$work/$1.out")"
}
patch_it() {
  cp "$work/greet.new" "$work/app/src/greet.cpp"
  "$softpatch" patch -p "$work/app/build" --pid "$pid" "$work/app/src/greet.cpp" >"$work/patch-$1.txt" 2>&1 ||
    fail "$1: the patch failed: $(cat "$work/patch-$1.txt")"
}
# feed: a line every 0.2 s until gdb ($1) is gone, so that a breakpoint set
# at any moment is hit.
# Waits for $gate to exist first, when set.
gate=""
feed() {
  while [ -n "$gate" ] && [ ! -e "$gate" ] && kill -0 "$1" 2>/dev/null; do sleep 0.05; done
  while kill -0 "$1" 2>/dev/null; do echo line >&3; sleep 0.2; done
}
# debug NAME GDB-ARGS...: gdb in batch mode on $pid, for at most 120 s.
debug() {
  local name=$1
  shift
  timeout 120 gdb -nx -batch -p "$pid" "$@" >"$work/gdb-$name.txt" 2>&1 &
  local gdb=$!
  feed $gdb &
  wait $gdb
}
expect_in() {  # expect_in NAME TEXT
  grep -qF -- "$2" "$work/gdb-$1.txt" || fail "$1: gdb did not show '$2':
$(grep -vE '^\[New LWP|^warning: ' "$work/gdb-$1.txt" | tail -30)"
}

# Attached after the patch: a line of the patch, by file and line.
start after
patch_it after
debug after -ex "break greet.cpp:8" -ex continue -ex bt -ex "print patched_prefix" -ex "list 7,8" \
  -ex "info sharedlibrary"
expect_in after "greet.cpp:8"
expect_in after "patched_prefix + who"          # list: the new source
expect_in after '= "patched "'                  # print: the new local
expect_in after "#0  greet"                     # bt
grep -E "Yes.*$pid-loaded-" "$work/gdb-after.txt" >/dev/null ||
  fail "after: the patch's symbols were not read: $(grep -i loaded "$work/gdb-after.txt")"

# By name, in the same program: a call passes through the old function's
# entry (its trampoline), then stops in the patch's code.
debug by-name -ex "break greet" -ex continue -ex "info symbol \$pc" -ex continue \
  -ex "info symbol \$pc" -ex bt
expect_in by-name "(2 locations)"
expect_in by-name "hit Breakpoint 1."
grep -E "in section .text of .*$pid-loaded-" "$work/gdb-by-name.txt" >/dev/null ||
  fail "by name: stopped outside the patch: $(grep -i 'section' "$work/gdb-by-name.txt")"

# Attached before the patch: the patch is loaded while gdb watches.
start before
gate=$work/patched-before  # lines only once the patch is in
(
  # patch once gdb is attached and the program runs again
  for _ in $(seq 600); do
    grep -q "^TracerPid:[[:space:]]*[1-9]" /proc/$pid/status 2>/dev/null && break
    sleep 0.05
  done
  patch_it before
  touch "$gate"
) &
patcher=$!
debug before -ex "set breakpoint pending on" -ex "break greet.cpp:8" -ex continue -ex bt \
  -ex "print patched_prefix"
wait $patcher || fail "before: the patch failed: $(cat "$work/patch-before.txt" 2>/dev/null)"
expect_in before '= "patched "'
expect_in before "#0  greet"
echo "debugger: gdb breaks in patched code, by line and by name, attached after and before the patch"
