#!/bin/sh
# The fleet's cors_origins: checked (E0203 for what is not an origin, W0210
# on an engine without it), passed to infrac-engine as --cors-origin flags
# after --config, and the engine started from the built command answers a
# listed origin's preflight.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

T=$SERVER_TMP
make_model "$T/tiny.gguf" --ctx 512 || { fail "infrac-mkmodel made a model"; exit 0; }
port=$(free_port)
fleet() { # ORIGINS [ENGINE]
    cat <<YAML
fleet: corstest
hosts:
  here:
    address: 127.0.0.1
    memory: 32 GiB
    cpus: 2
models:
  tiny:
    path: $T/tiny.gguf
    gguf: $T/tiny.gguf
services:
  chat:
    host: here
    engine: ${2:-infrac}
    model: tiny
    port: $port
    context: 512
    cors_origins: $1
YAML
}

fleet '["https://app.example", "http://localhost:3000"]' > "$T/ok.yaml"
"$INFRAC" build "$T/ok.yaml" -o "$T/out" >"$T/build.log" 2>&1
check "infrac build with cors_origins" [ -f "$T/out/here/etc/chat.json" ]
cmd=$(json_get "$(cat "$T/out/here/etc/chat.json")" "' '.join(j['command'])")
case "$cmd" in
*"--cors-origin https://app.example --cors-origin http://localhost:3000"*) ok "each origin becomes --cors-origin" ;;
*) fail "each origin becomes --cors-origin (command: $cmd)" ;;
esac

fleet '["https://app.example/path"]' > "$T/bad.yaml"
"$INFRAC" check "$T/bad.yaml" >"$T/bad.out" 2>&1
check "an origin with a path is E0203" grep -q "E0203.*cors_origins" "$T/bad.out"
fleet '["*"]' llamacpp > "$T/lc.yaml"
"$INFRAC" check "$T/lc.yaml" >"$T/lc.out" 2>&1
check "cors_origins on llama.cpp is W0210" grep -q "W0210.*cors_origins" "$T/lc.out"

# The built command, with this build's engine for argv[0] and the built
# config for the installed path it names.
# shellcheck disable=SC2086
set -- $cmd
shift 3
start_engine "$T/engine.log" --config "$T/out/here/etc/chat.json" "$@"
check "the built engine command is healthy" wait_health "$port"
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -X OPTIONS -H "Origin: http://localhost:3000" \
    -H "Access-Control-Request-Method: POST" "http://127.0.0.1:$port/v1/chat/completions")
check "a listed origin's preflight is answered (204)" [ "$code" = 204 ]
check "with Allow-Origin" grep -qi "^access-control-allow-origin: http://localhost:3000" "$T/h"
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"
