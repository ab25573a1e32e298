#!/bin/sh
# Hardening of the engine's HTTP layer (issue 15): a taken port fails the
# start. Loopback only; every wait is bounded.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/server/lib.sh"

T=$SERVER_TMP
make_model "$T/tiny.gguf" --ctx 512 || { fail "infrac-mkmodel made a model"; exit 0; }
port=$(free_port)
start_engine "$T/engine.log" --serve -m "$T/tiny.gguf" -a tiny --port "$port" -c 256 --timeout 5
first=$ENGINE_PID
check "engine is healthy" wait_health "$port"

# 1. No SO_REUSEPORT: a second engine on the port must fail to start, and a
# process asking for SO_REUSEPORT must not get a share of the traffic.
timeout 20 "$INFRAC_ENGINE" --serve -m "$T/tiny.gguf" --port "$port" -c 256 >"$T/second.log" 2>&1
rc=$?
check "a second engine on a taken port exits non-zero (rc $rc)" [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]
check "its error names the port" grep -q "cannot listen on 127.0.0.1:$port" "$T/second.log"
check "a SO_REUSEPORT listener cannot bind beside the engine" "$PY" -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind(('127.0.0.1', $port)); s.listen(); sys.exit(1)
except OSError:
    sys.exit(0)"
check "the first engine still runs" kill -0 "$first"

