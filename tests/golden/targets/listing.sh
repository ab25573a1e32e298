#!/bin/sh
# Prints a build output as one reviewable listing: every file, sorted, under
# a "==> path (mode) <==" header. Used by refresh-targets.sh and the tests.
#   listing.sh OUT [ROOT]
# A fleet's relative model paths resolve against its directory, so the
# checkout's own path (ROOT) is written as @ROOT@: the listing is the same
# in every clone.
set -eu
root=${2:-}
cd "$1"
find . -type f | LC_ALL=C sort | while IFS= read -r f; do
    printf '==> %s (%s) <==\n' "${f#./}" "$(stat -c %a "$f")"
    if [ -n "$root" ]; then
        awk -v root="$root" '{ while ((i = index($0, root)) > 0) $0 = substr($0, 1, i - 1) "@ROOT@" substr($0, i + length(root)); print }' "$f"
    else
        cat "$f"
    fi
    printf '\n'
done
