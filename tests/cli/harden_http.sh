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
check "a second engine on a taken port exits non-zero (rc $rc)" sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
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


# 3 (rest). DNS rebinding: a name the engine was not configured for is
# refused with 421 Misdirected Request (RFC 9110 15.5.20), before any route.
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: attacker.example:$port\r\nConnection: close\r\n\r\n")
check "Host: attacker.example is refused with 421 (got $got)" [ "$got" = 421 ]
got=$(raw "POST /v1/chat/completions HTTP/1.1\r\nHost: attacker.example\r\nContent-Type: application/json\r\nContent-Length: $len\r\nConnection: close\r\n\r\n$req")
check "a POST with a foreign Host is refused with 421 (got $got)" [ "$got" = 421 ]
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: LocalHost\r\nConnection: close\r\n\r\n")
check "Host names compare without case (got $got)" [ "$got" = 200 ]
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: 10.9.9.9\r\nConnection: close\r\n\r\n")
check "an IP literal other than the bind address is refused (got $got)" [ "$got" = 421 ]
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: localhost.attacker.example\r\nConnection: close\r\n\r\n")
check "a name that only starts like localhost is refused (got $got)" [ "$got" = 421 ]

# 7. Slowloris: more slow clients than the old cap of 256 connections, and
# /health is still answered; the per-connection deadlines close a client
# that dribbles its headers or its body.
got=$("$PY" "$SRC/tests/server/hostile_client.py" "$port" slowloris 300 1 5)
check "/health answered beside 300 slow clients: $got" sh -c "echo '$got' | grep -q '^5 of 5'"

# 9. Half-close: the request, then shutdown(SHUT_WR); the answer still comes.
got=$("$PY" "$SRC/tests/server/hostile_client.py" "$port" half-close "$req")
check "a half-closed client gets its non-streaming answer (got $got)" [ "$got" = "200 choices" ]

kill "$first" 2>/dev/null; wait "$first" 2>/dev/null
port2=$(free_port)
start_engine "$T/engine2.log" --serve -m "$T/tiny.gguf" -a tiny --port "$port2" -c 256 \
    --header-timeout 2 --body-timeout 3 --allow-host api.example --allow-host Other.Example
check "engine with deadlines and allowed hosts is healthy" wait_health "$port2"
took=$("$PY" "$SRC/tests/server/hostile_client.py" "$port2" dribble-headers 0.5)
check "headers dribbled past --header-timeout 2 are cut off (after ${took}s)" \
    awk "BEGIN { exit !($took >= 1.5 && $took < 5) }"
took=$("$PY" "$SRC/tests/server/hostile_client.py" "$port2" dribble-body 0.5)
check "a body dribbled past --body-timeout 3 is cut off (after ${took}s)" \
    awk "BEGIN { exit !($took >= 2.5 && $took < 6) }"
port=$port2
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: api.example:$port\r\nConnection: close\r\n\r\n")
check "--allow-host api.example is served (got $got)" [ "$got" = 200 ]
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n")
check "--allow-host Other.Example matches other.example (got $got)" [ "$got" = 200 ]
got=$(raw "GET /v1/models HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n")
check "a name not allowed is still 421 (got $got)" [ "$got" = 421 ]

# 8. Authentication before the body: a key-less POST declaring 4 MiB is
# answered 401 at once, from its headers, its body never read.
printf 'secret1\n' > "$T/key"
port3=$(free_port)
start_engine "$T/engine3.log" --serve -m "$T/tiny.gguf" -a tiny --port "$port3" -c 256 \
    --api-key-file "$T/key"
check "engine with a key is healthy" wait_health "$port3"
got=$("$PY" "$SRC/tests/server/hostile_client.py" "$port3" early-reply 4194304)
check "a key-less 4 MiB POST is refused from its headers: $got" \
    sh -c "echo '$got' | awk '{ exit !(\$1 == 401 && \$2 < 2) }'"
grew=$("$PY" - "$port3" "$ENGINE_PID" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def rss():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
head = (b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4194304\r\n\r\n")
before, socks = rss(), []
for i in range(100):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setblocking(False)
    try:
        s.send(head + b" " * (1 << 20))
    except OSError:
        pass
    socks.append(s)
time.sleep(1)
print(rss() - before)
PY
)
check "100 key-less 1 MiB bodies held open leave RSS flat (grew ${grew} KiB)" [ "${grew:-999999}" -lt 51200 ]


# 9, the other way: a client that really closed still frees its slot at once
# (the 100 Continue sent on its end of stream is answered with a reset).
make_model "$T/slow.gguf" --ctx 4096 --embd 256 --layers 6 --ff 768 --type q8_0
port4=$(free_port)
start_engine "$T/engine4.log" --serve -m "$T/slow.gguf" -a m --port "$port4" -c 1024 -t 1
check "engine with a slower model is healthy" wait_health "$port4"
took=$("$PY" "$SRC/tests/server/hostile_client.py" "$port4" close-frees)
check "a closed client's request frees its slot within 0.35 s (took $took)" \
    awk "BEGIN { exit !(\"$took\" != \"finished-early\" && $took + 0 < 0.35) }"

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
check "a FIFO with a writer is still read (rc $rc)" sh -c "[ $rc -ne 124 ] && ! grep -q E0111 '$T/fifo2.out'"
