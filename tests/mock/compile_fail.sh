#!/usr/bin/env bash
# Compiles a snippet that misuses softpatch/mock.h and passes only if the
# compiler refuses it with the expected message, and with that one error
# only (a misuse must not bury its message under errors from inside the
# library).
#   compile_fail.sh <c++> <snippet.cpp> <expected text> <include dir>...
set -uo pipefail
cxx=$1 snippet=$2 expected=$3
shift 3
includes=()
for dir in "$@"; do includes+=("-I$dir"); done
errors=$("$cxx" -std=c++17 -fsyntax-only -Werror=unused-result "${includes[@]}" "$snippet" 2>&1)
status=$?
if [ $status -eq 0 ]; then
  echo "compile_fail: $snippet compiled, but must not" >&2
  exit 1
fi
if ! grep -qF -- "$expected" <<<"$errors"; then
  echo "compile_fail: $snippet failed without saying '$expected':" >&2
  echo "$errors" | head -30 >&2
  exit 1
fi
count=$(grep -c "error:" <<<"$errors")
if [ "$count" -ne 1 ]; then
  echo "compile_fail: $snippet failed with $count errors, not 1:" >&2
  grep "error:" <<<"$errors" | head -10 >&2
  exit 1
fi
