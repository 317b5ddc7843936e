#!/usr/bin/env bash
# Edit-to-live latency: a running program's source file is edited, patched
# with `softpatch patch`, and asked until it answers with the new code; next
# to it, a plain compile of the same file with the same flags (the command
# ninja runs for an uninstrumented copy). Alternated, ROUNDS of each; prints
# the medians and their ratio.
#   bench/edit_to_live.sh [softpatch build dir] [Debug|Release] [ROUNDS]
# The goal (issue 3): edit-to-live at most 1.2x the plain compile.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
type=${2:-Debug}
rounds=${3:-10}
work=$(mktemp -d /tmp/softpatch-edit-to-live-XXXXXX)
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR"

# A realistic file: the build-time sample's (nine standard headers, a class,
# 60 functions), plus the function the edits change.
"$here/generate_sample.sh" "$work/src" 1
echo 'const char* sample_version() { return "v0"; }' >>"$work/src/file1.cpp"
file=file1.cpp
source "$here/live_program.sh"
start_live_program

live=() plain=()
for round in $(seq 1 "$rounds"); do
  live+=("$(patch_round "$round")")
  plain+=("$(plain_round)")
done
live_median=$(printf '%s\n' "${live[@]}" | median)
plain_median=$(printf '%s\n' "${plain[@]}" | median)
printf 'edit-to-live of a %d-line file (%s, %d rounds): softpatch patch %.2f s, plain compile %.2f s, ratio %.2fx\n' \
  "$(wc -l <"$work/src/file1.cpp")" "$type" "$rounds" "$live_median" "$plain_median" \
  "$(echo "scale=2; $live_median / $plain_median" | bc)"
