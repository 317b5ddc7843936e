#!/usr/bin/env bash
# The softpatch story in under a minute, on a copy of this example (your
# files are not touched): the server runs under `softpatch run`, builds up
# state, gets a handler edited and patched live (same PID, state kept), then
# a class in a header edited, which needs a rebuild and a restart (new PID,
# state lost).
# Every step is checked; the script fails if the story does not hold.
#   examples/counter_server/demo.sh [softpatch build dir]   (default: build)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
softpatch=$build/bin/softpatch
work=$(mktemp -d /tmp/softpatch-demo-XXXXXX)
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=${SOFTPATCH_CACHE_DIR:-$work/cache}
mkdir -m 700 "$XDG_RUNTIME_DIR"
runner=""
cleanup() {
  [ -n "$runner" ] && kill -INT "$runner" 2>/dev/null && wait "$runner" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if [ -t 1 ]; then bold=$'\e[1m' dim=$'\e[2m' plain=$'\e[0m'; else bold="" dim="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
note() { printf '%s%s%s\n' "$dim" "$*" "$plain"; }
fail() {
  printf 'demo: FAILED: %s\n' "$*" >&2
  note "softpatch said:" >&2; cat "$work/softpatch.out" >&2
  exit 1
}
# Shows a request and its answer; the answer is left in $reply.
request() {
  reply=$(curl -sS --max-time 5 "$@" | tr -d '\r')
  local shown="" arg
  for arg in "$@"; do
    [ -z "$arg" ] && arg="''"
    shown+=" ${arg/http:\/\/127.0.0.1:$port/}"
  done
  printf '$ curl%s\n%s\n' "$shown" "$reply"
}
expect() { [[ "$reply" == *"$1"* ]] || fail "expected '$1' in: $reply"; }
# Waits for softpatch run to print a line matching $1, shows it.
await() {
  for _ in $(seq 600); do
    if line=$(grep -E "$1" "$work/softpatch.out" | tail -1) && [ -n "$line" ]; then
      printf '%s\n' "$line"
      return
    fi
    sleep 0.1
  done
  fail "softpatch run never said: $1"
}
pid_of_server() { request "http://127.0.0.1:$port/status" >/dev/null; sed -n 's/^pid //p' <<<"$reply"; }

step "1. Building a copy of examples/counter_server (softpatch_instrument in its CMakeLists.txt)"
cp -r "$here" "$work/counter_server"
rm -f "$work/counter_server/demo.sh"
cmake -S "$work/counter_server" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null
started=$(date +%s)
cmake --build "$work/build" >/dev/null
note "built in $(($(date +%s) - started)) s, in $work"
started=$(date +%s)

step "2. Starting it under softpatch run"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cd "$work/counter_server"
echo "\$ softpatch run -p ../build --build \"cmake --build ../build\" -- ../build/counter_server --port $port"
"$softpatch" run -p ../build --build "cmake --build ../build" -- \
  ../build/counter_server --port "$port" --log ../server.log \
  >"$work/server.out" 2>"$work/softpatch.out" </dev/null &
runner=$!
await "^softpatch: started" >/dev/null
for _ in $(seq 100); do grep -q "listening on" "$work/server.out" && break; sleep 0.1; done
grep -q "listening on" "$work/server.out" || fail "the server did not start"
cat "$work/softpatch.out" "$work/server.out"

step "3. Requests build up state: counters, a session, a cache"
request "http://127.0.0.1:$port/count/apples"
request "http://127.0.0.1:$port/count/apples"
request "http://127.0.0.1:$port/count/apples"
expect "apples: 3"
request -d '' "http://127.0.0.1:$port/login?user=ada"
session=$reply
request "http://127.0.0.1:$port/square/12"
request "http://127.0.0.1:$port/square/12"
expect "1 hits, 1 misses"
before=$(pid_of_server)
note "the server's PID: $before"

step "4. Editing a handler: src/counters.cpp says it differently now"
sed -i 's|return key + ": " + std::to_string(count) + "\\n";|return key + " counted " + std::to_string(count) + " times (new code, same process)\\n";|' \
  src/counters.cpp
grep -n "new code, same process" src/counters.cpp || fail "the edit did not apply"
await "^src/counters.cpp → patch 1: 1 changed \([A-Za-z_:]+\) in [0-9.]+ s$"

step "5. The same requests: new behaviour, state kept"
request "http://127.0.0.1:$port/count/apples"
expect "apples counted 4 times (new code, same process)"
request "http://127.0.0.1:$port/whoami?session=$session"
expect "ada"
request "http://127.0.0.1:$port/square/12"
expect "2 hits, 1 misses"
after=$(pid_of_server)
[ "$after" = "$before" ] || fail "the PID changed: $before -> $after"
printf '%sPID %s before, %s after: same PID%s\n' "$bold" "$before" "$after" "$plain"

step "6. Editing a class in a header (src/state.h): objects that exist have the old layout, so softpatch run rebuilds and restarts"
sed -i 's/  long hits = 0, misses = 0;/  long hits = 0, misses = 0, evictions = 0;/' src/state.h
grep -n "evictions" src/state.h
await "^src/state.h → restart \(the declarations of src/state.h changed: .*\): build [0-9.]+ s, pid $before → [0-9]+$"
for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/status" >/dev/null && break; sleep 0.1; done

step "7. After the restart: a new process, its state starts over"
request "http://127.0.0.1:$port/count/apples"
expect "apples counted 1 times (new code, same process)"
request "http://127.0.0.1:$port/whoami?session=$session"
expect "not logged in"
restarted=$(pid_of_server)
[ "$restarted" != "$before" ] || fail "no new PID after the restart"
printf '%sPID %s before, %s after: new PID, counters and sessions lost%s\n' "$bold" "$before" \
  "$restarted" "$plain"

step "8. Stopping: Ctrl-C to softpatch run stops the server, then softpatch"
kill -INT "$runner"
wait "$runner" || true
runner=""
if pgrep -f "$work/build/counter_server" >/dev/null; then fail "a server is left behind"; fi
note "no process left behind. Done: the whole story took $(($(date +%s) - started)) s after the build."
