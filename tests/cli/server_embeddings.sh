#!/bin/sh
# POST /v1/embeddings: a model whose GGUF has a pooling_type (mean, cls,
# last) answers with pooled, L2-normalized vectors, driven by the official
# `openai` client (tests/server/embeddings.mjs); a model without one is a
# 400 naming pooling_type, as llama-server refuses it. Parity: the mean and
# last vectors against llama.cpp's (node-llama-cpp getEmbeddingFor,
# tests/parity/embedref.mjs) for the same GGUF and text, by cosine.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

dir="$SRC/tests/server"
if [ ! -d "$dir/node_modules/openai" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
if ! command -v node >/dev/null || [ ! -d "$dir/node_modules/openai" ]; then
    skip "openai embeddings" "node or the npm package is not available (cd tests/server && npm ci)"
    exit 0
fi
# mkmodel's default shape: 64-wide embeddings
for p in 1 2 3; do
    make_model "$SERVER_TMP/p$p.gguf" --ctx 512 --meta pooling_type=$p || { fail "infrac-mkmodel made a model"; exit 0; }
done
make_model "$SERVER_TMP/plain.gguf" --ctx 512 || { fail "infrac-mkmodel made a model"; exit 0; }
port2=$(free_port)
start_engine "$SERVER_TMP/plain.log" --serve -m "$SERVER_TMP/plain.gguf" -a tiny --port "$port2" -c 512
plain_pid=$ENGINE_PID
check "engine without pooling is healthy" wait_health "$port2"
for p in 1 2 3; do
    port=$(free_port)
    start_engine "$SERVER_TMP/p$p.log" --serve -m "$SERVER_TMP/p$p.gguf" -a tiny --port "$port" -c 512 -np 2
    check "engine with pooling_type $p is healthy" wait_health "$port"
    kind=$(echo "x mean cls last" | cut -d' ' -f$((p + 1)))
    if [ "$p" = 1 ]; then
        timeout 120 node "$dir/embeddings.mjs" "http://127.0.0.1:$port/v1" tiny 64 "$kind" "http://127.0.0.1:$port2/v1"
    else
        timeout 120 node "$dir/embeddings.mjs" "http://127.0.0.1:$port/v1" tiny 64 "$kind"
    fi
    kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"
done
kill -TERM "$plain_pid"; wait "$plain_pid"

sh "$SRC/tests/parity/setup.sh" 2>"$SERVER_TMP/parity.err"; rc=$?
if [ $rc -ne 0 ]; then
    if [ $rc -eq 3 ]; then skip "embedding parity with llama.cpp" "$(cat "$SERVER_TMP/parity.err")"
    else fail "tests/parity/setup.sh: $(tail -2 "$SERVER_TMP/parity.err")"; fi
    exit 0
fi
text="The cat sat on the mat, and then it slept."
for p in 1 3; do
    port=$(free_port)
    start_engine "$SERVER_TMP/q$p.log" --serve -m "$SERVER_TMP/p$p.gguf" -a tiny --port "$port" -c 512
    wait_health "$port"
    post "$port" /v1/embeddings "{\"input\":\"$text\",\"encoding_format\":\"float\"}" > "$SERVER_TMP/ours$p"
    kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"
    timeout 120 node "$SRC/tests/parity/embedref.mjs" "$SERVER_TMP/p$p.gguf" "$text" > "$SERVER_TMP/ref$p" 2>/dev/null
    cosine=$("$PY" - "$SERVER_TMP/ours$p" "$SERVER_TMP/ref$p" <<'PY'
import json, math, sys
ours = json.loads(open(sys.argv[1]).read().split(' ', 1)[1])['data'][0]['embedding']
ref = json.load(open(sys.argv[2]))[0]['vector']
dot = sum(a * b for a, b in zip(ours, ref))
print('%.7f' % (dot / math.sqrt(sum(a * a for a in ours)) / math.sqrt(sum(b * b for b in ref))) if len(ours) == len(ref) else 0)
PY
)
    check "pooling_type $p: cosine with llama.cpp's embedding $cosine >= 0.9999" \
        "$PY" -c "import sys; sys.exit(0 if float('${cosine:-0}') >= 0.9999 else 1)"
done
