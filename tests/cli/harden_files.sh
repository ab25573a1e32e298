#!/bin/sh
# Files that are not regular files (issue 15 finding 6): a FIFO given as a
# GGUF (`gguf:`, `--gguf`, the engine's --model) or as the engine's API key
# file is refused by name, at once: open(2) of a FIFO without a writer would
# block forever. Every wait is bounded.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

T=$SERVER_TMP
make_model "$T/tiny.gguf" --ctx 512 || { fail "infrac-mkmodel made a model"; exit 0; }
mkfifo "$T/model.fifo" "$T/key.fifo"

refused() { # WHAT LOG: exit non-zero, not by timeout, naming a FIFO
    rc=$1; what=$2; log=$3
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "not a regular file (a FIFO)" "$log"; then ok "$what refused by name"
    else fail "$what refused by name (rc $rc)"; sed 's/^/# /' "$log" | head -5; fi
}

timeout -k 2 10 "$INFRAC" estimate --gguf "$T/model.fifo" >"$T/est.out" 2>&1
refused $? "infrac estimate --gguf FIFO" "$T/est.out"

cat > "$T/fleet.yaml" <<YAML
fleet: t
hosts:
  h: {address: 127.0.0.1, memory: 64GiB, cpus: 8}
models:
  m: {path: /srv/m.gguf, gguf: $T/model.fifo}
services:
  s: {host: h, model: m, port: 8080}
YAML
timeout -k 2 10 "$INFRAC" check "$T/fleet.yaml" >"$T/check.out" 2>&1
refused $? "infrac check with gguf: FIFO" "$T/check.out"

timeout -k 2 10 "$INFRAC_ENGINE" --serve -m "$T/model.fifo" --port "$(free_port)" >"$T/engine1.log" 2>&1
refused $? "infrac-engine --serve -m FIFO" "$T/engine1.log"
timeout -k 2 10 "$INFRAC_ENGINE" -m "$T/model.fifo" --prompt hi -n 1 >"$T/engine2.log" 2>&1
refused $? "infrac-engine -m FIFO --prompt" "$T/engine2.log"
timeout -k 2 10 "$INFRAC_ENGINE" --serve -m "$T/tiny.gguf" --api-key-file "$T/key.fifo" --port "$(free_port)" >"$T/engine3.log" 2>&1
refused $? "infrac-engine --api-key-file FIFO" "$T/engine3.log"
timeout -k 2 10 "$INFRAC_ENGINE" --serve -m "$T" --port "$(free_port)" >"$T/engine4.log" 2>&1
rc=$?
check "a directory as --model is refused (rc $rc)" sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
# finding 11: a model file shorter than its header says is refused at load;
# one truncated under the running engine ends it with a message, not a bare
# SIGBUS (the mapping's pages are gone, so no read of them can succeed).
size=$(wc -c < "$T/tiny.gguf")
head -c $((size - 4096)) "$T/tiny.gguf" > "$T/short.gguf"
timeout -k 2 20 "$INFRAC_ENGINE" --serve -m "$T/short.gguf" --port "$(free_port)" >"$T/short.log" 2>&1
rc=$?
check "a truncated model fails the start by name (rc $rc)" sh -c "[ $rc -eq 1 ] && grep -q 'not in the file (truncated' '$T/short.log'"
cp "$T/tiny.gguf" "$T/shrinks.gguf"
port=$(free_port)
export INFRAC_ENGINE_REPACK=0 # the AVX-512 repack would copy some weights out of the mapping
start_engine "$T/shrinks.log" --serve -m "$T/shrinks.gguf" -a tiny --port "$port" -c 256
pid=$ENGINE_PID
unset INFRAC_ENGINE_REPACK
if wait_health "$port"; then
    truncate -s $((size / 4)) "$T/shrinks.gguf"
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 20 -H 'Content-Type: application/json' \
        -d '{"prompt":"hello there","max_tokens":8}' "http://127.0.0.1:$port/v1/completions")
    i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    wait "$pid"; rc=$?
    check "a model shrunk under the engine ends it with status 1, not SIGBUS (rc $rc, HTTP $code)" [ "$rc" -eq 1 ]
    check "the log says the model file shrank" grep -q "shrank while mapped" "$T/shrinks.log"
else
    fail "engine on the model to shrink is healthy"
fi
echo "1..$TAP_N"
