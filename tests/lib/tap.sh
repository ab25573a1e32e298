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
# npm_ready DIR WHAT PACKAGE...: 0 when DIR's node_modules has every
# PACKAGE, after `npm ci` from DIR's lock file where one is missing; else a
# loud skip of WHAT (the registry could not be reached) and 1.
npm_ready() {
    _dir=$1 _what=$2; shift 2
    _missing=0
    for _pkg in "$@"; do [ -d "$_dir/node_modules/$_pkg" ] || _missing=1; done
    [ "$_missing" = 0 ] && return 0
    _log=$(mktemp /tmp/npm-log-XXXXXX)
    if (cd "$_dir" && npm ci --no-audit --no-fund >"$_log" 2>&1); then rm -f "$_log"; return 0; fi
    skip "$_what" "npm registry unreachable: cd ${_dir#"$SRC"/} && npm ci ($(tail -1 "$_log"))"
    rm -f "$_log"
    return 1
}
