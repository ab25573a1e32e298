#!/bin/sh
# Prints a build output as one reviewable listing: every file, sorted, under
# a "==> path (mode) <==" header. Used by refresh-targets.sh and the tests.
#   listing.sh OUT
set -eu
cd "$1"
find . -type f | LC_ALL=C sort | while IFS= read -r f; do
    printf '==> %s (%s) <==\n' "${f#./}" "$(stat -c %a "$f")"
    cat "$f"
    printf '\n'
done
