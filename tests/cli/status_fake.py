# A fake server for tests/cli/status_cli.sh: listens on 127.0.0.1:PORT and
# answers like one kind of process, so `infrac status` sees each state.
#   python3 status_fake.py PORT MODE [MODEL] [OWNER]
# MODE: engine (/health 200, /v1/models lists MODEL owned by OWNER),
#       loading (/health 503), garbage (not HTTP), hang (accepts, never answers),
#       nohttp404 (HTTP, but 404 everywhere).
import socket
import sys
import threading
import time

port, mode = int(sys.argv[1]), sys.argv[2]
model = sys.argv[3] if len(sys.argv) > 3 else "m"
owner = sys.argv[4] if len(sys.argv) > 4 else "infrac"


def reply(conn, status, body):
    conn.sendall(("HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                  "Connection: close\r\n\r\n%s" % (status, len(body), body)).encode())


def serve(conn):
    try:
        if mode == "hang":
            time.sleep(3600)
            return
        req = conn.recv(4096).decode(errors="replace")
        path = req.split(" ")[1] if " " in req else "/"
        if mode == "garbage":
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        elif mode == "nohttp404":
            reply(conn, "404 Not Found", "{}")
        elif mode == "loading" and path == "/health":
            reply(conn, "503 Service Unavailable", '{"error":{"message":"Loading model"}}')
        elif path == "/health":
            reply(conn, "200 OK", '{"status":"ok"}')
        elif path == "/v1/models":
            reply(conn, "200 OK", '{"object":"list","data":[{"id":"%s","object":"model","owned_by":"%s"}]}'
                  % (model, owner))
        else:
            reply(conn, "404 Not Found", "{}")
    finally:
        conn.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
