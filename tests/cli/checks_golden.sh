#!/bin/sh
# infrac check end to end: every example is clean, every broken example
# matches its golden text output and exits 1 (0 when it only warns), JSON
# output is valid, exit codes and options behave.
. "$SRC/tests/lib/tap.sh"
cd "$SRC" || exit 1
tmp=$(mktemp -d /tmp/checks-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
quiet() { "$@" >/dev/null 2>&1; }

# Every example fleet checks clean, with no warning either.
for f in examples/*.yaml; do
    out=$("$INFRAC" check --werror "$f" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && [ -z "$out" ]; then ok "clean: $f"; else fail "clean: $f (exit $rc)"; echo "$out" | sed 's/^/# /'; fi
done

# Every broken example matches its golden file.
for f in examples/broken/*.yaml; do
    exp="${f%.yaml}.expected"
    if [ ! -f "$exp" ]; then fail "golden file for $f"; continue; fi
    NO_COLOR=1 "$INFRAC" check --color never "$f" > "$tmp/out" 2>&1; rc=$?
    if cmp -s "$tmp/out" "$exp"; then ok "golden: $f"; else
        fail "golden: $f (sh tests/golden/refresh-checks.sh to refresh)"; diff "$exp" "$tmp/out" | head -20 | sed 's/^/# /'
    fi
    # exit 1 with errors, 0 with warnings only; --werror makes warnings fail
    if grep -q '^[^ ]*: error\[' "$exp"; then want=1; else want=0; fi
    if [ "$rc" -eq "$want" ]; then ok "exit $want: $f"; else fail "exit $want: $f (got $rc)"; fi
    if [ "$want" -eq 0 ]; then
        check_exit 1 "--werror fails on warnings: $f" quiet "$INFRAC" check --werror "$f"
    fi
    # every check code (E03xx-E07xx) in the golden file has a doc section
    for code in $(grep -o '\[[EW]0[3-7][0-9][0-9]\]' "$exp" | tr -d '[]' | sort -u); do
        if grep -q "^### $code " docs/diagnostics.md; then ok "$code of $f documented"; else fail "$code of $f documented in docs/diagnostics.md"; fi
    done
done

# --format json is valid JSON for clean and broken fleets alike.
if command -v jq >/dev/null 2>&1; then
    for f in examples/broken/vram-overcommit.yaml examples/broken/port-conflict.yaml examples/demo.yaml; do
        "$INFRAC" check --format json "$f" > "$tmp/j" 2>/dev/null
        if jq -e . "$tmp/j" >/dev/null 2>&1; then ok "json valid: $f"; else fail "json valid: $f"; fi
    done
    "$INFRAC" check --format json examples/broken/vram-overcommit.yaml > "$tmp/j" 2>/dev/null
    if jq -e '[.. | objects | select(.code? == "E0401")] | length == 1' "$tmp/j" >/dev/null 2>&1; then ok "json has E0401"; else fail "json has E0401"; fi
    "$INFRAC" check --format sarif examples/broken/port-conflict.yaml > "$tmp/s" 2>/dev/null
    if jq -e '.runs[0].results | length >= 1' "$tmp/s" >/dev/null 2>&1; then ok "sarif has results"; else fail "sarif has results"; fi
    "$INFRAC" plan --format json examples/tower-2x5060ti.yaml > "$tmp/p" 2>/dev/null
    if jq -e '.services | length == 2' "$tmp/p" >/dev/null 2>&1; then ok "plan json lists services"; else fail "plan json lists services"; fi
else
    skip "json validity" "jq not installed"
fi
out=$("$INFRAC" check --format github examples/broken/port-conflict.yaml 2>&1)
case "$out" in *"::error file=examples/broken/port-conflict.yaml"*) ok "github annotations" ;; *) fail "github annotations"; echo "$out" | sed 's/^/# /' ;; esac

# Colour: never by default into a pipe, always on request, never with NO_COLOR in auto.
"$INFRAC" check examples/broken/port-conflict.yaml > "$tmp/c" 2>&1
if grep -q "$(printf '\033')" "$tmp/c"; then fail "no colour into a pipe"; else ok "no colour into a pipe"; fi
"$INFRAC" check --color always examples/broken/port-conflict.yaml > "$tmp/c" 2>&1
if grep -q "$(printf '\033')" "$tmp/c"; then ok "--color always colours"; else fail "--color always colours"; fi

# Exit codes: usage and I/O problems are 2.
check_exit 2 "no file is a usage error" quiet "$INFRAC" check
check_exit 2 "unknown option" quiet "$INFRAC" check --frobnicate examples/demo.yaml
check_exit 2 "bad format" quiet "$INFRAC" check --format xml examples/demo.yaml
check_exit 2 "missing file" quiet "$INFRAC" check "$tmp/nope.yaml"
check_exit 2 "plan: missing file" quiet "$INFRAC" plan "$tmp/nope.yaml"
check_exit 1 "plan refuses a broken fleet" quiet "$INFRAC" plan examples/broken/port-conflict.yaml
check_exit 0 "plan of a clean fleet" quiet "$INFRAC" plan examples/4090-5090.yaml
out=$("$INFRAC" plan examples/4090-5090.yaml 2>&1)
case "$out" in *"GPU 1 rtx-5090"*"headroom"*) ok "plan text has GPUs and headroom" ;; *) fail "plan text has GPUs and headroom" ;; esac
case "$out" in *"8081  long"*) ok "plan text lists ports" ;; *) fail "plan text lists ports" ;; esac

# A header-only reference GGUF through gguf:, and a hostile one.
gg="$SRC/tests/data/reference/qwen3-8b.gguf"
if [ -f "$gg" ]; then
    cp "$gg" "$tmp/qwen3-8b.gguf"
    cat > "$tmp/gguf.yaml" <<EOT
fleet: gguf
hosts:
  box:
    gpus: [rtx-4090]
models:
  qwen3-8b:
    path: /models/Qwen3-8B-Q4_K_M.gguf
    gguf: qwen3-8b.gguf
services:
  chat:
    host: box
    model: qwen3-8b
    port: 8080
    gpus: [0]
    context: 16384
EOT
    check_exit 0 "gguf: header-only reference copy checks clean" quiet "$INFRAC" check "$tmp/gguf.yaml"
    "$INFRAC" plan --format json "$tmp/gguf.yaml" > "$tmp/gp" 2>/dev/null
    if command -v jq >/dev/null 2>&1 && jq -e '.services[0].memory.gpus[0].weights > 4000000000' "$tmp/gp" >/dev/null; then
        ok "gguf: weights read from the header"; else fail "gguf: weights read from the header"; fi
    head -c 1000 "$gg" > "$tmp/qwen3-8b.gguf"
    out=$("$INFRAC" check "$tmp/gguf.yaml" 2>&1); rc=$?
    case "$rc:$out" in 1:*"error[E0510]"*) ok "truncated gguf is E0510" ;; *) fail "truncated gguf is E0510 (exit $rc)" ;; esac
    head -c 4096 /dev/urandom > "$tmp/qwen3-8b.gguf"
    check_exit 1 "garbage gguf is an error, not a crash" quiet "$INFRAC" check "$tmp/gguf.yaml"
else
    fail "gguf reference: $gg is missing from the repo"
fi
# A whole GGUF (not just a header) gives the plan the file's expected size.
if [ -x "${INFRAC_MKMODEL:-}" ] && "$INFRAC_MKMODEL" -o "$tmp/tiny.gguf" --arch llama --layers 2 --embd 64 --heads 4 \
        --kv-heads 2 --ff 128 --vocab 512 --ctx 2048 >/dev/null 2>&1; then
    cat > "$tmp/tiny.yaml" <<EOT
fleet: tiny
hosts:
  box: {cpus: 2}
models:
  tiny:
    path: /models/tiny.gguf
    gguf: tiny.gguf
services:
  tiny:
    engine: infrac
    host: box
    model: tiny
    port: 8181
EOT
    size=$(wc -c < "$tmp/tiny.gguf" | tr -d ' ')
    "$INFRAC" plan --format json "$tmp/tiny.yaml" > "$tmp/tp" 2>/dev/null
    if command -v jq >/dev/null 2>&1 && [ "$(jq -r '.services[0].model_bytes' "$tmp/tp")" = "$size" ]; then
        ok "plan: model_bytes is the whole GGUF's size"; else fail "plan: model_bytes is the whole GGUF's size"; fi
else
    skip "model_file_bytes from a whole GGUF" "no infrac-mkmodel"
fi
# An error in lowering (bad engine, bad cache type) does not cascade into a
# memory error: the service is not estimated from the default put in place
# of the refused value. The same service with a valid value does overcommit.
for v in "engine: llamacpp-bogus" "cache: q3_bogus" "cache: q8_0"; do
    cat > "$tmp/lower.yaml" <<EOT
fleet: t
hosts:
  h:
    address: 127.0.0.1
    memory: 64 GiB
    cpus: 16
    gpus: [rtx-5060-ti-16gb]
models:
  m:
    path: /m.gguf
    catalog: qwen3.6-35b-a3b
    quant: Q4_K_M
services:
  s:
    host: h
    model: m
    port: 8080
    gpus: [0]
    context: 262144
    $v
EOT
    "$INFRAC" check --color never "$tmp/lower.yaml" > "$tmp/lo" 2>&1
    case $v in
    *bogus) if grep -Eq 'E0204|E0801' "$tmp/lo" && ! grep -q 'E0401' "$tmp/lo"; then ok "no memory error after a refused value: $v"
            else fail "no memory error after a refused value: $v"; sed 's/^/# /' "$tmp/lo"; fi ;;
    *) if grep -q 'E0401' "$tmp/lo"; then ok "the same service with a valid value overcommits: $v"
       else fail "the same service with a valid value overcommits: $v"; sed 's/^/# /' "$tmp/lo"; fi ;;
    esac
done

echo "1..$TAP_N"
