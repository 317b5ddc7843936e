#!/usr/bin/env bash
# A one-function edit in a large file (issue 16): a running program's
# 3,000-line source file with light includes is edited in one function,
# patched with `softpatch patch`, and asked until it answers with the new
# code; next to it, a plain compile of the same file with the same flags.
# Alternated, ROUNDS of each after a first patch timed on its own (the cold
# one: no preamble of the file cached yet). Prints the medians and ratios.
#   bench/large_file_edit.sh [softpatch build dir] [Debug|Release] [ROUNDS]
# The goals: save to new answer at most 0.5x the plain compile (Debug),
# 0.4x (Release); the first patch at most 0.8x.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
type=${2:-Debug}
rounds=${3:-9}
work=$(mktemp -d /tmp/softpatch-large-edit-XXXXXX)
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR" "$work/src"

# 167 functions of 18 lines over two light headers: code, not includes, is
# what the compiler spends its time on.
{
  echo '#include <cstdint>'
  echo '#include <cstring>'
  echo 'namespace {'
  echo 'std::uint64_t mix(std::uint64_t x) { return x ^ (x >> 31) ^ (x << 7); }'
  echo '}  // namespace'
  for i in $(seq 1 167); do
    cat <<CPP
std::uint64_t step$i(const char* text, std::uint64_t seed) {
  std::uint64_t h = seed + $i;
  std::size_t n = std::strlen(text);
  for (std::size_t k = 0; k < n; ++k) {
    h = mix(h + static_cast<unsigned char>(text[k]));
    if (h % $((i + 2)) == 0) h += $i;
  }
  switch (h % 4) {
    case 0: h *= 3; break;
    case 1: h ^= 0x9e3779b97f4a7c15ull; break;
    case 2: h += n * $i; break;
    default: h -= $i; break;
  }
  std::uint64_t total = 0;
  for (int r = 0; r < $((i % 5 + 1)); ++r) total += mix(h + r);
  if (total == 0) return h;
  return total ^ h;
}
CPP
  done
  echo 'const char* sample_version() { return "v0"; }'
} >"$work/src/big.cpp"
file=big.cpp
source "$here/live_program.sh"
start_live_program

first=$(patch_round 1)
first_plain=$(plain_round)
live=() plain=()
for round in $(seq 2 $((rounds + 1))); do
  live+=("$(patch_round "$round")")
  plain+=("$(plain_round)")
done
live_median=$(printf '%s\n' "${live[@]}" | median)
plain_median=$(printf '%s\n' "${plain[@]}" | median)
printf 'one-function edit in a %d-line file (%s): first patch %.2f s (%.2fx a plain compile), then median of %d: softpatch patch %.2f s, plain compile %.2f s, ratio %.2fx\n' \
  "$(wc -l <"$work/src/big.cpp")" "$type" "$first" "$(echo "scale=2; $first / $first_plain" | bc)" \
  "$rounds" "$live_median" "$plain_median" "$(echo "scale=2; $live_median / $plain_median" | bc)"
