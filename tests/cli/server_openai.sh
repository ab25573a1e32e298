#!/bin/sh
# The official `openai` npm client (pinned in tests/server/package-lock.json)
# against infrac-engine: chat and completions, streamed and not, with and
# without an API key.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

dir="$SRC/tests/server"
if [ ! -d "$dir/node_modules/openai" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
if ! command -v node >/dev/null || [ ! -d "$dir/node_modules/openai" ]; then
    skip "openai client" "node or the npm package is not available (cd tests/server && npm ci)"
    exit 0
fi

make_model "$SERVER_TMP/tiny.gguf" --ctx 1024 || { fail "infrac-mkmodel made a model"; exit 0; }

port=$(free_port)
start_engine "$SERVER_TMP/open.log" --serve -m "$SERVER_TMP/tiny.gguf" -a tiny --port "$port" -np 2 -c 1024
check "engine without a key is healthy" wait_health "$port"
timeout 60 node "$dir/openai_client.mjs" "http://127.0.0.1:$port/v1" tiny
stop_engine

printf 'test-key-123\n' > "$SERVER_TMP/key"
port=$(free_port)
start_engine "$SERVER_TMP/key.log" --serve -m "$SERVER_TMP/tiny.gguf" -a tiny --port "$port" -np 2 -c 1024 \
    --api-key-file "$SERVER_TMP/key"
check "engine with a key is healthy" wait_health "$port"
timeout 60 node "$dir/openai_client.mjs" "http://127.0.0.1:$port/v1" tiny test-key-123
stop_engine
