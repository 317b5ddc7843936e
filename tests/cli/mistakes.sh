#!/usr/bin/env bash
# Each mistake a user can make with the softpatch command gets its own cause,
# in one line on stderr, and a non-zero exit:
#   mistakes.sh <softpatch build dir> <work dir>
set -uo pipefail
softpatch=$(cd "$1" && pwd)/bin/softpatch work=$2
rm -rf "$work" && mkdir -p "$work/src" "$work/include" "$work/build"
export XDG_RUNTIME_DIR=$work/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
cd "$work"
echo 'int f() { return 1; }' >src/a.cpp
echo 'inline int g() { return 2; }' >include/a.h
echo 'project(x)' >CMakeLists.txt
echo 'notes' >notes.txt
sleep 600 &  # a process without an agent
plain=$!
fake=""  # a pretend agent of another version, while one runs
trap 'kill $plain $fake 2>/dev/null; wait $plain $fake 2>/dev/null' EXIT
failures=0

# expect "WHAT" "TEXT" COMMAND...: the command fails, saying TEXT in one line.
expect() {
  local what=$1 text=$2 status
  shift 2
  "$@" >out.txt 2>err.txt
  status=$?
  if [ $status -eq 0 ]; then
    echo "mistakes: $what: succeeded" >&2
    failures=$((failures + 1))
  elif ! grep -qF -- "$text" err.txt || [ "$(wc -l <err.txt)" -ne 1 ]; then
    echo "mistakes: $what: not one line saying '$text':" >&2
    cat err.txt >&2
    failures=$((failures + 1))
  fi
}

dead_pid() {  # the pid of a process that has just ended
  sh -c 'exit 0' &
  local pid=$!
  wait $pid
  echo $pid
}

expect "a file that does not exist" "src/missing.cpp: no such file" \
  "$softpatch" patch src/missing.cpp
expect "a CMake file" "CMakeLists.txt: a build file" "$softpatch" patch CMakeLists.txt
expect "not C++" "notes.txt: not a C++ source file" "$softpatch" patch notes.txt
gone=$(dead_pid)
expect "a pid with no process" "no process $gone" "$softpatch" patch --pid "$gone" src/a.cpp
expect "a process without an agent" \
  "process $plain (/usr/bin/sleep) runs no softpatch agent: start it with SOFTPATCH_AGENT=1" \
  "$softpatch" status --pid $plain
expect "patch into a process without an agent" "runs no softpatch agent" \
  "$softpatch" patch --pid $plain src/a.cpp
expect "a -p directory that does not exist" "nowhere: no such build directory" \
  "$softpatch" patch -p nowhere src/a.cpp
expect "a -p directory without a compile database" "build: no compile_commands.json in it" \
  "$softpatch" patch -p build src/a.cpp
expect "softpatch run -p a directory that does not exist" "nowhere: no such build directory" \
  "$softpatch" run -p nowhere -- true
expect "a --for binary that does not exist" "nothing/app: no such file" \
  "$softpatch" build --for nothing/app -o fix.so src/a.cpp
expect "an unknown command" "unknown command 'frobnicate'" "$softpatch" frobnicate
expect "no running program" "no running program with a softpatch agent" "$softpatch" status

# What a program that died left (socket, lock, patch files) is swept, not shown.
stale=$(dead_pid)
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
  "$XDG_RUNTIME_DIR/softpatch/$stale.sock"
mkdir -p "$XDG_RUNTIME_DIR/softpatch/patches"
touch "$XDG_RUNTIME_DIR/softpatch/$stale.lock" "$XDG_RUNTIME_DIR/softpatch/patches/$stale-1-1.so" \
  "$XDG_RUNTIME_DIR/softpatch/patches/$stale-1-1.so.cpp" "$XDG_RUNTIME_DIR/softpatch/patches/$plain-1-1.so"
expect "only a stale socket" "no running program with a softpatch agent" "$softpatch" status
for left in "$stale.sock" "$stale.lock" "patches/$stale-1-1.so" "patches/$stale-1-1.so.cpp"; do
  if [ -e "$XDG_RUNTIME_DIR/softpatch/$left" ]; then
    echo "mistakes: $left of the dead program $stale was left behind" >&2
    failures=$((failures + 1))
  fi
done
if [ ! -e "$XDG_RUNTIME_DIR/softpatch/patches/$plain-1-1.so" ]; then
  echo "mistakes: a live program's patch file was removed" >&2
  failures=$((failures + 1))
fi

# coverage needs a compile database, and says where it looked.
expect "coverage without a compile database" "no compile_commands.json in $work/build" \
  "$softpatch" coverage -p "$work/build"

# Agents of other softpatch builds (played by a script): one from before
# protocol versions, which takes "v3 ..." for an unknown request, and a newer
# one, whose records may have changed shape after its version record. Each
# is named, with what to do; no reply of theirs is read as malformed.
# fake_agent REPLY: starts a process whose agent answers REPLY to anything;
# sets fake to its pid once its socket is there.
fake_agent() {
  python3 -c '
import os, socket, sys
path = "%s/softpatch/%d.sock" % (os.environ["XDG_RUNTIME_DIR"], os.getpid())
listener = socket.socket(socket.AF_UNIX)
listener.bind(path + ".new")
listener.listen(8)
os.rename(path + ".new", path)
while True:
    client, _ = listener.accept()
    request = b"x"
    while request and not request.endswith(b"\n"):
        request = client.recv(4096)
    client.sendall(sys.argv[1].encode())
    client.close()
' "$1" &
  fake=$!
  local tries=0
  until [ -S "$XDG_RUNTIME_DIR/softpatch/$fake.sock" ] || ((++tries > 1200)); do sleep 0.05; done
}
stop_fake() {
  kill "$fake" && wait "$fake" 2>/dev/null
  rm -f "$XDG_RUNTIME_DIR/softpatch/$fake.sock"
  fake=""
}
restart="restart the program under this softpatch"
fake_agent "error unknown request 'v3'"$'\n'
expect "an agent from before protocol versions" \
  "softpatch: the agent of process $fake speaks an older, unversioned protocol, this softpatch speaks 3: $restart" \
  "$softpatch" status --pid $fake
expect "softpatch patch, an agent from before versions its only program" \
  "softpatch: the agent of process $fake speaks an older, unversioned protocol, this softpatch speaks 3: $restart" \
  "$softpatch" patch src/a.cpp
stop_fake
fake_agent "version 4"$'\n'"patch 1 src/a.cpp 1 active 1764680000 new-field"$'\n'"ok"$'\n'
expect "a load into a newer agent" \
  "softpatch: the agent of process $fake speaks protocol 4, this softpatch speaks 3: $restart" \
  "$softpatch" load --pid $fake fix.so
expect "a rollback in a newer agent" "the agent of process $fake speaks protocol 4" \
  "$softpatch" rollback --pid $fake
stop_fake

# A program that ends takes its socket and patch files with it.
agent_program=$(dirname "$softpatch")/../tests/loader/agent_test
if [ -x "$agent_program" ]; then
  mkdir -p "$XDG_RUNTIME_DIR/softpatch/patches"
  ended_pid=$(
    bash -c 'touch "$1/$$-1-1.so" "$1/$$-1-1.so.cpp"; echo $$
             SOFTPATCH_AGENT=1 exec "$2" --gtest_filter=-* >/dev/null' \
      sh "$XDG_RUNTIME_DIR/softpatch/patches" "$agent_program"
  )
  for left in "$ended_pid.sock" "patches/$ended_pid-1-1.so" "patches/$ended_pid-1-1.so.cpp"; do
    if [ -e "$XDG_RUNTIME_DIR/softpatch/$left" ]; then
      echo "mistakes: $left stayed after program $ended_pid ended" >&2
      failures=$((failures + 1))
    fi
  done
fi

# softpatch clean empties the caches.
export SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 -p "$SOFTPATCH_CACHE_DIR/patch-preambles"
a=$(printf 'a%.0s' $(seq 64)) b=$(printf 'b%.0s' $(seq 64))  # entry names, as the caches make them
touch "$SOFTPATCH_CACHE_DIR/$a.pch" "$SOFTPATCH_CACHE_DIR/$a.h" "$SOFTPATCH_CACHE_DIR/patch-preambles/$b.h.gch"
touch "$SOFTPATCH_CACHE_DIR/notes.txt"  # not the cache's: stays
cleaned=$("$softpatch" clean)
if [ "$cleaned" != "removed 2 entries (0.0 MiB) from $SOFTPATCH_CACHE_DIR" ] ||
  [ "$(find "$SOFTPATCH_CACHE_DIR" -type f)" != "$SOFTPATCH_CACHE_DIR/notes.txt" ]; then
  echo "mistakes: softpatch clean said '$cleaned' and left: $(find "$SOFTPATCH_CACHE_DIR" -type f)" >&2
  failures=$((failures + 1))
fi

version=$("$softpatch" --version)
if ! grep -qE '^softpatch [0-9]+\.[0-9]+\.[0-9]+$' <<<"$version"; then
  echo "mistakes: --version printed '$version'" >&2
  failures=$((failures + 1))
fi

[ $failures -eq 0 ] || { echo "mistakes: $failures failed" >&2; exit 1; }
