#!/usr/bin/env bash
# A header's edit patched live in a running program built with one compiler
# at one optimisation level: the bodies of an in-class method, an inline
# member, an inline and a static inline function, called from two files
# (inlined into them at -O2), go live for the calls of both files with the
# same pid and the program's state kept; a comment changes nothing; a
# declaration's edit and a default member initialiser's are refused by name
# and the program keeps its code; a rollback brings the earlier bodies back.
#   check.sh <softpatch build dir> <work dir> <c++ compiler> <Debug|Release>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/e2e.sh" "$1" "$2"
# The caches below the project's root, as a user may put them: a precompiled
# preamble's header there is not one of the project's headers.
export SOFTPATCH_CACHE_DIR=$work/app/.cache
cxx=$3 type=$4
fail() { echo "headers($cxx $type): $*" >&2; [ -f "$work/out.txt" ] && cat "$work/out.txt" >&2; exit 1; }

build_app "$cxx" "$type"

start_app
patch_header() { (cd "$work/app" && "$softpatch" patch -p build include/tally.h 2>"$work/err.txt"); }

say 1 "main 1 2 1, report tally 2, twice 2, bonus 1"
eventually answers "$app" || fail "the agent does not answer"

sed -i 's/count += n;/count += n * 10;/; s/"tally "/"TALLY "/; s/n \* 2/n * 3/; s/n + 0/n + 100/' \
  "$work/app/include/tally.h"
line=$(patch_header) || fail "patch failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^include/tally.h\ →\ patch\ 1:\ 4\ changed\ \(Tally::add,\ Tally::describe,\ twice,\ bonus\)\ in\ [0-9.]+\ s$ ]] ||
  fail "patch said: $line"
# A file that keeps the header's text has a copy the patch does not reach: said.
grep -q "^softpatch: twice(int) also has a copy compiled without softpatch, in the program (a file opted out" \
  "$work/err.txt" || fail "the plain copy of twice was not named: $(cat "$work/err.txt")"
# The tally made before the patch goes on counting (2, then 12 and 22).
say 3 "main 32 9 103, report TALLY 62, twice 9, bonus 103"

sed -i 's|^// Defined in report.cpp|//   Defined in report.cpp|' "$work/app/include/tally.h"
line=$(patch_header) || fail "comment patch failed: $(cat "$work/err.txt")"
[ "$line" = "include/tally.h: no change in the code that runs (nothing loaded)" ] ||
  fail "a comment-only edit said: $line"

sed -i 's/  int count = 0;/  int count = 0;\n  int extra = 0;/' "$work/app/include/tally.h"
if patch_header >/dev/null; then fail "a new member was reported patched"; fi
grep -qx "softpatch: include/tally.h: the declarations of include/tally.h changed: what a header declares is compiled into every file that includes it (only the bodies of its functions are patched live): restart needed" \
  "$work/err.txt" || fail "a declaration's edit: $(cat "$work/err.txt")"
say 4 "main 102 12 104, report TALLY 142, twice 12, bonus 104"
sed -i '/  int extra = 0;/d' "$work/app/include/tally.h"
# A default member initialiser is refused by its member's name: the objects
# that exist keep their members.
sed -i 's/  int count = 0;/  int count = 5;/' "$work/app/include/tally.h"
if patch_header >/dev/null; then fail "a default member initialiser's edit was reported patched"; fi
grep -qx "softpatch: include/tally.h: default member initialiser of Tally::count changed: a patch replaces constructor bodies only, and objects that exist keep their members: restart needed" \
  "$work/err.txt" || fail "a default member initialiser's edit: $(cat "$work/err.txt")"
sed -i 's/  int count = 5;/  int count = 0;/' "$work/app/include/tally.h"

sed -i 's/n \* 3/n * 4/' "$work/app/include/tally.h"
# A file that includes the header waits for it: its calls would run the new
# bodies alone.
sed -i 's/", bonus "/", bonus: "/' "$work/app/src/report.cpp"
if (cd "$work/app" && "$softpatch" patch -p build src/report.cpp 2>"$work/err.txt" >/dev/null); then
  fail "a file was patched over its header's edit"
fi
grep -qx "softpatch: src/report.cpp: include/tally.h has edits that do not run yet (1 changed (twice)), which this file's calls of it would run alone: patch it first (softpatch patch include/tally.h; a library that keeps its own copies of its functions, built with hidden visibility, runs them as built until it restarts), or restart" \
  "$work/err.txt" || fail "a file over its header's edit: $(cat "$work/err.txt")"
sed -i 's/", bonus: "/", bonus "/' "$work/app/src/report.cpp"
line=$(patch_header) || fail "second patch failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^include/tally.h\ →\ patch\ 2:\ 1\ changed\ \(twice\)\ in ]] || fail "second patch said: $line"
say 5 "main 192 20 105, report TALLY 242, twice 20, bonus 105"
"$softpatch" list twice | grep -q $'\tpatch 2$' || fail "list: $("$softpatch" list twice)"
# It carries only twice: Tally::add still runs patch 1's body.
"$softpatch" list Tally::add | grep -q $'\tpatch 1$' || fail "list: $("$softpatch" list Tally::add)"
# Patch 2 carries only what it changed: patch 1 stays while it is active.
if "$softpatch" rollback 1 2>"$work/err.txt"; then fail "patch 1 rolled back under patch 2"; fi
grep -qx "softpatch: patch 1: patch 2 of include/tally.h builds on it; roll that back first" \
  "$work/err.txt" || fail "rollback of patch 1: $(cat "$work/err.txt")"
"$softpatch" rollback | grep -qx "rolled back patch 2 (include/tally.h)" || fail "rollback"
say 6 "main 302 18 106, report TALLY 362, twice 18, bonus 106"

exec 3>&-
wait "$app" || fail "the program failed at exit"

# Under softpatch run (which builds first: the header as it is now), a
# saved body edit of the header goes live with the same pid.
mkfifo "$work/run-in"
(cd "$work/app" && exec setsid "$softpatch" run -p build -- ./build/app) \
  <"$work/run-in" >"$work/out.txt" 2>"$work/run-err.txt" &
runner=$!
exec 3>"$work/run-in"
said() { grep -qE "$1" "$work/run-err.txt"; }
eventually said "^softpatch: started ./build/app, pid [0-9]+$" ||
  fail "softpatch run did not start the program: $(cat "$work/run-err.txt")"
app=$(sed -nE 's/^softpatch: started .\/build\/app, pid ([0-9]+)$/\1/p' "$work/run-err.txt")
say 7 "main 70 28 107, report TALLY 140, twice 28, bonus 107"
eventually answers "$app" || fail "the agent under softpatch run does not answer"
sed -i 's/n \* 4/n * 5/' "$work/app/include/tally.h"
eventually said "^include/tally.h → patch 1: 1 changed \(twice\) in [0-9.]+ s$" ||
  fail "softpatch run did not patch the header: $(cat "$work/run-err.txt")"
say 8 "main 220 40 108, report TALLY 300, twice 40, bonus 108"
kill -INT "$runner"
eventually ended "$runner" || fail "softpatch run did not stop on SIGINT"
echo "headers($cxx $type): a header's bodies patched live, pid $app"
