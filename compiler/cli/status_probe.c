#include "status_probe.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPLY (256 * 1024) /* /health and /v1/models are small */

static long ms_left(const struct timespec *end)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
}

/* 1 ready, 0 deadline passed, -1 error. */
static int wait_fd(int fd, short events, const struct timespec *end)
{
    for (;;) {
        long left = ms_left(end);
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        return n == 0 ? 0 : 1;
    }
}

static int connect_bounded(const char *addr, int port, const struct timespec *end, probe_reply *r)
{
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai = NULL;
    int g = getaddrinfo(addr, portstr, &hints, &ai);
    if (g != 0) {
        r->result = PROBE_UNREACHABLE;
        snprintf(r->detail, sizeof r->detail, "cannot resolve %s: %s", addr, gai_strerror(g));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err = 0;
    if (fd < 0)
        err = errno;
    else if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS)
            err = errno;
        else {
            int w = wait_fd(fd, POLLOUT, end);
            if (w == 0)
                err = ETIMEDOUT;
            else {
                socklen_t sl = sizeof err;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0)
                    err = errno;
            }
        }
    }
    freeaddrinfo(ai);
    if (err) {
        if (fd >= 0)
            close(fd);
        r->result = err == ECONNREFUSED ? PROBE_REFUSED : PROBE_UNREACHABLE;
        snprintf(r->detail, sizeof r->detail, "connect to %s:%d: %s", addr, port,
                 err == ETIMEDOUT ? "timed out" : strerror(err));
        return -1;
    }
    return fd;
}

/* Parses "HTTP/1.x NNN ..." and finds the body; false when it is not HTTP. */
static bool parse_reply(char *buf, size_t len, probe_reply *r)
{
    if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' || buf[9] < '1' ||
        buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9')
        return false;
    char *body = strstr(buf, "\r\n\r\n");
    if (!body)
        return false;
    r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    r->body = strdup(body + 4);
    if (!r->body)
        abort();
    return true;
}

void probe_get(const char *addr, int port, const char *path, const char *bearer, int timeout_ms,
               probe_reply *r)
{
    memset(r, 0, sizeof *r);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout_ms / 1000;
    end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L)
        end.tv_sec++, end.tv_nsec -= 1000000000L;

    int fd = connect_bounded(addr, port, &end, r);
    if (fd < 0)
        return;
    char req[1024];
    int rl = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s:%d\r\n%s%s%sConnection: close\r\n\r\n",
                      path, addr, port, bearer ? "Authorization: Bearer " : "", bearer ? bearer : "",
                      bearer ? "\r\n" : "");
    if (rl < 0 || (size_t)rl >= sizeof req || send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl) {
        r->result = PROBE_GARBAGE;
        snprintf(r->detail, sizeof r->detail, "could not send the request");
        close(fd);
        return;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    bool closed = false, timed_out = false;
    while (len < MAX_REPLY) {
        int w = wait_fd(fd, POLLIN, &end);
        if (w <= 0) {
            timed_out = w == 0;
            break;
        }
        if (cap - len < 1024 && !(buf = realloc(buf, cap *= 2)))
            abort();
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            closed = n == 0;
            break;
        }
        len += (size_t)n;
    }
    buf[len] = 0;
    close(fd);
    /* HTTP/1.0 with Connection: close: the body ends where the connection
     * does. An answer cut off by the deadline is not one. */
    if (closed && parse_reply(buf, len, r))
        r->result = PROBE_OK;
    else if (timed_out && len == 0) {
        r->result = PROBE_TIMEOUT;
        snprintf(r->detail, sizeof r->detail, "no answer within %d ms", timeout_ms);
    } else if (timed_out && parse_reply(buf, len, r)) {
        free(r->body), r->body = NULL;
        r->result = PROBE_TIMEOUT;
        snprintf(r->detail, sizeof r->detail, "answer incomplete after %d ms", timeout_ms);
    } else {
        r->result = PROBE_GARBAGE;
        size_t k = 0;
        char shown[40];
        for (size_t i = 0; i < len && k < sizeof shown - 1; i++)
            shown[k++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.';
        shown[k] = 0;
        snprintf(r->detail, sizeof r->detail, "not an HTTP answer%s%s%s", len ? ": \"" : " (closed empty)",
                 shown, len ? "\"" : "");
    }
    free(buf);
}

void probe_reply_free(probe_reply *r)
{
    free(r->body);
    r->body = NULL;
}
