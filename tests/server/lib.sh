# Helpers of the server's shell tests (tests/cli/server_*.sh): a scratch
# directory, a tiny model, free ports, engines started in the background
# and always killed on exit.
SERVER_TMP=$(mktemp -d /tmp/server-test-XXXXXX)
SERVER_PIDS=""
server_cleanup() {
    for p in $SERVER_PIDS; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$SERVER_TMP"
}
trap server_cleanup EXIT INT TERM

# The interpreter itself, not a version-manager shim (each shim call is slow).
PY=$(python3 -c 'import sys; print(sys.executable)')

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# make_model FILE [mkmodel args...]
make_model() {
    _out=$1; shift
    "$INFRAC_MKMODEL" -o "$_out" --tokenizer bpe "$@" >/dev/null 2>&1
}

# wait_health PORT [SECONDS]: 0 once /health answers 200.
wait_health() {
    _i=0
    while [ "$_i" -lt "$(( ${2:-20} * 10 ))" ]; do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health")" = 200 ] && return 0
        sleep 0.1; _i=$((_i + 1))
    done
    return 1
}

# start_engine LOG ARGS...: starts infrac-engine; sets ENGINE_PID.
start_engine() {
    _log=$1; shift
    "$INFRAC_ENGINE" "$@" >"$_log" 2>&1 &
    ENGINE_PID=$!
    SERVER_PIDS="$SERVER_PIDS $ENGINE_PID"
}

# post PORT PATH BODY [curl args]: prints "STATUS BODY".
post() {
    _p=$1 _path=$2 _body=$3; shift 3
    curl -s -o "$SERVER_TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
        --data-binary "$_body" "$@" "http://127.0.0.1:$_p$_path" > "$SERVER_TMP/code"
    printf '%s %s' "$(cat "$SERVER_TMP/code")" "$(cat "$SERVER_TMP/resp")"
}

# json_get JSON PATH: a value by a Python expression on the parsed JSON 'j'.
json_get() {
    printf '%s' "$1" | "$PY" -c "import json,sys; j=json.load(sys.stdin); print($2)" 2>/dev/null
}

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
