#!/usr/bin/env bash
# What a developer waits for after saving a handler of examples/counter_server,
# and what they lose: the same edits applied by `softpatch run` (patched
# live) and by `softpatch run --no-patch` (rebuild and restart, what any
# watch-and-restart tool does), one after the other in one run. Times from
# the save to the first response showing the new code; medians of ROUNDS.
#   bench/server_edit.sh [softpatch build dir] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
rounds=${2:-5}
work=$(mktemp -d /tmp/softpatch-server-edit-XXXXXX)
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR"
runner=""
trap '[ -n "$runner" ] && kill -INT $runner 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

cp -r "$here/../examples/counter_server" "$work/src"
cmake -S "$work/src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null
cmake --build "$work/build" >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
edit=0

# Runs the rounds under `softpatch run $*`; prints "median-seconds counts-before counts-after".
measure() {
  (cd "$work/src" && exec "$build/bin/softpatch" run "$@" -p ../build --build "cmake --build ../build" -- \
    ../build/counter_server --port "$port" --log ../server.log) >/dev/null 2>"$work/softpatch.out" </dev/null &
  runner=$!
  until curl -s "$url/status" >/dev/null; do sleep 0.05; done
  for _ in 1 2 3; do curl -s "$url/count/apples" >/dev/null; done
  local times=() before after
  before=$(curl -s "$url/count/apples" | grep -o '[0-9]\+' | head -1)
  for _ in $(seq "$rounds"); do
    edit=$((edit + 1))
    local start
    start=$(now)
    sed -i "s|return key + .*|return key + \": \" + std::to_string(count) + \" (edit $edit)\\\\n\";|" \
      "$work/src/src/counters.cpp"
    local tries=0
    until curl -s "$url/count/apples" 2>/dev/null | grep -q "(edit $edit)"; do
      sleep 0.01
      tries=$((tries + 1))
      ((tries < 6000)) || { echo "server_edit: edit $edit never took effect:" >&2; cat "$work/softpatch.out" >&2; exit 1; }
    done
    times+=("$(echo "$(now) - $start" | bc)")
  done
  after=$(curl -s "$url/count/apples" | grep -o '[0-9]\+' | head -1)
  kill -INT $runner && wait $runner || true
  runner=""
  echo "$(printf '%s\n' "${times[@]}" | median) $before $after"
}

read -r live live_before live_after < <(measure)
read -r restart restart_before restart_after < <(measure --no-patch)
printf 'save to new response, median of %d edits of src/counters.cpp (Debug):\n' "$rounds"
printf '  softpatch run (patched live):       %.2f s; apples counted %s before the edits, %s after (kept; every request counts)\n' \
  "$live" "$live_before" "$live_after"
printf '  softpatch run --no-patch (restart): %.2f s; apples counted %s before the edits, %s after (lost with the process)\n' \
  "$restart" "$restart_before" "$restart_after"
printf '  restart / patch: %.2fx\n' "$(echo "scale=2; $restart / $live" | bc)"
