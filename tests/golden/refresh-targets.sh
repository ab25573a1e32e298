#!/bin/sh
# Regenerates the build's golden listings: one file per fleet,
# tests/golden/targets/<name>.txt, for every example fleet that checks
# clean (examples/*.yaml) and the build's own fleets
# (tests/golden/targets/fleets/*.yaml). Review every diff before committing.
#   tests/golden/refresh-targets.sh BUILD_DIR   (make golden passes build/release)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd -P)
infrac="$root/${1:-build/release}/infrac"
case ${1:-} in /*) infrac="$1/infrac" ;; esac
golden="$root/tests/golden/targets"
tmp=$(mktemp -d /tmp/targets-golden-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
for fleet in examples/*.yaml tests/golden/targets/fleets/*.yaml; do
    [ -f "$fleet" ] || continue
    name=$(basename "$fleet" .yaml)
    staged=$(sh "$golden/stage.sh" "$fleet" "$tmp/staged")
    if ! "$infrac" build "$staged" -o "$tmp/$name" >/dev/null 2>&1; then
        echo "refresh-targets: $fleet does not build (errors in the fleet?): no golden" >&2
        rm -f "$golden/$name.txt"
        continue
    fi
    sh "$golden/listing.sh" "$tmp/$name" "$root" > "$golden/$name.txt"
    echo "refresh-targets: $golden/$name.txt"
done
