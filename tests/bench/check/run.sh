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
sh "$here/gen_fleet.sh" 1 1 > "$tmp/one.yaml"

# Best of N wall-clock runs, in milliseconds (the best is the least noisy).
best_ms() {
    best=
    for _ in 1 2 3 4 5 6 7; do
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
startup=$(best_ms "$infrac" check "$tmp/one.yaml")
size=$(wc -c < "$tmp/big.yaml")
ratio=$(awk -v a="$big" -v b="$parse" 'BEGIN { printf "%.2f", a / b }')
growth=$(awk -v a="$big" -v b="$small" 'BEGIN { printf "%.1f", a / b }')
# net of the fixed start-up cost (process, GPU catalog), which hides the
# size-dependent part at 1,000 services
net=$(awk -v a="$big" -v b="$small" -v s="$startup" 'BEGIN { d = b - s; if (d < 1) d = 1; printf "%.1f", (a - s) / d }')
verdict_ratio=$(awk -v r="$ratio" 'BEGIN { print (r < 3 ? "ok" : "ABOVE TARGET") }')
verdict_growth=$(awk -v g="$net" 'BEGIN { print (g <= 15 ? "ok" : "ABOVE TARGET") }')
echo "check bench: 1,000 hosts, 10,000 services ($size bytes of YAML)"
echo "  bare libyaml parse        ${parse} ms"
echo "  infrac check              ${big} ms"
echo "  ratio                     ${ratio}x   (target < 3x: $verdict_ratio)"
echo "  infrac check, 1,000 svc   ${small} ms"
echo "  infrac check, 1 service   ${startup} ms (start-up)"
echo "  growth 1,000 -> 10,000    ${growth}x, net of start-up ${net}x  (target linear: at most 15x, cache effects allowed; quadratic would be 100x: $verdict_growth)"
