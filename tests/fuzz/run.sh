#!/bin/sh
# Runs every libFuzzer target in DIR for SECONDS each, starting from its
# seed corpus tests/fuzz/corpus/<target>/ (copied, so runs do not grow it).
set -eu
dir=$1; seconds=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
for bin in "$dir"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    work="$dir/corpus-$name"
    mkdir -p "$work"
    if [ -d "$root/tests/fuzz/corpus/$name" ]; then cp -r "$root/tests/fuzz/corpus/$name/." "$work/"; fi
    echo "fuzz: $name for ${seconds}s"
    "$bin" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 "$work" 2>&1
done
