#!/bin/sh
# response_format json_schema (constrained sampling by a grammar compiled
# from the schema) driven by the official `openai` npm client and LangChain's
# withStructuredOutput (tests/server/structured_output.mjs); every output is
# validated against its schema by ajv.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

dir="$SRC/tests/server"
if [ ! -d "$dir/node_modules/ajv" ] || [ ! -d "$dir/node_modules/@langchain/openai" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
if ! command -v node >/dev/null || [ ! -d "$dir/node_modules/ajv" ] ||
    [ ! -d "$dir/node_modules/openai" ] || [ ! -d "$dir/node_modules/@langchain/openai" ]; then
    skip "structured output clients" "node or the npm packages are not available (cd tests/server && npm ci)"
    exit 0
fi

make_model "$SERVER_TMP/tiny.gguf" --ctx 1024 || { fail "infrac-mkmodel made a model"; exit 0; }
port=$(free_port)
start_engine "$SERVER_TMP/schema.log" --serve -m "$SERVER_TMP/tiny.gguf" -a tiny --port "$port" -np 2 -c 1024
check "engine is healthy" wait_health "$port"
timeout 300 node "$dir/structured_output.mjs" "http://127.0.0.1:$port/v1" tiny
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"
