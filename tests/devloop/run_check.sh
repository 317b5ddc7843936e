#!/usr/bin/env bash
# softpatch run against a real program: a .cpp edit is patched live (same
# pid, state kept), a header edit rebuilds and restarts (new pid), code that
# does not compile and a failed build leave the program running, a touch does
# nothing, 500 new files give one action, Ctrl-C stops everything.
#   run_check.sh <softpatch build dir> <work dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/e2e.sh" "$@"
app=$work/app
fail() {
  echo "run: $*" >&2
  echo "--- softpatch said:" >&2; cat "$work/err.txt" >&2
  echo "--- the program said:" >&2; cat "$work/out.txt" >&2
  exit 1
}

cmake -S "$app" -B "$app/build" -G Ninja -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null
ninja -C "$app/build" >/dev/null || fail "build failed"

# softpatch run in a session of its own (setsid, no fork: the subshell leads
# no group), so that what it starts is known by its session id ($runner):
# the check that nothing is left behind, and the cleanup on a failure, see
# those processes and no others.
mkfifo "$work/in"
(cd "$app" && exec setsid "$softpatch" run -p build --build "ninja -C build" -- ./build/app) \
  <"$work/in" >"$work/out.txt" 2>"$work/err.txt" &
runner=$!
exec 3>"$work/in"
# Processes of the session, zombies left out: "pid command" lines.
in_session() { ps -o pid=,stat=,args= -s "$1" | awk '$2 !~ /^Z/ { $2 = ""; print }' || true; }
# Ctrl-C for softpatch, then SIGKILL for what is left of its session.
stop_runner() {
  kill -INT "$runner" 2>/dev/null || true
  eventually ended "$runner" || true
  local left
  left=$(in_session "$runner" | awk '{ print $1 }')
  [ -z "$left" ] || kill -KILL $left 2>/dev/null || true
  kill_leftovers
  wait "$runner" 2>/dev/null || true
}
trap 'stop_runner; exec 3>&-' EXIT

# Waits until softpatch has printed a line matching $1 after line $2 (0:
# any); prints it.
said() {
  line=$(tail -n +"$((${2:-0} + 1))" "$work/err.txt" | grep -E "$1" | tail -1 || true)
  [ -n "$line" ]
}
await() {
  eventually said "$@" || fail "softpatch never said: $1"
  echo "$line"
}
answered() { grep -q "^.* $1 #" "$work/out.txt"; }
say() {
  echo "$1" >&3
  eventually answered "$1" || fail "no answer to $1"
}
answer() { grep " $1 #" "$work/out.txt" | tail -1; }
# Lines of what softpatch did (the "building (...)…" line that opens a build is not an action).
lines() { grep -vc "^softpatch: building (" "$work/err.txt" || true; }

started=$(await "^softpatch: started ./build/app, pid [0-9]+$")
pid1=${started##* }
say one
[ "$(answer one)" = "hello one #1 pid $pid1" ] || fail "first answer: $(answer one)"

# A .cpp edit (sed -i saves by renaming a temporary file): patched live.
sed -i 's/"hello "/"HELLO "/' "$app/src/greet.cpp"
await "^src/greet.cpp → patch 1: 1 changed \(greet\) in [0-9.]+ s$" >/dev/null
say two
[ "$(answer two)" = "HELLO two #2 pid $pid1" ] || fail "after the patch: $(answer two)"

# Unchanged content (touch, a no-op save): nothing happens.
before=$(lines)
touch "$app/src/greet.cpp"
cp "$app/src/greet.h" "$app/src/greet.h.copy" && cat "$app/src/greet.h.copy" >"$app/src/greet.h"
rm "$app/src/greet.h.copy"
sleep 1
[ "$(lines)" = "$before" ] || fail "a touch or a no-op save did something"

# Code that does not compile: the compiler's errors, the program keeps its code.
sed -i 's/"HELLO "/"HELLO " +/' "$app/src/greet.cpp"
await "^src/greet.cpp → does not compile; the program keeps running:$" >/dev/null
grep -q "greet.cpp:7" "$work/err.txt" || fail "the compiler's errors are not shown"
say three
[ "$(answer three)" = "HELLO three #3 pid $pid1" ] || fail "after a bad edit: $(answer three)"
# Mended, the file says again what runs: nothing to load.
sed -i 's/"HELLO " +/"HELLO "/' "$app/src/greet.cpp"
await "^src/greet.cpp: no change in the code that runs \(nothing loaded\)$" >/dev/null

# The build directory taken away under it (a clean build, say): softpatch
# run goes on; a .cpp saved meanwhile is in no build, and is left alone.
mv "$app/build" "$app/build.away"
echo "// saved while the build directory is away" >>"$app/src/greet.cpp"
await "^src/greet.cpp → not part of the build " >/dev/null
mv "$app/build.away" "$app/build"
ended "$runner" && fail "softpatch run ended when its build directory went away"
say three-and-a-half
[ "$(answer three-and-a-half)" = "HELLO three-and-a-half #4 pid $pid1" ] ||
  fail "after the build directory came back: $(answer three-and-a-half)"

# A header edit: rebuild and restart, new pid, state starts over.
echo "// a comment that changes the header" >>"$app/src/greet.h"
restart=$(await "^src/greet.h → restart \(header changed\): build [0-9.]+ s, pid $pid1 → [0-9]+$")
pid2=${restart##* }
[ "$pid2" != "$pid1" ] || fail "the same pid after a restart"
kill -0 "$pid1" 2>/dev/null && fail "the old program still runs"
say four
[ "$(answer four)" = "HELLO four #1 pid $pid2" ] || fail "after the restart: $(answer four)"

# A header that breaks the build: the running program is left alone.
echo "this does not compile" >>"$app/src/greet.h"
await "^src/greet.h → restart \(header changed\): build failed in [0-9.]+ s; the program keeps running:$" >/dev/null
say five
[ "$(answer five)" = "HELLO five #2 pid $pid2" ] || fail "after a failed build: $(answer five)"
sed -i '/this does not compile/d' "$app/src/greet.h"
restart=$(await "^src/greet.h → restart \(header changed\): build [0-9.]+ s, pid $pid2 → [0-9]+$")
pid3=${restart##* }

# 500 files at once (a checkout, say): one action. Written outside the tree
# and moved in whole: a loop writing them in place can be paused, on a busy
# machine, for longer than the debounce (75 ms quiet, 1 s at most).
before=$(lines)
mkdir "$work/data"
for i in $(seq 500); do echo "$i" >"$work/data/file$i.txt"; done
mv "$work/data" "$app/data"
await "^data/file[0-9]+.txt \(\+499 more\) → restart \(not C\+\+ source\): build [0-9.]+ s, pid $pid3 → [0-9]+$" >/dev/null
sleep 1.2
[ "$(($(lines) - before))" = 1 ] || fail "500 new files gave more than one action"

# Patched code that crashes: softpatch names the patch, and the program comes
# back as last built, without it.
since=$(lines)
sed -i 's|^std::string greet(const std::string& who) {|&\n  if (who == "crash") *(volatile int*)nullptr = 0;|' "$app/src/greet.cpp"
await "^src/greet.cpp → patch 1: " "$since" >/dev/null
echo crash >&3
await "died from SIGSEGV with patches active: 1 \(src/greet.cpp\); restarting it as last built$" "$since" >/dev/null
# The crashing thread, named: the patched function first, in its patch; then main.
await "^softpatch: the crashing thread:$" "$since" >/dev/null
await "^  #0 greet\(std::string const&\)\+0x[0-9a-f]+ \(patch 1, src/greet.cpp\)$" "$since" >/dev/null
await "^  #1 main\+0x[0-9a-f]+ \(app\)$" "$since" >/dev/null
await "^softpatch: the crash is in patch 1: src/greet.cpp still holds the code that crashed" "$since" >/dev/null
await "^softpatch: restarted ./build/app, pid [0-9]+$" "$since" >/dev/null
say six
grep -q "^HELLO six #1 pid" "$work/out.txt" || fail "after the crash: $(answer six)"

# Ctrl-C: softpatch stops the program, then exits.
last=$(grep -E "(→|pid) [0-9]+$" "$work/err.txt" | tail -1)
pid4=${last##* }
kill -INT $runner
wait $runner || true
kill -0 "$pid4" 2>/dev/null && fail "the program outlived softpatch"
left=$(in_session "$runner")
[ -z "$left" ] || fail "left behind in softpatch run's session: $left"
trap - EXIT
exec 3>&-
# Any command (--no-patch); one that ends is restarted, waiting longer each time.
mkdir "$work/plain"
(cd "$work/plain" && exec setsid "$softpatch" run --no-patch --restart-on-exit -- sh -c 'echo ran; exit 3') \
  </dev/null >"$work/out.txt" 2>"$work/err.txt" &
runner=$!
trap stop_runner EXIT
await "exited with status 3; restarting in 1000 ms$" >/dev/null
grep -q "exited with status 3; restarting in 500 ms$" "$work/err.txt" || fail "no backoff"
kill -INT $runner
status=0
wait $runner || status=$?
trap - EXIT
# Ctrl-C in a backoff: softpatch exits with the last instance's status, 3.
# On a busy machine it may come while the next instance runs: that one is
# stopped (SIGTERM, 143), or had just exited by itself (3).
instances=$(grep -cE "^softpatch: (started|restarted) sh, pid [0-9]+$" "$work/err.txt" || true)
exits=$(grep -c "exited with status 3; restarting in" "$work/err.txt" || true)
if [ "$instances" = "$exits" ]; then
  [ "$status" = 3 ] || fail "softpatch run exited with $status, not the program's 3"
else
  [ "$status" = 3 ] || [ "$status" = 143 ] ||
    fail "softpatch run exited with $status, not the stopped program's 143 (or 3)"
fi
[ "$(grep -c '^ran$' "$work/out.txt")" -ge 2 ] || fail "the program's output did not pass through"

# A long build says so while it runs, not only when it ends.
(cd "$work/plain" && exec setsid "$softpatch" run --no-patch --build "sleep 6" -- sleep 100) \
  </dev/null >"$work/out.txt" 2>"$work/err.txt" &
runner=$!
trap stop_runner EXIT
await "^softpatch: building \(sleep 6\)… [5-9] s$" >/dev/null
await "^softpatch: started sleep, pid [0-9]+$" >/dev/null
kill -INT $runner
wait $runner || true
trap - EXIT

echo "run: patched live (pid $pid1), restarted on header edits ($pid2, $pid3, $pid4), stopped on Ctrl-C"
