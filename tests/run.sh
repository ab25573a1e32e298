#!/bin/sh
# Runs every test of one build variant and prints its counts.
#   tests/run.sh BUILD_DIR   (e.g. build/release)
# Unit tests are cmocka binaries in BUILD_DIR/tests, run with TAP output;
# tests/cli/*.sh are shell tests printing TAP. Writes "PASSED FAILED SKIPPED"
# to BUILD_DIR/test-counts and the failing names to BUILD_DIR/test-failures.
set -u
dir=$1
root=$(cd "$(dirname "$0")/.." && pwd)
log="$dir/test-log"
: > "$log"
pass=0; failn=0; skipn=0
: > "$dir/test-failures"

count() { # reads TAP from stdin, appends to log, updates counters via files
    tee -a "$log" | awk -v name="$1" -v failures="$dir/test-failures" '
        /^ok / { if ($0 ~ /# SKIP/) s++; else p++ }
        /^not ok / { f++; print name ": " $0 >> failures }
        END { printf "%d %d %d\n", p, f, s }'
}

run_one() { # name, command...
    name=$1; shift
    out=$("$@" 2>>"$log" | count "$name"); rc=$?
    set -- $out
    p=${1:-0}; f=${2:-0}; s=${3:-0}
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        # A test that printed nothing counts as one failure, so a crash
        # before the first assertion cannot pass silently.
        f=1; echo "$name: printed no test result" >> "$dir/test-failures"
    fi
    pass=$((pass + p)); failn=$((failn + f)); skipn=$((skipn + s))
    printf '  %-40s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
    : "$rc"
}

export CMOCKA_MESSAGE_OUTPUT=TAP
export INFRAC="$root/$dir/infrac" INFRAC_ENGINE="$root/$dir/infrac-engine" \
       INFRAC_MKMODEL="$root/$dir/infrac-mkmodel" BUILD_DIR="$root/$dir" SRC="$root"
if [ -d "$dir/tests" ]; then
    for t in "$dir"/tests/test_*; do
        [ -x "$t" ] || continue
        run_one "$(basename "$t")" "$t"
    done
fi
for t in "$root"/tests/cli/*.sh; do
    [ -f "$t" ] || continue
    case "$(basename "$t")" in refresh-*) continue ;; esac
    run_one "$(basename "$t" .sh)" sh "$t"
done
echo "$pass $failn $skipn" > "$dir/test-counts"
