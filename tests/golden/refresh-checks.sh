#!/bin/sh
# Regenerates examples/broken/*.expected: the text output of `infrac check`
# on each broken fleet, run from the repository root with relative paths so
# the files do not depend on the machine. Review `git diff` before committing.
#   sh tests/golden/refresh-checks.sh BUILD_DIR   (e.g. build/release)
set -eu
build=${1:-build/release}
root=$(cd "$(dirname "$0")/../.." && pwd)
case "$build" in /*) infrac="$build/infrac" ;; *) infrac="$root/$build/infrac" ;; esac
cd "$root"
n=0
for f in examples/broken/*.yaml; do
    NO_COLOR=1 "$infrac" check --color never "$f" > "${f%.yaml}.expected" 2>&1 || true
    n=$((n + 1))
done
echo "refresh-checks: $n golden files in examples/broken/"
