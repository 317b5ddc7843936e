#!/usr/bin/env bash
# Templates of a .cpp file patched live in a running program built with one
# compiler at one optimisation level: an edited template's instantiations
# run the new code for the calls of every file (main.cpp calls stats.cpp's
# explicit instantiations), an edit elsewhere leaves them as they are, and
# a template edited back runs the build's code again; one without slots that
# other files call is refused by name when edited.
#   check.sh <softpatch build dir> <work dir> <c++ compiler> <Debug|Release>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/e2e.sh" "$1" "$2"
cxx=$3 type=$4
fail() { echo "templates($cxx $type): $*" >&2; [ -f "$work/out.txt" ] && cat "$work/out.txt" >&2; exit 1; }

build_app "$cxx" "$type"
start_app
# patch NUMBER WHAT: patches src/stats.cpp; the line names patch NUMBER and WHAT.
patch() {
  local line
  line=$(cd "$work/app" && "$softpatch" patch -p build src/stats.cpp 2>&1) || fail "patch failed: $line"
  [[ "$line" == "src/stats.cpp → patch $1: "*"$2"* ]] || fail "patch said: $line"
}
stats=$work/app/src/stats.cpp

say 1 "twice 2, box 1, bumped 2, version 1"
eventually answers "$app" || fail "the agent does not answer"

sed -i 's/return x + x;/return x * 3;/; s/return value_;/return value_ * 10;/' "$stats"
patch 1 "twice"
say 2 "twice 6, box 20, bumped 3, version 1"

# bump<int> is stats.cpp's own: its caller and its slot take the new code.
sed -i 's/return x + 1;/return x + 5;/' "$stats"
patch 2 "bump"
say 3 "twice 9, box 30, bumped 8, version 1"

sed -i 's/return x \* 3;/return x + x;/' "$stats"
patch 3 "twice"
say 4 "twice 8, box 40, bumped 9, version 1"

sed -i 's/return 1;/return 2;/' "$stats"
if (cd "$work/app" && "$softpatch" patch -p build src/stats.cpp 2>"$work/err.txt"); then
  fail "an edit of a template without slots that main.cpp calls was reported patched"
fi
grep -q "version<int>.* explicitly instantiated" "$work/err.txt" || fail "version edit: $(cat "$work/err.txt")"
say 5 "twice 10, box 50, bumped 10, version 1"

exec 3>&-
wait "$app" || fail "the program failed at exit"
echo "templates($cxx $type): explicit and implicit instantiations patched live, pid $app"
