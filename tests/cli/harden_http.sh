#!/bin/sh
# Hardening of the engine's HTTP layer (issue 15): a taken port fails the
# start. Loopback only; every wait is bounded.
. "$SRC/tests/lib/tap.sh"
. "$SRC/tests/lib/engine.sh"

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

# raw REQUEST: sends the bytes (printf escapes) and prints the status code.
raw() {
    printf "$1" | "$PY" -c "
import socket, sys
s = socket.create_connection(('127.0.0.1', $port), timeout=10)
s.sendall(sys.stdin.buffer.read())
data = b''
try:
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
        if b'\r\n\r\n' in data and b'Connection: close' not in data and len(data) > 12: pass
except socket.timeout:
    pass
line = data.split(b'\r\n', 1)[0].decode('latin-1')
print(line.split(' ')[1] if ' ' in line else 'none')"
}
req='{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}'
len=$(printf '%s' "$req" | wc -c)

# 3. Framing and media type.
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nConnection: close\r\n\r\n")
check "Host: the bind address is served (got $got)" [ "$got" = 200 ]
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: localhost:$port\r\nConnection: close\r\n\r\n")
check "Host: localhost is served on a loopback bind (got $got)" [ "$got" = 200 ]
got=$(raw "GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n")
check "HTTP/1.1 without Host is 400 (got $got)" [ "$got" = 400 ]
got=$(raw "GET /v1/models HTTP/1.0\r\n\r\n")
check "HTTP/1.0 without Host is served (got $got)" [ "$got" = 200 ]
got=$(raw "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: $len\r\nConnection: close\r\n\r\n$req")
check "a text/plain POST is refused with 415 (got $got)" [ "$got" = 415 ]
got=$(raw "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: $len\r\nConnection: close\r\n\r\n$req")
check "a POST without Content-Type is refused with 415 (got $got)" [ "$got" = 415 ]
got=$(raw "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: $len\r\nConnection: close\r\n\r\n$req")
check "application/json with a charset is served (got $got)" [ "$got" = 200 ]
got=$(raw "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: $len\r\nContent-Length: 3\r\nConnection: close\r\n\r\n$req")
check "conflicting Content-Length headers are 400 (got $got)" [ "$got" = 400 ]
got=$(raw "HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
check "HEAD on a GET route is answered like GET (got $got)" [ "$got" = 200 ]
got=$(raw "HEAD /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
check "HEAD /v1/models is 200 (got $got)" [ "$got" = 200 ]


# 6. A FIFO as the fleet file: opened without blocking, so a FIFO nobody
# writes to reads as empty instead of hanging the check forever.
mkfifo "$T/fleet.fifo"
timeout 10 "$INFRAC" check "$T/fleet.fifo" >"$T/fifo.out" 2>&1
rc=$?
check "infrac check on a FIFO without a writer ends (rc $rc)" [ "$rc" -ne 124 ]
printf 'fleet: f\n' > "$T/one.yaml"
timeout 10 sh -c "cat '$T/one.yaml' > '$T/fleet.fifo'" &
sleep 0.5 # the writer blocks in open until the reader comes
timeout 10 "$INFRAC" check "$T/fleet.fifo" >"$T/fifo2.out" 2>&1
rc=$?
check "a FIFO with a writer is still read (rc $rc)" [ "$rc" -ne 124 ] && ! grep -q E0111 "$T/fifo2.out"
