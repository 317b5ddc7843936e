#!/usr/bin/env bash
# Installs softpatch from a build tree into a fresh prefix and builds a user
# project against it with find_package(softpatch CONFIG).
#   check.sh <softpatch build dir> <work dir>
set -euo pipefail
build=$1 work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
for f in bin/softpatch-cc bin/softpatch-rewrite include/softpatch/registry.h \
         include/softpatch/internal/instrument.h lib/cmake/softpatch/softpatchConfig.cmake; do
  [ -e "$work/prefix/$f" ] || { echo "package: $f was not installed" >&2; exit 1; }
done
cmake -S "$here/consumer" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
ninja -C "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
if grep -q warning "$work/build.log"; then cat "$work/build.log"; exit 1; fi
out=$("$work/consumer/consumer")
expected="hello, world: greet(const std::string &) at greet.cpp:3"
[ "$out" = "$expected" ] || { echo "package: got '$out', expected '$expected'" >&2; exit 1; }
# The installed launcher finds its header beside itself, not in the source tree.
grep -q "$work/prefix/include/softpatch/internal/instrument.h" \
  "$work/consumer/CMakeFiles/consumer.dir/greet.cpp.o.softpatch.cpp" ||
  { echo "package: the installed softpatch-cc used another runtime header" >&2; exit 1; }
echo "package: installed, found and used: $out"
