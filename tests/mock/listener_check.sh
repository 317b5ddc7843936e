#!/usr/bin/env bash
# Runs the two listener test cases of a Catch2 or doctest test program and
# passes only if the first, which leaves a mock active, is failed by
# softpatch's listener with its message, and the second, which checks that
# the mocks were reset, passes.
#   listener_check.sh <program> <arguments that select the two test cases>...
set -uo pipefail
program=$1
shift
output=$("$program" "$@" 2>&1)
status=$?
fail() {
  echo "listener_check: $1" >&2
  echo "$output" | tail -40 >&2
  exit 1
}
[ $status -ne 0 ] || fail "the program passed, but a test that leaves a mock active must fail"
grep -qF "softpatch: leaves a mock active left 1 mock active" <<<"$output" ||
  fail "no softpatch message naming the test that left a mock active"
grep -qE "test cases: +2 \| +1 passed \| +1 failed" <<<"$output" ||
  fail "not exactly one of the two test cases failed"
