# Helpers of the shell tests that run infrac-engine (tests/cli/server_*.sh,
# status_cli.sh, server_run.sh, harden_*.sh): a scratch directory, a tiny
# model, free ports, engines started in the background, waited for, stopped,
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

# wait_for SECONDS COMMAND...: 0 as soon as COMMAND succeeds (tried every
# 0.1 s), 1 when SECONDS pass first.
wait_for() {
    _n=$(( $1 * 10 )); shift
    _i=0
    while [ "$_i" -lt "$_n" ]; do
        "$@" && return 0
        sleep 0.1; _i=$((_i + 1))
    done
    return 1
}

healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health")" = 200 ]; }

# wait_health PORT [SECONDS]: 0 once /health answers 200.
wait_health() { wait_for "${2:-20}" healthy "$1"; }

# start_engine LOG ARGS...: starts infrac-engine; sets ENGINE_PID.
start_engine() {
    _log=$1; shift
    "$INFRAC_ENGINE" "$@" >"$_log" 2>&1 &
    ENGINE_PID=$!
    SERVER_PIDS="$SERVER_PIDS $ENGINE_PID"
}

# stop_engine: SIGTERM to the last engine started; returns its exit status.
stop_engine() {
    kill -TERM "$ENGINE_PID"
    wait "$ENGINE_PID"
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
