#!/usr/bin/env bash
# Each kind of function body patched live in a running program built with
# one compiler at one optimisation level: a constructor's and a destructor's
# bodies (parameters of every kind passed on), a free function and a
# constexpr one (called through a pointer kept from before) go live with the
# same pid, objects made before keep their members, and an edited member
# initialiser is refused by name; the same for a header's constructor and
# destructor; a lambda's new body runs for a closure made before the patch
# (one that captures too), unless what it captures changed.
#   check.sh <softpatch build dir> <work dir> <c++ compiler> <Debug|Release>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/e2e.sh" "$1" "$2"
cxx=$3 type=$4
fail() { echo "kinds($cxx $type): $*" >&2; [ -f "$work/out.txt" ] && cat "$work/out.txt" >&2; exit 1; }

build_app "$cxx" "$type"

# The bodies mocked and spied on: a spy calls through to the body, a mock
# takes every kind of parameter as the body does, a destructor's is skipped.
mocked=$("$work/app/build/app" --mocks 2>&1) || fail "app --mocks failed: $mocked"
[ "$mocked" = "spied 1 of 3, body 1, label 746, destructor body skipped 1" ] ||
  fail "mocks saw: $mocked"

start_app

say 1 "bonus 0, first 0, open 2, price 2, label 11, closed 0, fee 2, visits 1, discount 0, markup 0, till 2"
eventually answers "$app" || fail "the agent does not answer"
sed -i 's/{ ++open; }/{ ++open; bonus_ = 100 * items_; }/; s/{ --open; }/{ --open; ++closed; }/; s/n \* 2/n * 3/; s/) \* scale +/) * scale * 10 +/' \
  "$work/app/src/shop.cpp"
line=$(cd "$work/app" && "$softpatch" patch -p build src/shop.cpp) || fail "patch failed"
[[ "$line" =~ ^src/shop.cpp\ →\ patch\ 1:\ 4\ changed\ \(Basket::Basket,\ Basket::~Basket,\ Label::Label,\ price\) ]] ||
  fail "patch said: $line"
# The first basket was made before the patch: its bonus stays 0. The label's
# body sees the name its initialiser keeps (5 * 2 * 10 + 1), not one moved
# from it.
say 2 "bonus 200, first 0, open 3, price 6, label 101, closed 1, fee 3, visits 3, discount 1, markup 1, till 6"

sed -i 's/: items_(items)/: items_(items + 1)/' "$work/app/src/shop.cpp"
if (cd "$work/app" && "$softpatch" patch -p build src/shop.cpp 2>"$work/err.txt"); then
  fail "an edited member initialiser was reported patched"
fi
grep -q "member initialiser items_ of Basket::Basket(int) changed" "$work/err.txt" ||
  fail "member initialiser edit: $(cat "$work/err.txt")"
say 3 "bonus 300, first 0, open 4, price 9, label 101, closed 2, fee 4, visits 6, discount 1, markup 1, till 12"
sed -i 's/: items_(items + 1)/: items_(items)/' "$work/app/src/shop.cpp"

# A constexpr function: its constant evaluation is unchanged, and its calls
# at run time, through a pointer made before the patch, run the new body.
sed -i 's/return n + 1;/return n + 50;/' "$work/app/src/shop.cpp"
line=$(cd "$work/app" && "$softpatch" patch -p build src/shop.cpp) || fail "constexpr patch failed"
[[ "$line" =~ ^src/shop.cpp\ →\ patch\ 2:\ [0-9]+\ changed\ \(fee, ]] || fail "constexpr patch said: $line"
say 4 "bonus 400, first 0, open 5, price 12, label 101, closed 3, fee 54, visits 10, discount 2, markup 2, till 20"

# A header's constructor and destructor: their new bodies run for the
# objects made after the patch, and an edited member initialiser is refused.
sed -i 's/{ visits += n_; }/{ visits += n_ * 10; }/; s/{ visits += 0; }/{ visits += 1000; }/' \
  "$work/app/src/shop.h"
line=$(cd "$work/app" && "$softpatch" patch -p build src/shop.h 2>"$work/err.txt") ||
  fail "header constructor patch failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^src/shop.h\ →\ patch\ 3:\ 2\ changed\ \(Visit::Visit,\ Visit::~Visit\) ]] ||
  fail "header constructor patch said: $line"
say 5 "bonus 500, first 0, open 6, price 15, label 101, closed 4, fee 55, visits 1060, discount 2, markup 2, till 30"
sed -i 's/: n_(n) {/: n_(n + 1) {/' "$work/app/src/shop.h"
if (cd "$work/app" && "$softpatch" patch -p build src/shop.h 2>"$work/err.txt"); then
  fail "an edited member initialiser of a header was reported patched"
fi
grep -qx "softpatch: src/shop.h: member initialiser n_ of Visit::Visit(int) changed: a patch replaces constructor bodies only, and objects that exist keep their members: restart needed" \
  "$work/err.txt" || fail "a header's member initialiser edit: $(cat "$work/err.txt")"
sed -i 's/: n_(n + 1) {/: n_(n) {/' "$work/app/src/shop.h"
say 6 "bonus 600, first 0, open 7, price 18, label 101, closed 5, fee 56, visits 2120, discount 3, markup 3, till 42"

# Lambdas, one that captures nothing and one that captures: the closures
# main made before the patch run their new bodies (the captured percent
# read from the closure made then), and the patch has no note.
sed -i 's|return n / 2;|return n * 100;|; s|n \* percent / 100|n * percent / 10|; s|n \* step;|n * step * 10;|' \
  "$work/app/src/shop.cpp"
line=$(cd "$work/app" && "$softpatch" patch -p build src/shop.cpp 2>"$work/err.txt") ||
  fail "lambda patch failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^src/shop.cpp\ →\ patch\ 4:\ 3\ changed\ \(make_discount,\ make_markup,\ Till::adder\) ]] ||
  fail "lambda patch said: $line"
[ ! -s "$work/err.txt" ] || fail "lambda patch's notes: $(cat "$work/err.txt")"
say 7 "bonus 700, first 0, open 8, price 21, label 101, closed 6, fee 57, visits 3190, discount 700, markup 35, till 182"

# What the lambda captures changes: the closure made before would not be
# the patch's, so it keeps the body it runs, and the patch says so.
sed -i 's|\[percent\](int n) { return n \* percent / 10; }|[percent, by = 5](int n) { return n * percent / by; }|' \
  "$work/app/src/shop.cpp"
line=$(cd "$work/app" && "$softpatch" patch -p build src/shop.cpp 2>"$work/err.txt") ||
  fail "captures patch failed: $(cat "$work/err.txt")"
[[ "$line" =~ ^src/shop.cpp\ →\ patch\ 5:\ 1\ changed\ \(make_markup\) ]] ||
  fail "captures patch said: $line"
[ "$(cat "$work/err.txt")" = "softpatch: closures of make_markup(int)::<lambda at line 38> made before the patch run its old body (its captures changed)" ] ||
  fail "captures patch's notes: $(cat "$work/err.txt")"
say 8 "bonus 800, first 0, open 9, price 24, label 101, closed 7, fee 58, visits 4270, discount 800, markup 40, till 342"

exec 3>&-
wait "$app" || fail "the program failed at exit"
echo "kinds($cxx $type): constructor, destructor, function and constexpr function patched live, pid $app"
