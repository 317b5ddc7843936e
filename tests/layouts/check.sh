#!/usr/bin/env bash
# Every target layout instrumented (static, shared and object libraries,
# plain and instrumented consumers, a program linking two instrumented
# libraries), at the project's own standard: it links, runs as the plain
# build does, compiles with the plain build's standard and defines, its
# functions are registered, and a shared library's file patches live.
#   check.sh <softpatch build dir> <work dir> <C++ standard: 11, 14...>
set -uo pipefail
build=$(cd "$1" && pwd) work=$2 std=$3
here=$(cd "$(dirname "$0")" && pwd)
softpatch=$build/bin/softpatch
rm -rf "$work" && mkdir -p "$work" && cp -r "$here/project" "$work/project"
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR"
fail() { echo "layouts (c++$std): $*" >&2; exit 1; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
}
trap cleanup EXIT

for kind in plain instrumented; do
  flag=ON
  [ $kind = plain ] && flag=OFF
  cmake -S "$work/project" -B "$work/$kind" -G Ninja -DSTD="$std" -DINSTRUMENT=$flag \
    -Dsoftpatch_DIR="$build/cmake/build-tree" >"$work/$kind-configure.log" 2>&1 ||
    fail "$kind: configure failed: $(tail -5 "$work/$kind-configure.log")"
  ninja -C "$work/$kind" >"$work/$kind-build.log" 2>&1 ||
    fail "$kind: build failed: $(grep -m5 -E 'error|undefined' "$work/$kind-build.log")"
done
if grep -q "softpatch-cc" "$work/instrumented-build.log"; then
  fail "softpatch-cc warned (a fallback?): $(grep -m3 softpatch-cc "$work/instrumented-build.log")"
fi

# The same standard and defines for every file as in the plain build.
python3 - "$work/plain/compile_commands.json" "$work/instrumented/compile_commands.json" "$std" <<'PY' ||
import json, os, shlex, sys
def flags(path):
    out = {}
    for entry in json.load(open(path)):
        words = entry.get("arguments") or shlex.split(entry["command"])
        kept = [w for w in words if w.startswith(("-std=", "-D", "-O", "-f", "-m"))]
        out[os.path.basename(entry["file"])] = kept
    return out
plain, instrumented = flags(sys.argv[1]), flags(sys.argv[2])
if plain != instrumented:
    sys.exit("plain %s != instrumented %s" % (plain, instrumented))
if not all("-std=gnu++%s" % sys.argv[3] in f for f in plain.values()):
    sys.exit("not all at c++%s: %s" % (sys.argv[3], plain))
PY
  fail "instrumenting changed how files compile"

# start NAME: runs the program of the instrumented build with its agent;
# sets $pid and $pipe (write a line to get a new answer in $work/NAME.out).
start() {
  mkfifo "$work/$1.in"
  SOFTPATCH_AGENT=1 "$work/instrumented/$1" <"$work/$1.in" >"$work/$1.out" 2>"$work/$1.err" &
  pid=$!
  pids+=("$pid")
  exec {pipe}>"$work/$1.in"
  for _ in $(seq 1200); do
    [ -s "$work/$1.out" ] && "$softpatch" status --pid $pid >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  fail "$1 did not start: $(cat "$work/$1.err")"
}

for program in static_user shared_user object_user all_user; do
  expected=$("$work/plain/$program" </dev/null) || fail "plain $program failed"
  start $program
  [ "$(head -1 "$work/$program.out")" = "$expected" ] ||
    fail "$program said '$(head -1 "$work/$program.out")', the plain build '$expected'"
  "$softpatch" list --pid $pid >"$work/$program.list" 2>&1 || fail "list: $(cat "$work/$program.list")"
  case $program in
    static_user) want="shapes::area(int)" ;;
    shared_user) want="greet(const std::string &)" ;;
    object_user) want="part_count()" ;;
    all_user) want="both()" ;;
  esac
  grep -qF "$want" "$work/$program.list" || fail "$program: $want is not instrumented: $(cat "$work/$program.list")"
  if [ $program = all_user ]; then
    grep -qF "shapes::area(int)" "$work/$program.list" && grep -qF "greet(const std::string &)" "$work/$program.list" ||
      fail "all_user: its libraries' functions are missing: $(cat "$work/$program.list")"
  fi
  if [ $program = shared_user ]; then
    # A file of the shared library, patched live in the program that uses it.
    sed -i 's/"hello, "/"HELLO, "/' "$work/project/greet.cpp"
    "$softpatch" patch -p "$work/instrumented" --pid $pid "$work/project/greet.cpp" >"$work/patch.txt" 2>&1 ||
      fail "patching the shared library: $(cat "$work/patch.txt")"
    echo >&$pipe
    for _ in $(seq 600); do [ "$(wc -l <"$work/$program.out")" -ge 2 ] && break; sleep 0.05; done
    [ "$(sed -n 2p "$work/$program.out")" = "HELLO, world" ] ||
      fail "after the patch the shared library said '$(sed -n 2p "$work/$program.out")'"
  fi
  exec {pipe}>&-
done
echo "layouts (c++$std): static, shared, object libraries and their consumers: linked, same flags, registered, patched"
