#!/usr/bin/env bash
# A library built with hidden visibility keeps its own copies of a header's
# functions, and their state: a patch of the header, bound to the program's
# state, goes live for the program's calls and says that the library's run
# their old code (it used to switch the library's calls to code counting
# with the program's counter); a patch of the library's own file is bound to
# the library's slots of the header's functions, not to the program's; a
# header's patch is built from a file of the program (the library's defines
# differ); once the library is stripped, a patch that calls its copy of a
# header function, or would copy its inline variable, is refused, naming it.
#   check.sh <softpatch build dir> <work dir> <c++ compiler> <Debug|Release>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/e2e.sh" "$1" "$2"
cxx=$3 type=$4
fail() { echo "hidden_visibility($cxx $type): $*" >&2; [ -f "$work/out.txt" ] && cat "$work/out.txt" >&2; exit 1; }
patch() { (cd "$work/app" && "$softpatch" patch -p build "$1" 2>"$work/err.txt"); }

build_app "$cxx" "$type"
start_app
# Each module counts its own tickets.
say 1 "main 2 | plug2 2"
eventually answers "$app" || fail "the agent does not answer"

sed -i 's/tickets::side() + /std::string("PLUG") + /' "$work/app/plugin/plugin.cpp"
line=$(patch plugin/plugin.cpp) || fail "the library's file was not patched: $(cat "$work/err.txt")"
[[ "$line" =~ ^plugin/plugin.cpp\ →\ patch\ 1: ]] || fail "the library's patch said: $line"
say 2 "main 4 | PLUG2 4"

sed -i 's/return ++n;/return n += 10;/' "$work/app/include/ticket.h"
line=$(patch include/ticket.h) || fail "the header was not patched: $(cat "$work/err.txt")"
[[ "$line" =~ ^include/ticket.h\ →\ patch\ 2:\ 1\ changed\ \(tickets::next\) ]] ||
  fail "the header's patch said: $line"
grep -q "^softpatch: tickets::next() has a copy of its own in .*libplugin.so (hidden visibility), with its own state, which the patch does not share: calls from there run the old code$" \
  "$work/err.txt" || fail "the library's own copy was not named: $(cat "$work/err.txt")"
# The program's counter goes 2 -> 12; the library's 2 -> 3, by its own code.
say 3 "main 24 | PLUG2 6"

sed -i 's/return x \* 2;/return x * 3;/' "$work/app/include/ticket.h"
line=$(patch include/ticket.h) || fail "the second header patch failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^include/ticket.h\ →\ patch\ 3:\ 1\ changed\ \(tickets::scaled\) ]] ||
  fail "the second header patch said: $line"
# The library's patched word() calls scaled() through the library's slot,
# which runs the old code: 2, not 3.
say 4 "main 66 | PLUG2 8"

exec 3>&-
wait "$app" || fail "the program failed at exit"

# The same sources as the build, the library stripped of its symbol table.
cp "$here/app/include/ticket.h" "$work/app/include/ticket.h"
cp "$here/app/plugin/plugin.cpp" "$work/app/plugin/plugin.cpp"
strip "$work/app/build/libplugin.so"
rm "$work/in"
start_app
say 5 "main 2 | plug2 2"
eventually answers "$app" || fail "the agent does not answer"
sed -i 's/tickets::side() + /std::string("PLUG") + /' "$work/app/plugin/plugin.cpp"
! line=$(patch plugin/plugin.cpp) || fail "a patch of the stripped library went live: $line"
grep -Eq "tickets::scaled\(int\)(, [^ ]+)* ha(s a copy of its|ve copies of their) own in .*libplugin.so \(hidden visibility\), which the patch calls and softpatch cannot find: .*libplugin.so has no symbol table \(stripped\?\); restart needed$" \
  "$work/err.txt" || fail "the refusal did not name the hidden copy: $(cat "$work/err.txt")"
say 6 "main 4 | plug2 4"
# The library's inline variable, read by the patch: it could be the
# library's own, which a patch cannot tell any more.
cp "$here/app/plugin/plugin.cpp" "$work/app/plugin/plugin.cpp"
sed -i 's/tickets::scaled(tickets::next())/tickets::n/' "$work/app/plugin/plugin.cpp"
! line=$(patch plugin/plugin.cpp) || fail "a patch with a copy of a hidden variable went live: $line"
grep -q "tickets::n may be hidden in .*libplugin.so (hidden visibility), which softpatch cannot tell: .*libplugin.so has no symbol table (stripped?); the patch would then have a second copy of it: restart needed$" \
  "$work/err.txt" || fail "the refusal did not name the variable: $(cat "$work/err.txt")"
say 7 "main 6 | plug2 6"

exec 3>&-
wait "$app" || fail "the program failed at exit"
echo "hidden_visibility($cxx $type): the program's calls patched, the library's kept its own code and state, pid $app"
