# Tiny TAP helpers for shell tests. Source it; then call ok/fail/check.
# Every test script prints "ok N - what" or "not ok N - what" lines, which
# tests/run.sh counts.
TAP_N=0
ok()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
fail() { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() {
    _what=$1; shift
    if "$@"; then ok "$_what"; else fail "$_what"; fi
}
# check_exit CODE DESCRIPTION COMMAND...: passes when COMMAND exits with CODE.
check_exit() {
    _want=$1; _what=$2; shift 2
    "$@"; _got=$?
    if [ "$_got" -eq "$_want" ]; then ok "$_what"; else fail "$_what (exit $_got, want $_want)"; fi
}
# skip DESCRIPTION REASON: a loud skip, counted as skipped.
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
