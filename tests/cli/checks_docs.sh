#!/bin/sh
# Every diagnostic code the checks own has a section in docs/diagnostics.md
# (### CODE title), and every code used in compiler/check/ is registered.
. "$SRC/tests/lib/tap.sh"
codes=$(grep -o '{"[EW]0[3-7][0-9][0-9]"' "$SRC/compiler/diag/codes_checks.c" | tr -d '{"')
[ -n "$codes" ] && ok "codes_checks.c registers codes" || fail "codes_checks.c registers codes"
for c in $codes; do
    if grep -q "^### $c " "$SRC/docs/diagnostics.md"; then ok "$c documented"; else fail "$c documented in docs/diagnostics.md"; fi
done
used=$(grep -oh '"[EW]0[3-7][0-9][0-9]"' "$SRC"/compiler/check/*.c | tr -d '"' | sort -u)
for c in $used; do
    if echo "$codes" | grep -qx "$c"; then ok "$c used by a check is registered"; else fail "$c used by a check is registered"; fi
done
echo "1..$TAP_N"
