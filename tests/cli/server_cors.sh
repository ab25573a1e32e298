#!/bin/sh
# CORS: off by default (no Access-Control-* header, a preflight is not
# answered); with --cors-origin, a listed origin's preflight gets the Allow
# headers (before the API key check: preflights carry no key) and its
# responses, streamed ones too, echo the origin; another origin gets none;
# "*" answers "*"; Access-Control-Allow-Credentials is never sent.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

make_model "$SERVER_TMP/tiny.gguf" --ctx 512 || { fail "infrac-mkmodel made a model"; exit 0; }

# headers PORT METHOD PATH [curl args]: the response's status line and headers, lower-cased.
headers() {
    _p=$1 _m=$2 _path=$3; shift 3
    curl -s -o /dev/null -D - -X "$_m" "$@" "http://127.0.0.1:$_p$_path" | tr -d '\r' | tr '[:upper:]' '[:lower:]'
}
has() { printf '%s\n' "$1" | grep -q "^$2"; }
lacks() { ! printf '%s\n' "$1" | grep -q "^$2"; }
app=http://app.example:3000
pre="-H Origin:$app -H Access-Control-Request-Method:POST -H Access-Control-Request-Headers:authorization,content-type"

port=$(free_port)
start_engine "$SERVER_TMP/off.log" --serve -m "$SERVER_TMP/tiny.gguf" -a tiny --port "$port" -c 512
check "engine without CORS is healthy" wait_health "$port"
# shellcheck disable=SC2086
h=$(headers "$port" OPTIONS /v1/chat/completions $pre)
check "CORS off: a preflight gets no Allow-Origin" lacks "$h" "access-control-allow-origin"
h=$(headers "$port" GET /v1/models -H "Origin: $app")
check "CORS off: a response gets no Allow-Origin" lacks "$h" "access-control-"
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"

printf 'k3y\n' > "$SERVER_TMP/key"
port=$(free_port)
start_engine "$SERVER_TMP/on.log" --serve -m "$SERVER_TMP/tiny.gguf" -a tiny --port "$port" -c 512 \
    --api-key-file "$SERVER_TMP/key" --cors-origin "$app" --cors-origin https://other.example
check "engine with CORS origins is healthy" wait_health "$port"
# shellcheck disable=SC2086
h=$(headers "$port" OPTIONS /v1/chat/completions $pre)
check "preflight from a listed origin: 204" has "$h" "http/1.1 204"
check "preflight: Allow-Origin echoes the origin" has "$h" "access-control-allow-origin: $app"
check "preflight: Allow-Headers names Authorization" has "$h" "access-control-allow-headers: authorization, content-type"
check "preflight: Allow-Methods lists POST" has "$h" "access-control-allow-methods: get, post"
check "preflight: Vary: Origin" has "$h" "vary: origin"
check "preflight: never Allow-Credentials" lacks "$h" "access-control-allow-credentials"
h=$(headers "$port" OPTIONS /v1/chat/completions -H "Origin: http://evil.example" -H "Access-Control-Request-Method: POST")
check "preflight from another origin: 403" has "$h" "http/1.1 403"
check "preflight from another origin: no Allow-Origin" lacks "$h" "access-control-allow-origin"
h=$(headers "$port" GET /v1/models -H "Origin: $app" -H "Authorization: Bearer k3y")
check "GET from a listed origin: Allow-Origin" has "$h" "access-control-allow-origin: $app"
h=$(headers "$port" GET /v1/models -H "Origin: $app")
check "401 from a listed origin still readable: Allow-Origin" has "$h" "access-control-allow-origin: $app"
check "the key is still checked" has "$h" "http/1.1 401"
h=$(headers "$port" GET /v1/models -H "Origin: http://evil.example" -H "Authorization: Bearer k3y")
check "GET from another origin: no Allow-Origin" lacks "$h" "access-control-allow-origin"
h=$(headers "$port" POST /v1/chat/completions -H "Origin: https://other.example" -H "Authorization: Bearer k3y" \
    -H "Content-Type: application/json" --data '{"messages":[{"role":"user","content":"hi"}],"max_tokens":2,"stream":true}')
check "streamed reply to a listed origin: Allow-Origin" has "$h" "access-control-allow-origin: https://other.example"
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"

port=$(free_port)
start_engine "$SERVER_TMP/any.log" --serve -m "$SERVER_TMP/tiny.gguf" -a tiny --port "$port" -c 512 --cors-origin '*'
check "engine with CORS '*' is healthy" wait_health "$port"
# shellcheck disable=SC2086
h=$(headers "$port" OPTIONS /v1/chat/completions $pre)
check "'*': preflight answered with Allow-Origin *" has "$h" "access-control-allow-origin: \*"
check "'*': never with Allow-Credentials" lacks "$h" "access-control-allow-credentials"
kill -TERM "$ENGINE_PID"; wait "$ENGINE_PID"

for bad in 'app.example' 'http://app.example/' 'ftp://x' 'http://a:99999' 'http://'; do
    # shellcheck disable=SC2016 # expanded by the inner sh
    check_exit 2 "--cors-origin '$bad' refused" sh -c '"$INFRAC_ENGINE" --serve -m "$1" --cors-origin "$2" >/dev/null 2>&1' _ "$SERVER_TMP/tiny.gguf" "$bad"
done
