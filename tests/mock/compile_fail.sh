#!/usr/bin/env bash
# Compiles a snippet that misuses softpatch/mock.h and passes only if the
# compiler refuses it with the expected message.
#   compile_fail.sh <c++> <runtime include dir> <snippet.cpp> <expected text>
set -uo pipefail
cxx=$1 include=$2 snippet=$3 expected=$4
errors=$("$cxx" -std=c++17 -fsyntax-only -Werror=unused-result -I"$include" "$snippet" 2>&1)
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
