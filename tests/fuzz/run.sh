#!/usr/bin/env bash
# Runs one fuzzer for a bounded time from its checked-in seeds, keeping what it
# learns in a work corpus, and prints one line of figures:
#   run.sh <fuzzer> <seed dir> <work dir> <seconds>
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/findings"
log=$work/last-run.log
if ! "$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/findings/" "$work/corpus" "$seeds" >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "$(basename "$fuzzer"): FAILED; the input is in $work/findings/" >&2
  exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
units=$(ls "$work/corpus" | wc -l)
summary=$(sed -n 's/^summary: /, /p' "$log" | tail -n 1)  # what a fuzzer adds
echo "$(basename "$fuzzer"): $runs executions in $seconds s, corpus $units inputs$summary, 0 failures" |
  tee "$work/summary.txt"
