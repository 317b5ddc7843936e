#!/usr/bin/env bash
# The bad-input catalogue: each thing a user, a file or another program can
# get wrong — source that does not compile or changes what other files rely
# on, patch files that are empty, corrupt, foreign or writable by others,
# misbehaving agent clients, a patch racing the program's exit, another user
# on the socket — tried against one real running program (tests/reliability/app).
# For every case it checks that
#   1. the tool says what is wrong in one line naming the file (or the
#      request) and the cause (a compile error: the compiler's diagnostics);
#   2. the program still answers with its last good code (a good patch loaded
#      first stays in effect) and its state (its count goes on);
#   3. the program's pid is unchanged.
# Prints a Markdown table, one row per case run; exits non-zero if any case
# failed, naming it with its output on stderr.
#   catalogue.sh <softpatch build dir> <work dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/e2e.sh" "$@"
src=$work/app/src
bad=$work/patches  # the patch files, good and bad
mkdir "$bad" "$work/race"

started=()  # every process this script starts, killed and reaped on exit
cleanup() {
  exec 3>&-
  for p in "${started[@]}"; do kill "$p" 2>/dev/null || true; done
  local jobs
  jobs=$(jobs -p)  # a softpatch or a client still running, say
  [ -z "$jobs" ] || kill -KILL $jobs 2>/dev/null || true
  kill_leftovers
  for p in "${started[@]}"; do wait "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
die() { echo "catalogue: $*" >&2; exit 1; }

# --- the program ------------------------------------------------------------

cp -r "$work/app" "$work/other"  # a second program: different code, another build id
sed -i 's/" value "/" v "/' "$work/other/src/main.cpp"
for app_dir in "$work/app" "$work/other"; do
  cmake -S "$app_dir" -B "$app_dir/build" -G Ninja -Dsoftpatch_DIR="$build/cmake/build-tree" \
    >/dev/null || die "cmake of $app_dir failed"
  ninja -C "$app_dir/build" >/dev/null &
  started+=("$!")
done
for p in "${started[@]}"; do wait "$p" || die "building the apps failed"; done
started=()

# Waits for the agent of process $1 to answer (its socket file is there a
# moment before it listens); false if the process ends first.
agent_up_or_gone() { answers "$1" || ended "$1"; }
await_agent() { eventually agent_up_or_gone "$1" && ! ended "$1"; }

mkfifo "$work/in"
SOFTPATCH_AGENT=1 "$work/app/build/app" <"$work/in" >"$work/out.txt" 2>"$work/err.txt" &
app=$!
started+=("$app")
exec 3>"$work/in"
await_agent $app || die "the program's agent did not start: $(cat "$work/err.txt")"
count=0 good_value=1

# Sends a line to the program; sets reply to its answer.
answered() {
  reply=$(grep "^$1 value " "$work/out.txt" || true)
  [ -n "$reply" ] || ended $app
}
ask_program() {
  ! ended $app || return 1
  (trap '' PIPE; echo "$1" >&3) 2>/dev/null || return 1
  eventually answered "$1" && [ -n "$reply" ]
}

# Checks 2 and 3: the program answers with the good patch's value, the next
# count, the same pid, and exactly one patch active. Sets lost if not.
serving() {
  lost=""
  if ended $app; then
    local status=0
    wait $app || status=$?
    lost="the program is gone (status $status): $(tail -3 "$work/err.txt" | tr '\n' ' ')"
    return 1
  fi
  ask_program "$1" || { lost="the program does not answer"; return 1; }
  local want="$1 value $good_value area 9 #$((count + 1)) pid $app"
  local got=${reply#*#}
  count=${got%% *}
  [ "$reply" = "$want" ] || { lost="it answered '$reply', not '$want'"; return 1; }
  local status
  status=$(agent line "$protocol status") || true
  # One "patch N FILE FUNCTIONS STATE LOADED-AT" record active (the protocol's status reply).
  [ "$(grep -cE '^patch [0-9]+ .* active [0-9]+$' <<<"$status")" = 1 ] ||
    { lost="its patches are not the good one alone: $(tr '\n' ' ' <<<"$status")"; return 1; }
}

# --- talking to the agent directly --------------------------------------------

# The agent's clients, good and bad: python3 -c "$client" SOCKET MODE [TEXT].
# Prints the replies, bytes that are not printable as \xNN. Good requests
# begin with this softpatch's protocol version (kProtocolVersion).
protocol=v3
client='
import random, socket, sys, threading, time
path, mode = sys.argv[1], sys.argv[2]
V = b"'"$protocol"' "

def connect():
    deadline = time.monotonic() + 60
    while True:  # a full backlog says EAGAIN to a socket with a timeout
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > deadline:
                raise OSError(11, "the backlog of the agent stayed full for 60 s")
            time.sleep(0.01)

def send(s, data):
    try:
        s.sendall(data)
    except OSError:
        pass  # the agent closed on us: its reply says why

def reply(s):
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except OSError as e:
        data += b"<" + e.strerror.encode() + b">"
    s.close()
    return "".join(chr(b) if 32 <= b < 127 or b == 10 else "\\x%02x" % b for b in data)

def ask(data, close_writing=False):
    s = connect()
    send(s, data)
    if close_writing:
        s.shutdown(socket.SHUT_WR)
    return reply(s)

if mode == "line":
    print(ask(sys.argv[3].encode() + b"\n"), end="")
elif mode == "garbage":
    rng = random.Random(8)
    print(ask(bytes(rng.randrange(256) for _ in range(300)).replace(b"\n", b"") + b"\n"), end="")
elif mode == "10mb":
    print(ask(b"x" * (10 << 20) + b"\n"), end="")
elif mode == "cut":
    print(ask(b"sta", close_writing=True), end="")
elif mode == "silent":
    silent = connect()  # taken first: connections are accepted in order
    started = time.monotonic()
    status = ask(V + b"status\n")
    took = time.monotonic() - started
    print(reply(silent), end="")
    print("status answered in %.1f s: %s" % (took, status.splitlines()[-1] if status else "nothing"))
elif mode == "leave":
    for _ in range(20):
        s = connect()
        send(s, V + b"list\n")
        s.close()
    print("20 clients left before their answers")
elif mode == "fifty":
    replies = [None] * 50
    def one(i):
        try:
            replies[i] = ask(V + b"status\n")
        except OSError as e:
            replies[i] = "no connection: " + e.strerror
    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads: t.start()
    for t in threads: t.join()
    good = [r for r in replies if r.endswith("ok\n")]
    print("%d of 50 clients answered ok" % len(good))
    for r in replies:
        if r not in good: print("bad reply: " + r.replace("\n", " | "))
elif mode == "stranger":
    try:
        s = connect()
    except OSError as e:
        print("no connection: " + e.strerror)
        sys.exit()
    send(s, V + b"status\n")
    answer = reply(s)
    if answer in ("", "<Connection reset by peer>"):
        print("no answer" + (" (connection reset)" if answer else ""))
    else:
        print("answer: " + answer.replace("\n", " | "))
'
agent() { python3 -c "$client" "$XDG_RUNTIME_DIR/softpatch/$app.sock" "$@"; }

# --- what a refusal must look like ----------------------------------------------

# Runs a command that must fail with one line on stderr naming WHAT (a
# regex), then saying CAUSE (a regex). Sets seen to that line, problem if not.
refused() {
  local what=$1 cause=$2 status=0
  shift 2
  "$@" >"$work/tool.txt" 2>"$work/tool-err.txt" </dev/null || status=$?
  cat "$work/tool-err.txt" >>"$work/tool.txt"
  seen=$(head -n 1 "$work/tool-err.txt")
  [ -n "$seen" ] || seen=$(head -n 1 "$work/tool.txt")
  if [ $status = 0 ]; then problem="accepted (exit status 0)"
  elif [ $status = 124 ]; then problem="hung: killed after its time limit"
  elif [ $status -gt 128 ]; then problem="died from signal $((status - 128))"
  elif [ "$(wc -l <"$work/tool-err.txt")" != 1 ]; then problem="not one line"
  elif grep -q "softpatch: softpatch:" <<<"$seen"; then problem="says 'softpatch:' twice"
  elif ! grep -qE "$what" <<<"$seen"; then problem="does not name $what"
  elif ! grep -qE "($what).*($cause)" <<<"$seen"; then problem="does not say why after naming it ($cause)"
  else return 0
  fi
  return 1
}

# Like refused, for code that does not compile: the compiler's diagnostics,
# one of their lines matching LINE (file:line: error: ...).
diagnosed() {
  local line=$1 status=0
  shift
  "$@" >"$work/tool.txt" 2>&1 </dev/null || status=$?
  seen=$(grep -E -m 1 -- "$line" "$work/tool.txt" || true)
  if [ $status = 0 ]; then problem="accepted (exit status 0)"
  elif [ $status = 124 ]; then problem="hung: killed after its time limit"
  elif [ -z "$seen" ]; then seen=$(head -n 1 "$work/tool.txt"); problem="no line like $line"
  else return 0
  fi
  return 1
}

# An agent request whose reply must be one line, "error ..." matching CAUSE,
# after the version record that begins the reply to a request with a version.
agent_refuses() {
  local cause=$1
  shift
  agent "$@" 2>&1 | sed '1{/^version [0-9]*$/d}' >"$work/tool.txt" || true
  seen=$(head -n 1 "$work/tool.txt")
  if [ "$(wc -l <"$work/tool.txt")" != 1 ]; then problem="not one line"
  elif ! grep -qE "^error .*($cause)" <<<"$seen"; then problem="not an error saying $cause"
  else return 0
  fi
  return 1
}

# Time limits that only a hang reaches, on a busy machine too.
patch_source() { (cd "$work/app" && timeout 300 "$softpatch" patch -p build --pid $app "$@"); }
load() { (cd "$work" && timeout 60 "$softpatch" load --pid $app "$@"); }
build_patch() {  # build_patch OUTPUT FILE: for the running program's binary
  (cd "$work/app" && "$softpatch" build -p build --for build/app -o "$1" "$2") >"$work/tool.txt" 2>&1
}

# --- the cases ----------------------------------------------------------------

# Source-level: the app's copy of a file edited, `softpatch patch`, restored.
case_syntax_error() {
  sed -i 's/return 2;/return 2 +;/' "$src/answer.cpp"
  diagnosed "src/answer.cpp:[0-9]+:[0-9]+: error: expected" patch_source src/answer.cpp
}
case_changed_signature() {
  sed -i 's/^int value() {/long value() {/' "$src/answer.cpp"
  refused "src/answer.cpp" "value\(\) changed its signature.*restart needed" \
    patch_source src/answer.cpp
}
case_changed_layout() {
  sed -i 's/^  int side;$/&\n  int depth = 0;/' "$src/shape.h"
  refused "src/answer.cpp" "class Shape changed its layout.*restart needed" \
    patch_source src/answer.cpp
}
case_removed_function() {
  sed -i '/^int count() {/d' "$src/answer.cpp"
  refused "src/answer.cpp" "count\(\) is no longer defined.*restart needed" \
    patch_source src/answer.cpp
}
case_new_global_variable() {
  sed -i 's/^int value() { return 2; }/int extra = 3;\nint value() { return extra; }/' "$src/answer.cpp"
  refused "src/answer.cpp" "does not define extra.*restart" patch_source src/answer.cpp
}
case_no_running_program() {
  mkdir -p -m 700 "$work/empty-run"  # where no agent listens
  refused "no running program" "SOFTPATCH_AGENT=1" \
    env XDG_RUNTIME_DIR="$work/empty-run" bash -c "cd '$work/app' && '$softpatch' patch src/answer.cpp"
}
case_two_patches_at_once() {
  # Both wait their turn: the first applies, the second then finds that the
  # code that runs is already what the file says.
  sed -i 's/^int value() { return 2; }/int value() { return 1 + 1; }/' "$src/answer.cpp"
  (cd "$work/app" && exec timeout 300 "$softpatch" patch -p build --pid $app src/answer.cpp) >"$work/first.txt" 2>&1 &
  local first=$!
  (cd "$work/app" && exec timeout 300 "$softpatch" patch -p build --pid $app src/answer.cpp) >"$work/second.txt" 2>&1 &
  local second=$! status=0
  wait $first || status=$?
  wait $second || status=$?
  cat "$work/first.txt" "$work/second.txt" >"$work/tool.txt"
  seen=$(sort "$work/tool.txt" | tr '\n' ' ')
  [ $status = 0 ] || { problem="one of them failed"; return 1; }
  [ "$(grep -c "→ patch [0-9]*: 1 changed (value) in " "$work/tool.txt")" = 1 ] &&
    [ "$(grep -c ": no change in the code that runs (nothing loaded)$" "$work/tool.txt")" = 1 ] ||
    { problem="not one patch and one no-change"; return 1; }
  "$softpatch" rollback --pid $app >>"$work/tool.txt" || { problem="rolling it back failed"; return 1; }
}
case_file_not_in_program() {
  echo 'int stray() { return 0; }' >"$src/stray.cpp"
  refused "src/stray.cpp" "not an instrumented file|not (a )?part of|no compile command" \
    patch_source src/stray.cpp
}

# Patch files: `softpatch load`.
case_empty_file() {
  : >"$bad/empty.so"
  refused "patches/empty.so" "empty" load patches/empty.so
}
case_directory() {
  mkdir "$bad/directory.so"
  refused "patches/directory.so" "not a regular file" load patches/directory.so
}
case_fifo() {
  mkfifo "$bad/fifo.so"  # nobody writes to it: opening must not wait
  refused "patches/fifo.so" "not a regular file" load patches/fifo.so
}
case_symlink() {
  ln -s good.so "$bad/link.so"
  refused "patches/link.so" "symbolic link" load patches/link.so
}
case_world_writable() {
  cp "$bad/good.so" "$bad/world-writable.so" && chmod 666 "$bad/world-writable.so"
  refused "patches/world-writable.so" "writable by other users" load patches/world-writable.so
}
case_other_owner() {
  [ "$(id -u)" = 0 ] || { skipped="skipped (needs root)"; return 0; }
  cp "$bad/good.so" "$bad/nobodys.so" && chown 65534:65534 "$bad/nobodys.so"
  refused "patches/nobodys.so" "belongs to another user \(uid 65534\)" load patches/nobodys.so
}
case_truncated() {
  head -c $(($(stat -c %s "$bad/good.so") / 2)) "$bad/good.so" >"$bad/truncated.so"
  refused "patches/truncated.so" "truncated" load patches/truncated.so
}
case_other_architecture() {
  cp "$bad/good.so" "$bad/arm.so"
  printf '\x28\x00' | dd of="$bad/arm.so" bs=1 seek=18 conv=notrunc status=none  # EM_ARM
  refused "patches/arm.so" "another architecture \(ELF machine 40\)" load patches/arm.so
}
case_random_bytes() {
  python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(4).randbytes(8192))' \
    >"$bad/random.so"
  refused "patches/random.so" "not an ELF file" load patches/random.so
}
case_plain_library() {
  echo 'int plain() { return 7; }' >"$work/plain.cpp"
  c++ -shared -fPIC -o "$bad/plain.so" "$work/plain.cpp" || { problem="c++ failed"; return 1; }
  refused "patches/plain.so" "not a softpatch patch" load patches/plain.so
}
case_other_binary() {
  (cd "$work/other" && "$softpatch" build -p build --for build/app -o "$bad/other-binary.so" \
    src/answer.cpp) >"$work/tool.txt" 2>&1 || { problem="softpatch build failed"; return 1; }
  refused "patches/other-binary.so" "built for another binary" load patches/other-binary.so
}
case_missing_file() {
  refused "patches/missing.so" "No such file|does not exist" load patches/missing.so
}
case_throwing_initialiser() {
  sed -i 's/^static int asked = 0;.*/&\n#include <stdexcept>\nstatic int x = [] { throw std::runtime_error("boom"); return 1; }();/' \
    "$src/answer.cpp"
  build_patch "$bad/throws.so" src/answer.cpp || { problem="softpatch build failed"; return 1; }
  refused "patches/throws.so" "x.*threw: boom" load patches/throws.so
}

# Agent requests, on the socket.
case_binary_garbage() { agent_refuses "unknown request|control character|not text" garbage; }
case_ten_megabytes() { agent_refuses "longer than 4096 bytes" 10mb; }
case_cut_off_request() { agent_refuses "cut off" cut; }
case_client_leaves() {
  agent leave >"$work/tool.txt" 2>&1 || true
  seen="$(head -n 1 "$work/tool.txt") (nothing to see: the program must not die of SIGPIPE)"
  grep -q "^20 clients left" "$work/tool.txt" || { problem="the clients could not connect"; return 1; }
}
case_silent_client() {
  agent silent >"$work/tool.txt" 2>&1 || true
  seen="$(head -n 1 "$work/tool.txt"); $(tail -n 1 "$work/tool.txt")"
  if ! grep -qE "^error .*timed out" "$work/tool.txt"; then
    problem="the silent client was not told"
  # 2 s, the agent's limit for a request, and what a busy machine adds.
  elif ! grep -qE "^status answered in [0-9]\.[0-9] s: ok$" "$work/tool.txt"; then
    problem="the other client was not answered within 10 s"
  else return 0
  fi
  return 1
}
case_fifty_clients() {
  agent fifty >"$work/tool.txt" 2>&1 || true
  seen=$(head -n 1 "$work/tool.txt")
  [ "$seen" = "50 of 50 clients answered ok" ] || { problem="not all answered"; return 1; }
}
case_unknown_verb() { agent_refuses "unknown request 'frobnicate'" line frobnicate now; }
case_rollback_missing() {
  agent_refuses "no patch 99\b|patch 99 does not exist" line "$protocol rollback 99"
}
case_rollback_not_a_number() { agent_refuses "number" line "$protocol rollback abc"; }
# Another softpatch build's command: refused by name before anything runs
# (the check after each case sees that the load did not happen).
case_other_protocol() {
  agent_refuses "speaks protocol 3, this softpatch speaks 1: restart the program under this softpatch" \
    line "v1 load $bad/good.so"
}
case_unversioned_request() {
  agent_refuses "speaks protocol 3, this softpatch speaks an older, unversioned one: restart the program under this softpatch" \
    line "load $bad/good.so"
}
case_cli_rollback_missing() {
  refused "no patch 99|patch 99 does not exist" "" timeout 60 "$softpatch" rollback --pid $app 99
}

# Lifecycle: a patch loaded while a fresh program exits, 40 times, its
# stdin closed 0 to 14 ms after softpatch load starts (about one in ten lands
# while the agent is answering): the program exits 0,
# the CLI loads the whole patch or says in one line that the program went
# away (no such process, no agent, no answer, exiting), nothing hangs.
case_load_while_exiting() {
  local i prog fd out load_status prog_status exits=0 loaded=0 refusals=0 example="" wrong=()
  for i in $(seq 0 39); do
    mkfifo "$work/race/in$i"
    SOFTPATCH_AGENT=1 "$work/app/build/app" <"$work/race/in$i" >"$work/race/out$i" 2>&1 &
    prog=$!
    started+=("$prog")
    exec {fd}>"$work/race/in$i"
    await_agent $prog || { problem="race $i: the agent did not start"; return 1; }
    out=$work/race/load$i
    (cd "$work" && exec timeout 60 "$softpatch" load --pid $prog patches/good.so) \
      >"$out" 2>&1 {fd}>&- &  # the program's stdin is closed only here
    sleep "$(printf '0.%05d' $((i * 35)))"
    exec {fd}>&-
    load_status=0 prog_status=0
    wait $! || load_status=$?
    eventually ended $prog ||
      { kill $prog 2>/dev/null || true; wrong+=("race $i: the program did not exit within $patience s"); }
    wait $prog || prog_status=$?
    { echo "race $i (stdin closed after $((i * 35 / 100)).$((i * 35 % 100 / 10)) ms):" \
        "softpatch load status $load_status, program status $prog_status"; cat "$out"; } \
      >>"$work/tool.txt"
    if [ $prog_status = 0 ]; then exits=$((exits + 1))
    else wrong+=("race $i: the program exited with status $prog_status")
    fi
    case $load_status in
      0) loaded=$((loaded + 1))
         grep -q "^patches/good.so → patch 1: $good_functions functions$" "$out" ||
           wrong+=("race $i: a success that is not the whole patch: $(head -n 1 "$out")") ;;
      1) refusals=$((refusals + 1)) example=$(head -n 1 "$out")
         if [ "$(wc -l <"$out")" != 1 ]; then wrong+=("race $i: the refusal is not one line")
         elif ! grep -qE "no process [0-9]+$|no softpatch agent|gave no answer|exit" "$out"; then
           wrong+=("race $i: the refusal does not say the program went away: $example")
         fi ;;
      124) wrong+=("race $i: softpatch load hung") ;;
      *) wrong+=("race $i: softpatch load exited with status $load_status$( ((load_status > 128)) &&
           echo " (signal $((load_status - 128)))"), saying '$(head -n 1 "$out")'") ;;
    esac
  done
  seen="program exit status 0 ×$exits; $loaded loaded, $refusals refused${example:+ (\"$example\")}"
  [ ${#wrong[@]} = 0 ] || { problem="${#wrong[@]} of 40 wrong: $(printf '%s; ' "${wrong[@]}")"; return 1; }
}

# Another user on the socket (root only: it becomes uid 65534). The socket's
# directory keeps it out; past that (CAP_DAC_OVERRIDE kept), the agent
# closes the connection unanswered and says so on the program's stderr.
stranger() {
  setpriv --reuid=65534 --regid=65534 --clear-groups "$@" \
    /usr/bin/python3 -c "$client" "$XDG_RUNTIME_DIR/softpatch/$app.sock" stranger
}
case_stranger_blocked() {
  [ "$(id -u)" = 0 ] || { skipped="skipped (needs root)"; return 0; }
  stranger >"$work/tool.txt" 2>&1 || true
  seen=$(head -n 1 "$work/tool.txt")
  [ "$seen" = "no connection: Permission denied" ] || { problem="it got through"; return 1; }
}
case_stranger_past_permissions() {
  [ "$(id -u)" = 0 ] || { skipped="skipped (needs root)"; return 0; }
  local caps=(--inh-caps=+dac_override --ambient-caps=+dac_override)
  setpriv --reuid=65534 "${caps[@]}" true 2>/dev/null ||
    { skipped="skipped (setpriv cannot keep CAP_DAC_OVERRIDE here)"; return 0; }
  stranger "${caps[@]}" >"$work/tool.txt" 2>&1 || true
  local said
  said=$(grep -m 1 "refused a connection from uid 65534" "$work/err.txt" || true)
  seen="$(head -n 1 "$work/tool.txt"); the program's stderr: $said"
  if ! grep -q "^no answer" "$work/tool.txt"; then problem="the stranger got an answer, or no connection"
  elif [ -z "$said" ]; then problem="the program's stderr does not name the stranger"
  else return 0
  fi
  return 1
}

# --- running them -------------------------------------------------------------

restore_sources() {
  cp "$work/good-src/"* "$src/"
  rm -f "$src/stray.cpp"
}

# One table cell: the first line, work directory left out, | escaped, short.
cell() {
  local text=${1%%$'\n'*}
  text=${text//"$work/"/}
  text=${text//|/\\|}
  ((${#text} <= 120)) || text="${text:0:117}…"
  echo "$text"
}

rows=() failed=()
run() {  # run NAME "the bad input": case_NAME, then checks 2 and 3
  local name=$1 input=$2 kept
  seen="" problem="" skipped=""
  : >"$work/tool.txt"
  "case_$name" || [ -n "$problem" ] || problem="failed"
  restore_sources
  if serving "$name"; then kept="yes: value $good_value, #$count, same pid"; else kept="**no**: $lost"; fi
  local shown
  shown=$(cell "${skipped:-$seen}")
  [ -z "$problem" ] || shown+=" **(fails: $(cell "$problem"))**"
  rows+=("| $((${#rows[@]} + 1)) | $input | $shown | $(cell "$kept") |")
  if [ -n "$problem$lost" ]; then
    failed+=("$name")
    {
      echo "catalogue: case $name ($input) failed: ${problem:-the program did not keep serving}"
      [ -z "$lost" ] || echo "  the program: $lost"
      echo "--- the tool said:"
      cat "$work/tool.txt"
      echo "--- the program's stderr:"
      tail -n 5 "$work/err.txt"
    } >&2
  fi
}

# The last good code: an edit that changes the answer, built as a patch file
# and loaded. Every case after it must leave it in effect.
ask_program first || die "the program does not answer"
[ "$reply" = "first value 1 area 9 #1 pid $app" ] || die "first answer: $reply"
count=1
sed -i 's/^int value() { return 1; }/int value() { return 2; }/' "$src/answer.cpp"
cp -r "$src" "$work/good-src"
build_patch "$bad/good.so" src/answer.cpp || die "building the good patch: $(cat "$work/tool.txt")"
said=$(load patches/good.so 2>&1) || die "loading the good patch: $said"
[[ "$said" =~ ^patches/good.so\ →\ patch\ 1:\ ([0-9]+)\ functions$ ]] ||
  die "loading the good patch said: $said"
good_functions=${BASH_REMATCH[1]}
good_value=2
serving good || die "after the good patch: $lost"

run syntax_error "source: a syntax error"
run changed_signature "source: changed signature of a function other files call"
run changed_layout "source: a class's layout changed (a member added)"
run removed_function "source: removed a function other files call"
run new_global_variable "source: a new global variable the patch uses"
run file_not_in_program "source: a .cpp that is not part of the program"
run no_running_program "source: softpatch patch with no program running"
run two_patches_at_once "source: two softpatch patch runs at once (must not interleave)"
run empty_file "patch file: empty"
run directory "patch file: a directory"
run fifo "patch file: a FIFO nobody writes to"
run symlink "patch file: a symbolic link to a good patch"
run world_writable "patch file: world-writable (mode 666)"
run other_owner "patch file: owned by another user"
run truncated "patch file: a good patch cut to half its size"
run other_architecture "patch file: ELF for another architecture (ARM)"
run random_bytes "patch file: random bytes"
run plain_library "patch file: a shared library without a manifest"
run other_binary "patch file: built for another binary"
run missing_file "patch file: does not exist"
run throwing_initialiser "patch file: its static initialiser throws"
run binary_garbage "agent: binary garbage"
run ten_megabytes "agent: a 10 MB request"
run cut_off_request "agent: a request cut off (no newline, write side closed)"
run silent_client "agent: a client that never speaks, while another asks"
run client_leaves "agent: 20 clients that leave before their answers"
run fifty_clients "agent: 50 clients at once"
run unknown_verb "agent: an unknown verb"
run rollback_missing "agent: rollback of a patch that does not exist"
run rollback_not_a_number "agent: rollback abc"
run other_protocol "agent: a load from a softpatch of another protocol version"
run unversioned_request "agent: a load from a softpatch before protocol versions"
run cli_rollback_missing "CLI: softpatch rollback 99 (no such patch)"
run load_while_exiting "lifecycle: a patch loaded while the program exits (×40)"
run stranger_blocked "another user connects to the socket"
run stranger_past_permissions "another user connects, past the file permissions"

echo "| # | bad input | what the user sees | program kept serving |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
[ ${#failed[@]} = 0 ] || die "${#failed[@]} of ${#rows[@]} cases failed: ${failed[*]}"
