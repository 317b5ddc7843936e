#!/usr/bin/env bash
# softpatch patch / list / status / rollback against a real running program:
# a copy of tests/cli/app is built instrumented, started with its agent, fed
# lines, patched while it runs (same pid, state kept), rolled back, stopped.
#   check.sh <softpatch build dir> <work dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/e2e.sh" "$@"
fail() { echo "cli: $*" >&2; [ -f "$work/out.txt" ] && cat "$work/out.txt" >&2; exit 1; }

cmake -S "$work/app" -B "$work/app/build" -G Ninja -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null
ninja -C "$work/app/build" >/dev/null || fail "build failed"
# A second build of the same sources: its program runs too, and must be left alone.
cmake -S "$work/app" -B "$work/app/build-other" -G Ninja -Dsoftpatch_DIR="$build/cmake/build-tree" >/dev/null
ninja -C "$work/app/build-other" >/dev/null || fail "second build failed"

mkfifo "$work/in"
SOFTPATCH_AGENT=1 "$work/app/build/app" <"$work/in" >"$work/out.txt" 2>&1 &
app=$!
exec 3>"$work/in"
others=()
stop_others() { for p in "${others[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done; others=(); }
# On a failure: everything this script started (the programs, a softpatch
# still running) is killed and reaped; nothing is left running.
cleanup() {
  exec 3>&-
  end_started
}
trap cleanup EXIT
answered() { grep -q "$1 #" "$work/out.txt"; }
say() { echo "$1" >&3; eventually answered "$1" || fail "no answer to $1"; }

say world
grep -q "^hello world #1 pid $app$" "$work/out.txt" || fail "unexpected first answer"
"$softpatch" status | grep "^pid $app$" >/dev/null || fail "status does not name the program"

sed -i 's/"hello "/"HELLO, "/' "$work/app/src/greet.cpp"
# Several programs run the file: -p says which build; two of one build are refused.
SOFTPATCH_AGENT=1 "$work/app/build-other/app" </dev/zero >"$work/other.txt" 2>&1 &
others+=($!)
SOFTPATCH_AGENT=1 "$work/app/build/app" </dev/zero >/dev/null 2>&1 &
others+=($!)
# Both agents listening (a socket file alone may not be yet).
for p in "${others[@]}"; do eventually answers "$p" || fail "the agent of $p does not answer"; done
if (cd "$work/app" && "$softpatch" patch -p build src/greet.cpp 2>"$work/err.txt"); then
  fail "patched one of two programs of the same build"
fi
grep -q "runs in several programs ($app $work/app/build/app, ${others[1]} $work/app/build/app)" \
  "$work/err.txt" || fail "ambiguity not explained: $(cat "$work/err.txt")"
kill "${others[1]}"; wait "${others[1]}" 2>/dev/null || true; unset 'others[1]'
line=$(cd "$work/app" && "$softpatch" patch -p build src/greet.cpp) || fail "patch failed"
[[ "$line" =~ ^src/greet.cpp\ →\ patch\ 1:\ 1\ changed\ \(greet\)\ in\ [0-9.]+\ s$ ]] ||
  fail "patch said: $line"
say again
stop_others
grep -q "^HELLO, again #2 pid $app$" "$work/out.txt" || fail "new code or state missing after the patch"
list=$("$softpatch" list greet)
[[ "$list" =~ ^greet\(const\ std::string\ \&\)$'\t'src/greet.cpp:[0-9]+$'\t'patch\ 1$ ]] ||
  fail "list does not show the patch greet runs from: $list"

# An edit of what a patch cannot change is refused by name, before anything is built.
sed -i 's/count(0)/count(1)/' "$work/app/src/greet.cpp"
if (cd "$work/app" && "$softpatch" patch src/greet.cpp 2>"$work/err.txt"); then
  fail "a member initialiser's edit was reported patched"
fi
grep -qx "softpatch: src/greet.cpp: member initialiser count of Tally::Tally() changed: a patch replaces constructor bodies only, and objects that exist keep their members: restart needed" \
  "$work/err.txt" || fail "member initialiser edit: $(cat "$work/err.txt")"
sed -i 's/count(1)/count(0)/' "$work/app/src/greet.cpp"
# A comment and spacing change nothing that runs: nothing is loaded.
sed -i 's|^// The file the end-to-end|//   The file the end-to-end|; s|return "HELLO, " + who|return   "HELLO, "  + who|' \
  "$work/app/src/greet.cpp"
line=$(cd "$work/app" && "$softpatch" patch src/greet.cpp) || fail "no-op patch failed"
[ "$line" = "src/greet.cpp: no change in the code that runs (nothing loaded)" ] ||
  fail "a comment-only edit said: $line"
[ "$("$softpatch" status | grep -c "^patch ")" = 1 ] || fail "a no-op edit loaded a patch: $("$softpatch" status)"
# A changed initialiser: the patch applies, and says that the running value stays.
sed -i 's/greeted = 0;/greeted = 5000;/' "$work/app/src/greet.cpp"
line=$(cd "$work/app" && "$softpatch" patch src/greet.cpp 2>"$work/err.txt") ||
  fail "initialiser patch failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^src/greet.cpp\ →\ patch\ 2:\ no\ function\ changed\ in\ [0-9.]+\ s$ ]] ||
  fail "initialiser patch said: $line"
grep -q "^softpatch: the running value of greeted is kept" "$work/err.txt" ||
  fail "initialiser note: $(cat "$work/err.txt")"

# A syntax error: the compiler's message, the program keeps its last good code.
sed -i 's/"HELLO, "/"HELLO, " +/' "$work/app/src/greet.cpp"
if (cd "$work/app" && "$softpatch" patch src/greet.cpp 2>"$work/err.txt"); then fail "bad patch accepted"; fi
grep -q "greet.cpp:7" "$work/err.txt" || fail "error does not name the line: $(cat "$work/err.txt")"
say still
grep -q "^HELLO, still #3 pid $app$" "$work/out.txt" || fail "program lost its last good code"

# Two softpatch patch runs at once: the second waits its turn, and then finds
# the code that runs already what the file says.
sed -i 's/"HELLO, " +/"Hello, "/' "$work/app/src/greet.cpp"
(cd "$work/app" && exec "$softpatch" patch src/greet.cpp >"$work/first.txt" 2>&1) &
first=$!
(cd "$work/app" && exec "$softpatch" patch src/greet.cpp >"$work/second.txt" 2>&1) &
second=$!
wait $first || fail "first of two concurrent patches: $(cat "$work/first.txt")"
wait $second || fail "second of two concurrent patches: $(cat "$work/second.txt")"
both=$(cat "$work/first.txt" "$work/second.txt")
[ "$(grep -c "^src/greet.cpp → patch 3: 1 changed (greet) in" <<<"$both")" = 1 ] &&
  [ "$(grep -c "^src/greet.cpp: no change in the code that runs (nothing loaded)$" <<<"$both")" = 1 ] ||
  fail "concurrent patches: $both"
say again
grep -q "^Hello, again #4 pid $app$" "$work/out.txt" || fail "patch 3 or the kept value missing"
# Status: each patch, when it was loaded, its state and what it changed.
status=$("$softpatch" status)
time='[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
grep -Eqx "patch 1"$'\t'"src/greet.cpp"$'\t'"$time"$'\t'"active"$'\t'"1 changed \(greet\)" <<<"$status" &&
  grep -Eqx "patch 2"$'\t'"src/greet.cpp"$'\t'"$time"$'\t'"active"$'\t'"no function changed" <<<"$status" &&
  grep -Eqx "patch 3"$'\t'"src/greet.cpp"$'\t'"$time"$'\t'"active"$'\t'"1 changed \(greet\)" <<<"$status" ||
  fail "status: $status"
"$softpatch" rollback | grep "^rolled back patch 3 (src/greet.cpp)$" >/dev/null || fail "rollback of 3"
"$softpatch" list greet | grep -q $'\tpatch 2$' || fail "after a rollback: $("$softpatch" list greet)"
"$softpatch" status | grep -Eq "^patch 3"$'\t'".*"$'\t'"rolled back"$'\t' ||
  fail "status after a rollback: $("$softpatch" status)"
"$softpatch" rollback | grep "^rolled back patch 2 (src/greet.cpp)$" >/dev/null || fail "rollback of 2"

"$softpatch" rollback | grep "^rolled back patch 1 (src/greet.cpp)$" >/dev/null || fail "rollback"
say back
grep -q "^hello back #5 pid $app$" "$work/out.txt" || fail "rollback did not restore the original"

exec 3>&-
wait $app || fail "the program did not exit cleanly"
trap - EXIT
[ ! -e "$XDG_RUNTIME_DIR/softpatch/$app.sock" ] || fail "the socket was left behind"
# Those of the programs killed by a signal go with the next look for agents.
"$softpatch" status 2>/dev/null && fail "status found a program after all had stopped"
(cd "$work/app" && "$softpatch" patch src/greet.cpp 2>"$work/err.txt") && fail "patched nothing"
grep -q "^softpatch: no running program with a softpatch agent" "$work/err.txt" ||
  fail "no program, but: $(cat "$work/err.txt")"
[ -z "$(ls "$XDG_RUNTIME_DIR/softpatch/"*.sock 2>/dev/null)" ] || fail "stale sockets stay"
echo "cli: patched pid $app live, state kept, bad patch refused, rolled back, socket removed"

# softpatch warm prepares what a file's first patch needs: the rewriter's
# precompiled preamble and the compiler's, in a cache of its own here.
warm_cache="$work/warm-cache"
(cd "$work/app" && SOFTPATCH_CACHE_DIR="$warm_cache" "$softpatch" warm -p build src/greet.cpp) ||
  fail "softpatch warm failed"
ls "$warm_cache"/*.pch >/dev/null 2>&1 || fail "softpatch warm built no rewriter preamble"
ls "$warm_cache"/patch-preambles/*.gch >/dev/null 2>&1 ||
  fail "softpatch warm built no compiler preamble: $(ls -R "$warm_cache")"
if (cd "$work/app" && "$softpatch" warm -p build src/nothing.cpp 2>"$work/err.txt"); then
  fail "warming a file that does not exist succeeded"
fi
grep -q "src/nothing.cpp" "$work/err.txt" || fail "warm's error does not name the file"
