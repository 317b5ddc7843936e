#!/usr/bin/env bash
# Templates of a header patched live in a running program built with one
# compiler at one optimisation level: an edit of a function template's and
# of a class template's members goes live for the calls of both files that
# instantiate them, with the same pid and the state kept; a second edit
# while that patch is active (its own copies would keep the old code), and
# an edit of a template whose instantiations the patch's file does not all
# have, are refused by name, and the program keeps its code; a rollback
# brings the build's code back.
#   check.sh <softpatch build dir> <work dir> <c++ compiler> <Debug|Release>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/e2e.sh" "$1" "$2"
cxx=$3 type=$4
fail() { echo "header_templates($cxx $type): $*" >&2; [ -f "$work/out.txt" ] && cat "$work/out.txt" >&2; exit 1; }

build_app "$cxx" "$type"
start_app
header=$work/app/include/gauge.h
patch_header() { (cd "$work/app" && "$softpatch" patch -p build include/gauge.h 2>"$work/err.txt"); }
# refused WHAT LINE: patching the header fails, saying LINE (a regex) alone.
refused() {
  if patch_header >/dev/null; then fail "$1 was reported patched"; fi
  grep -Eqx "softpatch: include/gauge.h: $2" "$work/err.txt" || fail "$1: $(cat "$work/err.txt")"
}

say 1 "scaled 1, meter 1 u, offset 1, peak 1, other 1 1 u 1"
eventually answers "$app" || fail "the agent does not answer"

sed -i 's/return x \* 1;/return x * 10;/; s/total_ += x;/total_ += x * 100;/; s/return "u";/return "U";/' "$header"
line=$(patch_header) || fail "patch failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^include/gauge.h\ →\ patch\ 1:\ 3\ changed\ .*scaled.*\ in\ [0-9.]+\ s$ ]] ||
  fail "patch said: $line"
# The meter made before the patch goes on counting (1, then 201).
say 2 "scaled 20, meter 201 U, offset 2, peak 2, other 20 200 U 2"

# Patch 1 has copies of its own of the instantiations its code calls: a
# second edit of the templates would not reach them while it is active.
sed -i 's/return x \* 10;/return x * 20;/' "$header"
refused "a second template edit" "a template's edit would not reach the copies of its instantiations that patch 1 \(include/gauge.h\) compiled: roll it back first \(softpatch rollback 1\), or restart"
say 3 "scaled 30, meter 501 U, offset 3, peak 3, other 30 300 U 3"
sed -i 's/return x \* 20;/return x * 10;/' "$header"

"$softpatch" rollback | grep -qx "rolled back patch 1 (include/gauge.h)" || fail "rollback"
say 4 "scaled 4, meter 505 u, offset 4, peak 4, other 4 4 u 4"

# other.cpp's offset<long> is not in the file the patch is built from, or
# main.cpp's offset<int> is not in the other: either way one would be left
# running the old code.
sed -i 's/return x + 0;/return x + 5;/' "$header"
refused "an edit of offset" "gauge::offset<(int|long)>\((int|long)\) is instantiated by a file the patch was not built from, and would run the old code: restart needed"
say 5 "scaled 5, meter 510 u, offset 5, peak 5, other 5 5 u 5"
sed -i 's/return x + 5;/return x + 0;/' "$header"

# peak has no instantiation in other.cpp: the patch could not carry it.
sed -i 's/  return x;/  return x * 7;/' "$header"
refused "an edit of peak" "gauge::peak\(T\) changed, and src/other.cpp, the file the patch is built from, has none of its instantiations: restart needed"
say 6 "scaled 6, meter 516 u, offset 6, peak 6, other 6 6 u 6"
sed -i 's/  return x \* 7;/  return x;/' "$header"

# main.cpp's apply<(lambda)> has no slot: its calls would keep the old code.
sed -i 's/  return f(x);/  return f(x) + 0;/' "$header"
refused "an edit of apply" "gauge::apply\(F, int\) changed: a template with an instantiation that has no slot \(.*, in src/main.cpp\) is not patched live: restart needed"
sed -i 's/  return f(x) + 0;/  return f(x);/' "$header"

# The offset and peak edits taken back, and nothing active: the first edit
# of the templates goes live again.
line=$(patch_header) || fail "the patch after the rollback failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^include/gauge.h\ →\ patch\ 2: ]] || fail "the patch after the rollback said: $line"
say 7 "scaled 70, meter 1216 U, offset 7, peak 7, other 70 700 U 7"

exec 3>&-
wait "$app" || fail "the program failed at exit"
echo "header_templates($cxx $type): a header's templates patched live, pid $app"
