#!/bin/sh
# make bench: infrac check on a generated fleet of 1,000 hosts and 10,000
# services, timed against a bare libyaml parse of the same file (target:
# under 3x), and against 1,000 services (target: linear growth).
#   sh tests/bench/check/run.sh path/to/infrac
set -eu
infrac=${1:?usage: run.sh INFRAC}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/checks-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -o "$tmp/yaml_parse_only" "$here/yaml_parse_only.c" $(pkg-config --cflags --libs yaml-0.1)
sh "$here/gen_fleet.sh" 1000 10000 > "$tmp/big.yaml"
sh "$here/gen_fleet.sh" 100 1000 > "$tmp/small.yaml"

# Best of N wall-clock runs, in milliseconds (the best is the least noisy).
best_ms() {
    best=
    for _ in 1 2 3 4 5; do
        t0=$(date +%s%N)
        "$@" > /dev/null 2>&1 || { echo "bench: '$*' failed" >&2; exit 1; }
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    [ "$best" -ge 1 ] || best=1
    echo "$best"
}

"$infrac" check "$tmp/big.yaml" > "$tmp/out" 2>&1 || { echo "bench: the generated fleet does not check clean:"; head -20 "$tmp/out"; exit 1; }
parse=$(best_ms "$tmp/yaml_parse_only" "$tmp/big.yaml")
big=$(best_ms "$infrac" check "$tmp/big.yaml")
small=$(best_ms "$infrac" check "$tmp/small.yaml")
size=$(wc -c < "$tmp/big.yaml")
ratio=$(awk -v a="$big" -v b="$parse" 'BEGIN { printf "%.2f", a / b }')
growth=$(awk -v a="$big" -v b="$small" 'BEGIN { printf "%.1f", a / b }')
verdict_ratio=$(awk -v r="$ratio" 'BEGIN { print (r < 3 ? "ok" : "ABOVE TARGET") }')
verdict_growth=$(awk -v g="$growth" 'BEGIN { print (g <= 13 ? "ok" : "ABOVE TARGET") }')
echo "check bench: 1,000 hosts, 10,000 services ($size bytes of YAML)"
echo "  bare libyaml parse        ${parse} ms"
echo "  infrac check              ${big} ms"
echo "  ratio                     ${ratio}x   (target < 3x: $verdict_ratio)"
echo "  infrac check, 1,000 svc   ${small} ms"
echo "  growth 1,000 -> 10,000    ${growth}x  (target linear, about 10x: $verdict_growth)"
