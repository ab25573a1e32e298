#!/bin/sh
# infrac run end to end: build a fleet with one engine: infrac service,
# run it, query it, kill the engine and see it restarted, stop with SIGTERM.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

T=$SERVER_TMP
make_model "$T/tiny.gguf" --ctx 512 || { fail "infrac-mkmodel made a model"; exit 0; }
port=$(free_port)
port2=$(free_port)
cat > "$T/fleet.yaml" <<YAML
fleet: runtest
hosts:
  here:
    address: 127.0.0.1
    memory: 32 GiB
    cpus: 2
  elsewhere:
    address: 192.0.2.10
    memory: 32 GiB
    cpus: 2
models:
  tiny:
    path: $T/tiny.gguf
    gguf: $T/tiny.gguf
services:
  chat:
    host: here
    engine: infrac
    model: tiny
    port: $port
    context: 512
    parallel: 2
  by-hand:
    host: here
    model: tiny
    port: $port2
    context: 512
  remote:
    host: elsewhere
    engine: infrac
    model: tiny
    port: $port
    context: 512
YAML
"$INFRAC" build "$T/fleet.yaml" -o "$T/out" >"$T/build.log" 2>&1
check "infrac build" [ -f "$T/out/here/etc/chat.json" ]

check_exit 2 "unknown --host exits 2" "$INFRAC" run "$T/out" --host nowhere 2>/dev/null
check_exit 2 "missing build output exits 2" "$INFRAC" run "$T/nothing" 2>/dev/null
check_exit 2 "unknown --service exits 2" "$INFRAC" run "$T/out" --host here --service nope 2>/dev/null

# The host at 127.0.0.1 is this machine: picked without --host.
"$INFRAC" run "$T/out" > "$T/run.out" 2> "$T/run.err" &
run_pid=$!
SERVER_PIDS="$SERVER_PIDS $run_pid"

# ready_pid N: the pid of the Nth "ready" line, waiting up to 20 s.
nth_ready() {
    _p=$(grep '^chat ready at' "$T/run.out" | sed -n "$1p" | sed 's/.*(pid \([0-9]*\)).*/\1/')
    [ -n "$_p" ]
}
ready_pid() { wait_for 20 nth_ready "$1" && echo "$_p"; }
pid1=$(ready_pid 1)
check "prints the URL once healthy" grep -q "^chat ready at http://127.0.0.1:$port (pid" "$T/run.out"
check "lists the llama.cpp service with its command" grep -q "^  llama-server .*--port $port2" "$T/run.out"
got=$(post "$port" /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":4}')
check "the service answers a chat request" [ "${got%% *}" = 200 ]

kill -9 "$pid1"
pid2=$(ready_pid 2)
check "a killed engine is restarted ($pid1 -> $pid2)" [ -n "$pid2" -a "$pid2" != "$pid1" ]
check "the restart is reported" grep -q "chat (pid $pid1) killed by signal 9; restarting in 1s" "$T/run.err"
got=$(post "$port" /v1/completions '{"prompt":"hi","max_tokens":4}')
check "the restarted service answers" [ "${got%% *}" = 200 ]

kill -TERM "$run_pid"
wait "$run_pid"; rc=$?
check "SIGTERM stops infrac run with 0" [ "$rc" -eq 0 ]
check "and the engine with it" sh -c "! kill -0 $pid2 2>/dev/null"
check "the port is free again" sh -c "! curl -s -o /dev/null http://127.0.0.1:$port/health"
