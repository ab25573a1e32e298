#!/bin/sh
# make test: builds and runs every test in the release build and under
# AddressSanitizer + UBSan, then runs each fuzz target briefly.
# Last line: "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
total_p=0; total_f=0; total_s=0
add_counts() {
    set -- $(cat "$1")
    total_p=$((total_p + $1)); total_f=$((total_f + $2)); total_s=$((total_s + $3))
}
for variant in release asan; do
    echo "== build ($variant)"
    if ! make -s -j"$jobs" V=$variant tests-build; then
        echo "build ($variant) failed"
        total_f=$((total_f + 1))
        continue
    fi
    echo "== tests ($variant)"
    if [ "$variant" = asan ]; then
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    fi
    sh tests/run.sh "build/$variant"
    add_counts "build/$variant/test-counts"
    sed 's/^/  FAILED: /' "build/$variant/test-failures"
done
unset ASAN_OPTIONS UBSAN_OPTIONS
if ls tests/fuzz/fuzz_*.c >/dev/null 2>&1; then
    echo "== fuzz (brief)"
    if make -s -j"$jobs" fuzz-build && sh tests/fuzz/run.sh build/fuzz "${FUZZ_SECONDS:-20}" > build/fuzz-log 2>&1; then
        total_p=$((total_p + 1)); echo "  fuzz: ok"
    else
        total_f=$((total_f + 1)); echo "  fuzz: FAILED (see build/fuzz-log)"; tail -20 build/fuzz-log
    fi
fi
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
