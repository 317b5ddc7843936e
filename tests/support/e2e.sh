# Sourced by the end-to-end scripts: their arguments, a fresh work directory
# holding a copy of the test's app, and private agent and cache directories.
#   . "$here/../support/e2e.sh" "$@"     (with $here the script's directory)
# Sets: build (softpatch's build dir), work, softpatch (the command).
set -euo pipefail
build=$(cd "$1" && pwd) work=$2
softpatch=$build/bin/softpatch
rm -rf "$work" && mkdir -p "$work" && cp -r "$here/app" "$work/app"
export XDG_RUNTIME_DIR=$work/run SOFTPATCH_CACHE_DIR=$work/cache
mkdir -m 700 "$XDG_RUNTIME_DIR"
