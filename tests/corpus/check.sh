#!/usr/bin/env bash
# Builds the corpus plainly and instrumented with one compiler at one
# optimisation level, then checks: no new warnings, every file instrumented,
# identical output, and a no-op rebuild that rebuilds nothing.
#   check.sh <c++ compiler> <Debug|Release> <softpatch_DIR> <work dir> [c++ standard] [pch]
set -euo pipefail
cxx=$1 type=$2 package=$3 work=$4 std=${5:-17} pch=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
fail() { echo "corpus($cxx $type c++$std $pch): $*" >&2; exit 1; }

cmake -S "$here" -B "$work/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_BUILD_TYPE="$type" -DCMAKE_CXX_STANDARD="$std" -Dsoftpatch_DIR="$package" \
  -DCORPUS_PCH="$([ "$pch" = pch ] && echo ON || echo OFF)" \
  >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configure failed"; }
ninja -C "$work/build" corpus_plain >"$work/plain.log" 2>&1 || { cat "$work/plain.log"; fail "plain build failed"; }
ninja -C "$work/build" corpus_instrumented >"$work/instrumented.log" 2>&1 ||
  { cat "$work/instrumented.log"; fail "instrumented build failed"; }

# The same warnings as the plain build (g++ 12 has -Wrestrict false positives
# in libstdc++ at -O2 with C++20), and nothing from softpatch-cc.
grep "warning:" "$work/plain.log" | sort -u >"$work/plain.warnings" || true
grep "warning:" "$work/instrumented.log" | sort -u >"$work/instrumented.warnings" || true
if ! diff -u "$work/plain.warnings" "$work/instrumented.warnings" >&2; then
  fail "the instrumented build printed new warnings"
fi
# Every file, main.cpp too: it defines nothing but main, which is never
# instrumented, but it includes the project's headers, whose functions are.
sources=$(ls "$here"/src/*.cpp | wc -l)
copies=$(find "$work/build" -name '*.softpatch.cpp' | wc -l)
[ "$copies" -eq "$sources" ] || fail "$copies of $sources files were instrumented"
headers=$(ls "$here"/src/*.h | wc -l)
header_copies=$(find "$work/build" -path '*.softpatch-headers/*' -name '*.h' | sed 's/.*-//' | sort -u | wc -l)
[ "$header_copies" -eq "$headers" ] || fail "$header_copies of $headers headers were instrumented"

"$work/build/corpus_plain" >"$work/plain.out" || fail "plain program failed"
"$work/build/corpus_instrumented" >"$work/instrumented.out" || fail "instrumented program failed"
diff -u "$work/plain.out" "$work/instrumented.out" >&2 || fail "outputs differ"

ninja -C "$work/build" -d explain corpus_instrumented >"$work/noop.log" 2>&1
grep -q "no work to do" "$work/noop.log" || { cat "$work/noop.log" >&2; fail "no-op rebuild did work"; }
echo "corpus($cxx $type c++$std $pch): $(wc -l <"$work/plain.out") lines identical, $copies files instrumented"
