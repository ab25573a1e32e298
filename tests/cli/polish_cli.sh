#!/bin/sh
# Review fixes across the compiler: a fleet file that cannot be loaded is
# reported in the chosen format (E0111, exit 2); `infrac build` prints one
# document when fleet warnings and an output error meet; SARIF invents no
# address; vLLM services get no named chat template.
. "$SRC/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/polish-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
return_() { return "$1"; }
jqq() { jq -e "$@" >/dev/null; }
warn_fleet="$SRC/examples/broken/engine-option.yaml" # one warning (W0210), no error

# 1. Load errors in every format.
for what in missing directory; do
    case $what in missing) f="$tmp/nope.yaml" ;; directory) f="$tmp" ;; esac
    "$INFRAC" check "$f" --format json >"$tmp/out.json" 2>"$tmp/err"; got=$?
    check_exit 2 "$what file: exit 2 (json)" return_ $got
    check "$what file: E0111 as one JSON document" jqq '.diagnostics[0].code == "E0111" and .errors == 1' "$tmp/out.json"
    check "$what file: nothing on stderr with --format json" test ! -s "$tmp/err"
    "$INFRAC" check "$f" --format sarif >"$tmp/out.sarif" 2>/dev/null; got=$?
    check_exit 2 "$what file: exit 2 (sarif)" return_ $got
    check "$what file: E0111 as a SARIF result" jqq '.runs[0].results[0].ruleId == "E0111"' "$tmp/out.sarif"
    "$INFRAC" check "$f" --format github >"$tmp/out.gh" 2>/dev/null; got=$?
    check_exit 2 "$what file: exit 2 (github)" return_ $got
    check "$what file: E0111 as an annotation" grep -q '^::error file=.*title=E0111::' "$tmp/out.gh"
    "$INFRAC" check "$f" --color never >"$tmp/out.txt" 2>/dev/null; got=$?
    check_exit 2 "$what file: exit 2 (text)" return_ $got
    check "$what file: text names the code" grep -q 'error\[E0111\]' "$tmp/out.txt"
done
"$INFRAC" build "$tmp/nope.yaml" -o "$tmp/o" --format json >"$tmp/b.json" 2>/dev/null; got=$?
check_exit 2 "infrac build: a missing file is E0111 as JSON too" return_ $got
check "infrac build: E0111 document" jqq '.diagnostics[0].code == "E0111"' "$tmp/b.json"
"$INFRAC" plan "$tmp/nope.yaml" >/dev/null 2>"$tmp/plan.err"; got=$?
check_exit 2 "infrac plan: a missing file exits 2" return_ $got
check "infrac plan: E0111 on stderr" grep -q 'E0111' "$tmp/plan.err"

# 2. SARIF: no made-up URL anywhere: every URI is the reference make install puts on this machine.
"$INFRAC" check "$warn_fleet" --format sarif >"$tmp/w.sarif"
check "SARIF's helpUri and informationUri are the installed reference, no web address" sh -c \
    "grep -q 'informationUri\": \"file:///' '$tmp/w.sarif' && ! grep 'Uri\": \"' '$tmp/w.sarif' | grep -qv '\"file:///[^\"]*/share/doc/infrac/diagnostics.md'"
check "SARIF rules point at infrac explain" jqq '.runs[0].tool.driver.rules[0].help.text | startswith("infrac explain ")' "$tmp/w.sarif"

# 3. infrac build: fleet warning + output error = one document.
: > "$tmp/afile"
for fmt in json sarif; do
    "$INFRAC" build "$warn_fleet" -o "$tmp/afile/out" --format $fmt >"$tmp/b.$fmt" 2>/dev/null; got=$?
    check_exit 2 "build --format $fmt: output error exits 2" return_ $got
    check "build --format $fmt: one document" sh -c "jq -s 'length' '$tmp/b.$fmt' | grep -qx 1"
done
check "build --format json: the warning and the error together" \
    jqq '[.diagnostics[].code] == ["W0210", "E0902"] and .errors == 1 and .warnings == 1' "$tmp/b.json"
check "build --format sarif: both results in one run" \
    jqq '[.runs[0].results[].ruleId] == ["W0210", "E0902"]' "$tmp/b.sarif"
check "build --format json: the error names the output directory" \
    jqq '.diagnostics[1].message | contains("afile")' "$tmp/b.json"
"$INFRAC" build "$warn_fleet" -o "$tmp/ok" --format json >/dev/null 2>&1; got=$?
check_exit 0 "build: the warning alone still builds" return_ $got
check "build: wrote the output" test -d "$tmp/ok"

# 4. vLLM and named chat templates.
"$INFRAC" check "$SRC/examples/broken/vllm-chat-template.yaml" --format json >"$tmp/t.json"; got=$?
check_exit 1 "vllm + chat_template: refused" return_ $got
check "vllm + chat_template: E0204 for the service's and the model's template" \
    jqq '[.diagnostics[].code] == ["E0204", "E0204"]' "$tmp/t.json"
