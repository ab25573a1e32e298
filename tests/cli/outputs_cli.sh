#!/bin/sh
# Outputs others read, made exact: help on stdout with exit 0, `-` reads
# stdin, no colour for TERM=dumb or NO_COLOR, control characters from the
# fleet file escaped in every diagnostic format and in the host README, and
# infrac-engine's --version and complete --help.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine_flags.sh"
tmp=$(mktemp -d /tmp/outputs-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
return_() { return "$1"; }
esc=$(printf '\033')

# 1. --help of every subcommand: stdout, exit 0, nothing on stderr.
for c in check plan build estimate explain schema run; do
    "$INFRAC" $c --help >"$tmp/h.out" 2>"$tmp/h.err"; got=$?
    check_exit 0 "infrac $c --help exits 0" return_ $got
    check "infrac $c --help prints usage on stdout" grep -q "usage: infrac $c" "$tmp/h.out"
    check "infrac $c --help prints nothing on stderr" test ! -s "$tmp/h.err"
done
"$INFRAC" check >"$tmp/h.out" 2>"$tmp/h.err"; got=$?
check_exit 2 "infrac check without a file is a usage error (exit 2)" return_ $got
check "a usage error goes to stderr" grep -q "usage: infrac check" "$tmp/h.err"

# 2. `-` is standard input.
ex="$SRC/examples/broken/port-conflict.yaml"
"$INFRAC" check - <"$ex" >"$tmp/stdin.out" 2>&1; got=$?
check_exit 1 "infrac check - reads the fleet from stdin" return_ $got
check "stdin diagnostics are named <stdin>" grep -q '^<stdin>:[0-9]*:[0-9]*: error' "$tmp/stdin.out"
"$INFRAC" check "$ex" >"$tmp/file.out" 2>&1
sed "s|^$ex:|<stdin>:|" "$tmp/file.out" >"$tmp/file.renamed"
check "stdin and the file give the same diagnostics" cmp -s "$tmp/stdin.out" "$tmp/file.renamed"

# 3. Colour on a terminal only when the terminal wants it. script(1) gives a pty.
tty_run() { # ENV... : runs infrac check on a pty, output in $tmp/tty
    script -qec "env $* '$INFRAC' check '$ex'" /dev/null >"$tmp/tty" 2>&1 </dev/null
}
tty_run TERM=xterm
check "a terminal gets colour (control for the two below)" grep -q "$esc\[" "$tmp/tty"
tty_run TERM=dumb
if grep -q "$esc\[" "$tmp/tty"; then fail "TERM=dumb: no colour"; else ok "TERM=dumb: no colour"; fi
tty_run TERM=xterm NO_COLOR=1
if grep -q "$esc\[" "$tmp/tty"; then fail "NO_COLOR: no colour"; else ok "NO_COLOR: no colour"; fi

# 4. Control characters from the fleet file never reach the output raw.
printf 'fleet: x\nhosts:\n  box:\n    gpus: ["rtx\\e[31m\\a\\r\\u0085"]\nmodels: {}\nservices: {}\n' >"$tmp/cc.yaml"
for fmt in text json github sarif; do
    "$INFRAC" check --format $fmt --color never "$tmp/cc.yaml" >"$tmp/cc.$fmt" 2>&1
    if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$tmp/cc.$fmt" ||
       LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$tmp/cc.$fmt"; then
        fail "--format $fmt: no raw control character"
    else
        ok "--format $fmt: no raw control character"
    fi
done
check "text shows the escapes visibly" grep -qF '`rtx\x1B[31m\x07\x0D\u{85}`' "$tmp/cc.text"
cat >"$tmp/addr.yaml" <<EOT
fleet: addr
hosts:
  box:
    address: "10.0.0.1\\e]0;owned\\a"
    gpus: [{name: "card\\e[2J", vram: 24GiB}]
models:
  m: {path: /models/m.gguf, gguf: $SRC/tests/data/reference/llama3-1b.gguf}
services:
  chat: {host: box, model: m, port: 8080, gpus: [0], context: 4096}
EOT
"$INFRAC" build "$tmp/addr.yaml" -o "$tmp/out" >/dev/null 2>&1
if [ -f "$tmp/out/box/README.md" ]; then
    if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$tmp/out/box/README.md"; then
        fail "host README: address and GPU name escaped"
    else
        ok "host README: address and GPU name escaped"
    fi
    check "host README shows the address escaped" grep -qF '10.0.0.1\x1B]0;owned\x07' "$tmp/out/box/README.md"
else
    # the compiler refusing the control characters is as good, if it says so cleanly
    "$INFRAC" check --color never "$tmp/addr.yaml" >"$tmp/addr.out" 2>&1; got=$?
    check_exit 1 "an address with control characters: built, or refused by a diagnostic" return_ $got
    if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$tmp/addr.out"; then
        fail "refused address/name: no raw control character"
    else
        ok "refused address/name: no raw control character"
    fi
fi

# 5. infrac-engine: --version, and a --help that lists every flag it parses.
out=$("$INFRAC_ENGINE" --version 2>&1); got=$?
check_exit 0 "infrac-engine --version exits 0" return_ $got
case "$out" in "infrac-engine "[0-9]*) ok "infrac-engine --version prints its version" ;; *) fail "infrac-engine --version prints its version: $out" ;; esac
"$INFRAC_ENGINE" --help >"$tmp/eh" 2>"$tmp/eh.err"; got=$?
check_exit 0 "infrac-engine --help exits 0" return_ $got
check "infrac-engine --help prints nothing on stderr" test ! -s "$tmp/eh.err"
flags=$(engine_long_flags) || fail "the engine's flag table was read"
missing=""
for f in $flags; do grep -q -- "$f\b" "$tmp/eh" || missing="$missing $f"; done
check "infrac-engine --help lists every flag it parses (missing:${missing:- none})" test -z "$missing"
