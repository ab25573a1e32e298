"""Hostile and odd HTTP clients for tests/cli/harden_http.sh (issue 15,
findings 7-9). Each mode prints one line the shell test compares; every
socket has a timeout, so a hung server fails the test instead of hanging it.

  hostile_client.py PORT dribble-headers GAP       seconds until the server closes
  hostile_client.py PORT dribble-body GAP          same, for a body sent slowly
  hostile_client.py PORT slowloris N GAP PROBES    N slow clients, then PROBES /health
                                                   probes: how many got 200
  hostile_client.py PORT early-reply LENGTH        status and seconds of a key-less
                                                   POST whose body is never sent
  hostile_client.py PORT half-close BODY           final status after shutdown(SHUT_WR)
  hostile_client.py PORT close-frees               seconds until a running request's slot
                                                   is free after its client closed
"""
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def connect(port, timeout=10):
    return socket.create_connection((HOST, port), timeout=timeout)


def final_status(data):
    """The status of the final response: interim 1xx responses are skipped
    (RFC 9110 15.2: a client must parse 1xx responses it did not expect)."""
    while data.startswith(b"HTTP/"):
        head, _, rest = data.partition(b"\r\n\r\n")
        status = head.split(b" ", 2)[1].decode()
        if not status.startswith("1"):
            return status, rest
        data = rest
    return "none", b""


def read_all(s):
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def seconds_until_closed(s, send_more, gap, limit):
    """Calls send_more every gap seconds until the server closes; returns the
    seconds that took (limit when it never did)."""
    start = time.monotonic()
    s.settimeout(gap)
    while time.monotonic() - start < limit:
        try:
            b = s.recv(4096)
            if not b:
                return time.monotonic() - start
        except socket.timeout:
            pass
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
        try:
            send_more()
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - start
    return limit


def dribble_headers(port, gap):
    s = connect(port)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    n = [0]

    def more():
        n[0] += 1
        s.sendall(b"X-Slow-%d: 1\r\n" % n[0])

    print("%.1f" % seconds_until_closed(s, more, gap, 30))


def dribble_body(port, gap):
    s = connect(port)
    s.sendall(b"POST /tokenize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100000\r\n\r\n")
    print("%.1f" % seconds_until_closed(s, lambda: s.sendall(b" "), gap, 30))


def slowloris(port, n, gap, probes):
    stop = threading.Event()
    socks = []
    for i in range(n):
        try:
            s = connect(port, timeout=5)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks.append(s)
        except OSError:
            break

    def keep_sending():
        k = 0
        while not stop.wait(gap):
            k += 1
            for s in socks:
                try:
                    s.sendall(b"X-Slow-%d: 1\r\n" % k)
                except OSError:
                    pass

    t = threading.Thread(target=keep_sending, daemon=True)
    t.start()
    answered = 0
    for _ in range(probes):
        try:
            p = connect(port, timeout=3)
            p.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            if final_status(read_all(p))[0] == "200":
                answered += 1
            p.close()
        except OSError:
            pass
        time.sleep(0.2)
    stop.set()
    print("%d of %d (%d slow clients held)" % (answered, probes, len(socks)))


def early_reply(port, length):
    s = connect(port, timeout=5)
    start = time.monotonic()
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % length)
    status, _ = final_status(read_all(s))
    print("%s %.1f" % (status, time.monotonic() - start))


def half_close(port, body):
    s = connect(port, timeout=30)
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
              % (len(body), body.encode()))
    s.shutdown(socket.SHUT_WR)
    status, rest = final_status(read_all(s))
    print(status, "choices" if b'"choices"' in rest else "no-body")


def slots_busy(port):
    p = connect(port, timeout=5)
    p.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    _, body = final_status(read_all(p))
    for line in body.decode().splitlines():
        if line.startswith("infrac_slots_busy"):
            return int(float(line.split()[-1]))
    return -1


def close_frees(port):
    """A client that closes (not half-closes) its socket while its answer is
    generated frees the slot; a random model may stop early, so seeds are
    tried until one is still running when the client goes."""
    for seed in range(1, 9):
        body = b'{"prompt":"x","max_tokens":900,"seed":%d}' % seed
        s = connect(port)
        s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        time.sleep(0.4)
        if slots_busy(port) != 1:
            read_all(s)
            s.close()
            continue
        s.close()
        start = time.monotonic()
        while time.monotonic() - start < 5:
            if slots_busy(port) == 0:
                print("%.2f" % (time.monotonic() - start))
                return
            time.sleep(0.05)
        print("5.00")
        return
    print("finished-early")


def main():
    port, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if mode == "dribble-headers":
        dribble_headers(port, float(args[0]))
    elif mode == "dribble-body":
        dribble_body(port, float(args[0]))
    elif mode == "slowloris":
        slowloris(port, int(args[0]), float(args[1]), int(args[2]))
    elif mode == "early-reply":
        early_reply(port, int(args[0]))
    elif mode == "half-close":
        half_close(port, args[0])
    elif mode == "close-frees":
        close_frees(port)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
