#!/usr/bin/env bash
# A one-function edit in a small file (issue 16; goal: under 150 ms from the
# save to the new answer, median and p95): a running program's 18-line
# source file with one light include is edited in one function, patched
# with `softpatch patch`, and asked until it answers with the new code.
# ROUNDS such edits after a first one (not counted: it builds the file's
# preambles); then one more under strace, for where the time goes.
#   bench/small_file_edit.sh [softpatch build dir] [Debug|Release] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
type=${2:-Debug}
rounds=${3:-20}
work=$(mktemp -d /tmp/softpatch-small-edit-XXXXXX)
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR" "$work/src"

cat >"$work/src/small.cpp" <<'CPP'
#include <cstring>

namespace {
int counted = 0;
unsigned mix(unsigned x) { return x ^ (x >> 7) ^ (x << 3); }
}  // namespace

unsigned checksum(const char* text) {
  unsigned h = 17;
  for (std::size_t i = 0, n = std::strlen(text); i < n; ++i) h = mix(h + text[i]);
  return h;
}

int count_calls() { return ++counted; }

bool same_word(const char* a, const char* b) { return std::strcmp(a, b) == 0; }

const char* sample_version() { return "v0"; }
CPP
file=small.cpp
source "$here/live_program.sh"
start_live_program

patch_round 1 >/dev/null
live=()
for round in $(seq 2 $((rounds + 1))); do live+=("$(patch_round "$round")"); done
sorted=$(printf '%s\n' "${live[@]}" | sort -n)
median_s=$(printf '%s\n' "${live[@]}" | median)
p95_s=$(echo "$sorted" | awk -v n="$rounds" '{ v[NR] = $1 } END { i = int(n * 0.95 + 0.999); print v[i] }')

# One more edit, traced: the compiler's start and end split the patch into
# what comes before it (the command's start, the agent's answer, the
# comparison and the rewrite), the compile and link, and what follows (the
# load and the switch, the answer). strace (stopping at these two calls
# only) slows the compiler's processes some.
round=$((rounds + 2))
sed -i "s/return \"v$((round - 1))\"/return \"v$round\"/" "$work/src/$file"
(cd "$work" && strace -f --seccomp-bpf -ttt -e trace=execve,exit_group -o "$work/trace.txt" \
  "$build/bin/softpatch" patch --pid "$app" -p build "src/$file" >/dev/null)
split=$(awk '
  /execve\(/ && !/ENOENT/ {
    if (!start) start = $2
    else if (!compiler && $0 ~ /execve\("[^"]*(c|g|clang)\+\+"/) { compiler = $1; began = $2 }
  }
  /exit_group/ { if ($1 == compiler) ended = $2; last = $2 }
  END { printf "before the compile %.0f ms, compile and link %.0f ms, after %.0f ms", \
        (began - start) * 1000, (ended - began) * 1000, (last - ended) * 1000 }' "$work/trace.txt")

printf 'one-function edit in a %d-line file (%s), %d edits: save to new answer median %.0f ms, p95 %.0f ms; traced: %s\n' \
  "$(wc -l <"$work/src/$file")" "$type" "$rounds" "$(echo "$median_s * 1000" | bc)" \
  "$(echo "$p95_s * 1000" | bc)" "$split"
