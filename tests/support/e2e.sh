# Sourced by the end-to-end scripts: their arguments, a fresh work directory
# holding a copy of the test's app (its folder's app/, if it has one), and
# private agent and cache directories.
#   . "$here/../support/e2e.sh" "$@"     (with $here the script's directory)
# Sets: build (softpatch's build dir), work, softpatch (the command).
set -euo pipefail
build=$(cd "$1" && pwd) work=$2
softpatch=$build/bin/softpatch
rm -rf "$work" && mkdir -p "$work"
[ ! -d "$here/app" ] || cp -r "$here/app" "$work/app"
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR"

# Waiting, on a machine that may be busy with other builds: each wait is for
# an event (a line printed, an agent answering, a process ending), checked
# every 50 ms, and gives up only after $patience seconds.
patience=${SOFTPATCH_TEST_PATIENCE:-120}
# eventually COMMAND...: true once COMMAND succeeds, false if it never does.
eventually() {
  local deadline=$((SECONDS + patience))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}
# ended PID: the process has ended (a zombie not yet waited for has).
ended() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [ "${stat%% *}" = Z ]
}
# answers PID: its agent takes requests (its socket is there and listening).
answers() { "$softpatch" status --pid "$1" >/dev/null 2>&1; }
# kill_leftovers: SIGKILL for every process whose command line names the work
# directory: what the test started, detached ones too (a precompiled-preamble
# build, say), and nothing else (the directory is the test's own).
kill_leftovers() {
  local proc pid cmdline
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] || continue
    cmdline=$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline") || continue
    [[ $cmdline != *"$work/"* ]] || kill -KILL "$pid" 2>/dev/null || true
  done
}
# end_started: for an EXIT trap. Every job of the script (its programs, a
# softpatch still running) killed and reaped, and whatever else names the
# work directory, so nothing is left running even after a failure.
end_started() {
  local jobs
  jobs=$(jobs -p)
  [ -z "$jobs" ] || kill -KILL $jobs 2>/dev/null || true
  kill_leftovers
  wait 2>/dev/null || true
}

# build_app CXX TYPE: configures and builds $work/app with compiler CXX and
# build type TYPE; calls the script's `fail` (logs shown) when a step fails
# or softpatch-cc compiled a file uninstrumented.
build_app() {
  cmake -S "$work/app" -B "$work/app/build" -G Ninja -DCMAKE_CXX_COMPILER="$1" \
    -DCMAKE_BUILD_TYPE="$2" -Dsoftpatch_DIR="$build/cmake/build-tree" >"$work/configure.log" 2>&1 ||
    { cat "$work/configure.log" >&2; fail "configure failed"; }
  ninja -C "$work/app/build" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "build failed"; }
  ! grep -q "not instrumented" "$work/build.log" || { cat "$work/build.log" >&2; fail "a file fell back"; }
}
# start_app: starts $work/app/build/app with its agent, its output in
# $work/out.txt and its input a fifo written through fd 3 (closing it ends
# the program); sets `app` to its pid. An EXIT trap ends everything started.
start_app() {
  mkfifo "$work/in"
  SOFTPATCH_AGENT=1 "$work/app/build/app" <"$work/in" >"$work/out.txt" 2>&1 &
  app=$!
  exec 3>"$work/in"
  trap 'exec 3>&- || true; end_started' EXIT
}
# answered N: the started app has printed its answer to N.
answered() { grep -q "^$1: " "$work/out.txt"; }
# say N EXPECTED: writes N to the started app; its answer is EXPECTED, then
# its pid (the script's `fail` otherwise). Each N is said once.
say() {
  echo "$1" >&3
  eventually answered "$1" || fail "no answer to $1"
  grep -qx "$1: $2, pid $app" "$work/out.txt" || fail "answer to $1 is not '$2'"
}
