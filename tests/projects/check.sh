#!/usr/bin/env bash
# A real project of the corpus (pugixml, jsoncpp or fmt, from ../shared/corpus
# beside the repository) built plainly and instrumented — every library and
# test target, as a user would: find_package(softpatch) and
# softpatch_instrument() (tests/projects/corpus.cmake) — and required:
#   1. no fallback: softpatch-cc compiles no file uninstrumented (it says so
#      in a warning line);
#   2. no function left out but by a documented rule: every reason that
#      softpatch-rewrite --explain gives is one (constructor, template, ...);
#      any other (a function the rewriter could not rewrite) fails;
#   3. the same source gives the same instrumented text (ids, signatures,
#      layouts, fingerprints, header copies) whether softpatch-rewrite
#      parses a file without a precompiled preamble, with one it builds for
#      it, or with one it finds: a cache must never make a patch refused;
#   4. the project's suite gives the plain build's result: each test's
#      status, and the counts its runner prints (passed, failed);
#   5. a function of the library, edited while a small program of it runs
#      with its agent (tests/projects/<project>/probe.cpp), is patched live:
#      the same process prints the new result;
#   6. for jsoncpp, a function of a header too (every file's calls of it).
#   check.sh <softpatch build dir> <work dir> <pugixml|jsoncpp|fmt>
# SOFTPATCH_CORPUS_DIR says where the corpus is; without one the test is
# skipped (exit 77). fmt runs only with SOFTPATCH_CORPUS_FMT=1 (it takes
# about 20 minutes on two cores). SOFTPATCH_CORPUS_JOBS (1) is the builds'
# parallelism.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=${3:?usage: check.sh <softpatch build dir> <work dir> <pugixml|jsoncpp|fmt>}
corpus=${SOFTPATCH_CORPUS_DIR:-$(dirname "$(dirname "$here")")/../shared/corpus}
skip() { echo "projects($project): skipped: $*"; exit 77; }
[ -f "$corpus/$project/CMakeLists.txt" ] ||
  skip "no $project in the corpus at $corpus (set SOFTPATCH_CORPUS_DIR to the corpus's folder)"

# What to build, and the live patch: in $patched, $old becomes $new, and the
# probe's line becomes $after.
case $project in
  pugixml)
    options=(-DPUGIXML_BUILD_TESTS=ON)
    required=(pugixml-static pugixml-check)
    library=pugixml-static
    patched=src/pugixml.cpp
    old='case status_ok: return "No error";'
    new='case status_ok: return "No error, patched";'
    after='No error, patched: hello, world'
    ;;
  jsoncpp)
    options=(-DJSONCPP_WITH_TESTS=ON -DJSONCPP_WITH_POST_BUILD_UNITTEST=OFF)
    required=(jsoncpp_lib jsoncpp_static jsoncpp_object jsoncpp_test jsontestrunner_exe)
    library=jsoncpp_lib
    patched=src/lib_json/json_writer.cpp
    old='return value ? "true" : "false";'
    new='return value ? "yes" : "no";'
    after='{"count":3,"ok":yes}'
    # And a header's: a static inline function of a private header.
    header=src/lib_json/json_tool.h
    header_old='  *--current = 0;'
    header_new="  *--current = 0;
  *--current = '7';"
    header_after='{"count":37,"ok":yes}'
    ;;
  fmt)
    [ "${SOFTPATCH_CORPUS_FMT:-0}" = 1 ] ||
      skip "fmt takes about 20 minutes on two cores: run it with SOFTPATCH_CORPUS_FMT=1"
    options=(-DFMT_TEST=ON)
    required=(fmt fmt-c test-main gtest format-test base-test os-test posix-mock-test)
    library=fmt::fmt
    patched=src/os.cc
    old='  return size;'
    new='  return size * 2;'
    after="page size $(($(getconf PAGESIZE) * 2))"
    ;;
  *)
    echo "projects: no project '$project' (pugixml, jsoncpp or fmt)" >&2
    exit 2
    ;;
esac

. "$here/../support/e2e.sh" "$1" "$2"
fail() { echo "projects($project): $*" >&2; exit 1; }
# A line per step, with its time: the test takes minutes.
note() { echo "projects($project): $*"; }
# first LOG: its first 20 lines, and where the rest is.
first() { head -20 "$1"; [ "$(wc -l <"$1")" -le 20 ] || echo "... (all of it in $1)"; }
jobs=${SOFTPATCH_CORPUS_JOBS:-1}
rewrite=$build/rewriter/softpatch-rewrite
src=$work/$project
probe=""
# On any exit: the probe, and whatever else runs in the work directory (a
# compiler, a test, a preamble build), killed and reaped.
cleanup() {
  exec 3>&-
  [ -z "$probe" ] || { kill -KILL "$probe" && wait "$probe"; } 2>/dev/null || true
  kill_leftovers
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
# waited COMMAND...: runs it in the background and waits for it, so that a
# signal (CTest's timeout) ends the script at once and the trap above kills
# what it started.
waited() { "$@" & wait $!; }

cp -r "$corpus/$project" "$src"
chmod -R u+w "$src"
cp "$here/$project/probe.cpp" "$src/softpatch_probe.cpp"
printf '\ninclude("%s/corpus.cmake")\n' "$here" >>"$src/CMakeLists.txt"

# since START: seconds (one decimal) from START, an $EPOCHREALTIME.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
declare -A took

# build KIND CMAKE-OPTIONS...: configures and builds $work/KIND.
build_project() {
  local kind=$1 start=$EPOCHREALTIME
  shift
  waited cmake -S "$src" -B "$work/$kind" -G Ninja "${options[@]}" \
    -DSOFTPATCH_PROBE_SOURCE="$src/softpatch_probe.cpp" -DSOFTPATCH_PROBE_LIBRARY="$library" \
    "$@" >"$work/$kind-configure.log" 2>&1 ||
    fail "$kind: configure failed: $(tail -20 "$work/$kind-configure.log")
... (all of it in $work/$kind-configure.log)"
  waited ninja -C "$work/$kind" -j "$jobs" >"$work/$kind-build.log" 2>&1 ||
    fail "$kind: build failed: $(grep -m10 -E 'FAILED|error|undefined' "$work/$kind-build.log")
... (all of it in $work/$kind-build.log)"
  took[$kind-build]=$(since "$start")
}

# suite KIND: runs the project's tests in $work/KIND; $work/KIND.result is
# each test's status and the counts its runner printed, one per line.
suite() {
  local kind=$1 start=$EPOCHREALTIME
  waited ctest --test-dir "$work/$kind" -V >"$work/$kind-suite.log" 2>&1 || true  # compared below
  took[$kind-suite]=$(since "$start")
  python3 - "$work/$kind-suite.log" >"$work/$kind.result" <<'PY'
import re, sys
names, lines = {}, set()
counts = re.compile(r"\b\d+ (out of \d+ |of \d+ )?tests?\b.*\b(passed|failed)\b|^\[  (PASSED|FAILED)  \]"
                    r"|: FAILED$", re.I)
for line in open(sys.argv[1], errors="replace"):
    line = line.rstrip("\n")
    start = re.match(r"\s*Start\s+(\d+): (\S+)$", line)
    if start:
        names[start.group(1)] = start.group(2)
    done = re.match(r"\s*\d+/\d+ Test\s+#\d+: (\S+) \.*\s*(?:\*\*\*)?(.*?)\s+[0-9.]+ sec$", line)
    if done:
        lines.add("%s: %s" % (done.group(1), done.group(2)))
    output = re.match(r"(\d+): (.*)$", line)
    if output and output.group(1) in names and counts.search(output.group(2)):
        lines.add("%s: %s" % (names[output.group(1)], output.group(2).strip()))
print("\n".join(sorted(lines)))
PY
}

# --- plain, then instrumented ------------------------------------------------

build_project plain
suite plain
grep -q . "$work/plain.result" || fail "the plain build's suite ran no test: $(tail -5 "$work/plain-suite.log")"
note "plain build ${took[plain-build]} s, suite ${took[plain-suite]} s ($(grep -c . "$work/plain.result") results)"
build_project instrumented -DSOFTPATCH_CORPUS_INSTRUMENT=ON -Dsoftpatch_DIR="$build/cmake/build-tree"
targets=$(sed -n 's/^-- softpatch: instrumented: //p' "$work/instrumented-configure.log")
for target in "${required[@]}"; do
  [[ " $targets " == *" $target "* ]] || fail "$target was not instrumented (instrumented: $targets)"
done

# 1. No fallback: softpatch-cc says nothing when it instruments a file.
if grep -F "softpatch-cc: " "$work/instrumented-build.log" >"$work/fallbacks.txt"; then
  fail "$(wc -l <"$work/fallbacks.txt") files fell back to an uninstrumented compile (a softpatch bug):
$(head -5 "$work/fallbacks.txt")"
fi
copies=$(find "$work/instrumented" -name '*.softpatch.cpp' | wc -l)
((copies > 0)) || fail "no file was instrumented"
note "instrumented build ${took[instrumented-build]} s: $targets; $copies files, no fallback"

# 2. Every function left out, left out by a rule: the project's files as the
# build compiled them (the first command of a file compiled more than once).
python3 - "$work/instrumented/compile_commands.json" "$src" >"$work/files.txt" <<'PY'
import json, os, sys
root, files = os.path.realpath(sys.argv[2]) + "/", []
for entry in json.load(open(sys.argv[1])):
    path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    if path.startswith(root) and path.endswith((".cpp", ".cc", ".cxx")) and path not in files:
        files.append(path)
print("\n".join(files))
PY
start=$EPOCHREALTIME
waited xargs -a "$work/files.txt" -d '\n' -n 1 "$rewrite" -p "$work/instrumented" --root="$src" --explain \
  >"$work/explain.txt" 2>"$work/explain.err" || fail "softpatch-rewrite --explain failed: $(first "$work/explain.err")"
took[explain]=$(since "$start")
rules='[^:]*lambda[^:]* \(part of its enclosing function\)|deleted function|defaulted function|main'
rules+='|(constructor|destructor) (with a function-try-block|of a class local to a function|of an unnamed class)'
rules+='|(constructor|destructor) of a class whose definition a patch cannot edit \(not copied\)'
rules+='|consteval function|constexpr function under C\+\+11|constexpr (constructor|destructor)|C variadic function'
# What a header's function or a member of a local class cannot be named by
# (docs/architecture.md, "The project's headers"; README, "not instrumented").
rules+='|declared first as a friend \(.*\), where GCC ignores an ABI tag|returns a lambda or a type declared inside a function'
# What templates do not have yet (docs/architecture.md, "Templates").
rules+='|function template of the global namespace, whose ABI tag g\+\+ ignores .*'
rules+='|explicit specialization (in a header, under Clang|of a function template of the global namespace).*'
rules+='|template declared in another file than its definition .*'
rules+='|(member of a class )?template with an? (explicit instantiation declaration|explicit specialization that is not inline).*'
rules+='|instantiation whose template arguments cannot be written at namespace scope .*'
rules+='|(constructor|destructor) of a class template|template with a deduced return type'
rules+='|friend defined in a class template|member of a class local to a function template'
rules+='|member of a (partial specialization of a class template|class nested in a class template)'
rules+='|template with (an unnamed template parameter|a template template parameter .*)'
rules+='|template parameter .* is neither a type nor a whole number|function inside a template'
rules+='|template whose return type is a decltype|abbreviated template \(an auto parameter\)'
rules+='|a member of its class hides template parameter .*'
rules+='|coroutine|naked function|multiversioned function|opted out.*'
# A header's functions in a file that cannot copy it (docs/architecture.md,
# "The project's headers"): its functions stay plain in that file, with the reason.
rules+='|its header is not copied: .*|declared first (in|by) .*'
# ... and what an ABI tag would split (a plain file's copy of the header).
rules+='|virtual in a class (without a key function|template).*|has a static variable .*'
rules+='|extern "C" inline function .*'
# ... and code the compiler may preprocess otherwise than the rewriter's Clang.
rules+="|(instantiation )?in an #if that the compiler may decide otherwise than the rewriter's Clang .*"
grep -E ": not instrumented: " "$work/explain.txt" >"$work/skipped.txt" || true
if grep -vE ": not instrumented: ($rules)$" "$work/skipped.txt" >"$work/limitations.txt"; then
  fail "$(wc -l <"$work/limitations.txt") functions skipped by a softpatch limitation, not by a rule:
$(head -10 "$work/limitations.txt")"
fi
functions=$(awk '/: [0-9]+ instrumented, [0-9]+ not, / { n += $(NF - 7) } END { print n + 0 }' "$work/explain.txt")
((functions > 0)) || fail "--explain lists no instrumented function: $(first "$work/explain.txt")"
note "--explain ${took[explain]} s: $functions functions instrumented, $(wc -l <"$work/skipped.txt") left out, each by a rule"

# 3. Same source, same text, with and without the preamble cache: each file
# rewritten three times with a cache of its own (its preamble first seen,
# then precompiled, then found), to one output path per file.
same=$work/same
mkdir -p "$same/cache"
nl -ba -w1 -s' ' "$work/files.txt" >"$same/numbered.txt"
rewrite_all() {
  rm -rf "$same/files" && mkdir -p "$same/files"
  SOFTPATCH_CACHE_DIR="$same/cache" waited xargs -a "$same/numbered.txt" -d '\n' -P "$jobs" -n 1 \
    sh -c 'exec "$0" -p "$1" --root="$2" -o "$3/${4%% *}.cpp" "${4#* }"' "$rewrite" \
    "$work/instrumented" "$src" "$same/files" 2>"$same/$1.err" ||
    fail "softpatch-rewrite failed ($1 run): $(first "$same/$1.err")"
  mv "$same/files" "$same/$1"
}
start=$EPOCHREALTIME
rewrite_all first
rewrite_all built
ls "$same/cache"/*.pch >/dev/null 2>&1 || fail "no preamble was precompiled in $same/cache"
rewrite_all found
for run in built found; do
  diff -ru "$same/first" "$same/$run" >"$same/$run.diff" ||
    fail "the instrumented text differs with a precompiled preamble ($run) from without: $(first "$same/$run.diff")"
done
note "same text without a preamble, with one built and with one found ($(since "$start") s)"

# 4. The suite, as in the plain build.
suite instrumented
diff -u "$work/plain.result" "$work/instrumented.result" >&2 ||
  fail "the instrumented build's suite result differs from the plain build's (above; $work/*-suite.log)"
note "instrumented suite ${took[instrumented-suite]} s: as plain"

# 5. The live patch, in a probe started with its agent and fed lines.
before=$("$work/plain/softpatch_probe" </dev/null) || fail "the plain probe failed"
mkfifo "$work/probe.in"
SOFTPATCH_AGENT=1 "$work/instrumented/softpatch_probe" <"$work/probe.in" >"$work/probe.out" \
  2>"$work/probe.err" &
probe=$!
exec 3>"$work/probe.in"
lines() { [ "$(wc -l <"$work/probe.out")" -ge "$1" ]; }
up_or_gone() { { lines 1 && answers "$probe"; } || ended "$probe"; }
eventually up_or_gone && ! ended "$probe" ||
  fail "the probe did not start with its agent: $(cat "$work/probe.err")"
[ "$(sed -n 1p "$work/probe.out")" = "$before" ] ||
  fail "the instrumented probe said '$(sed -n 1p "$work/probe.out")', the plain one '$before'"
# edit FILE OLD NEW: OLD, there once, becomes NEW.
edit() {
  python3 - "$@" <<'PY' || fail "cannot edit $1"
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if text.count(old) != 1:
    sys.exit("%s: '%s' is there %d times, not once" % (path, old, text.count(old)))
open(path, "w").write(text.replace(old, new))
PY
}
edit "$src/$patched" "$old" "$new"
waited "$softpatch" patch -p "$work/instrumented" --pid "$probe" "$src/$patched" >"$work/patch.txt" 2>&1 ||
  fail "patching $patched failed (a softpatch bug): $(first "$work/patch.txt")"
grep -qE "→ patch 1: 1 changed \(.+\) in " "$work/patch.txt" || fail "the patch said: $(cat "$work/patch.txt")"
echo >&3
answered_or_gone() { lines "${1:-2}" || ended "$probe"; }
eventually answered_or_gone && ! ended "$probe" || fail "the probe died after the patch: $(cat "$work/probe.err")"
[ "$(sed -n 2p "$work/probe.out")" = "$after" ] ||
  fail "after the patch the probe said '$(sed -n 2p "$work/probe.out")', not '$after'"
"$softpatch" status --pid "$probe" >"$work/status.txt" 2>&1 && grep -q "^patches 1 active 1$" "$work/status.txt" ||
  fail "status after the patch: $(cat "$work/status.txt")"
note "$patched patched live in the probe (pid $probe): $(sed -n 's/.*→ //p' "$work/patch.txt")"

# 6. A header's body edit, live in the same probe, for the calls of every
# file (where the project names one).
if [ -n "${header:-}" ]; then
  edit "$src/$header" "$header_old" "$header_new"
  waited "$softpatch" patch -p "$work/instrumented" --pid "$probe" "$src/$header" \
    >"$work/header-patch.txt" 2>&1 ||
    fail "patching $header failed (a softpatch bug): $(first "$work/header-patch.txt")"
  grep -qE "→ patch 2: 1 changed \(.+\) in " "$work/header-patch.txt" ||
    fail "the header's patch said: $(cat "$work/header-patch.txt")"
  echo >&3
  eventually answered_or_gone 3 && ! ended "$probe" ||
    fail "the probe died after the header's patch: $(cat "$work/probe.err")"
  [ "$(sed -n 3p "$work/probe.out")" = "$header_after" ] ||
    fail "after the header's patch the probe said '$(sed -n 3p "$work/probe.out")', not '$header_after'"
  note "$header patched live in the probe: $(sed -n 's/.*→ //p' "$work/header-patch.txt")"
fi
exec 3>&-  # the end of its input: the patched program ends normally
wait "$probe" || fail "the patched probe exited with status $?: $(cat "$work/probe.err")"
probe=""
