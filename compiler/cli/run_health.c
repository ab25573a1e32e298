#include "run_health.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

const char *run_probe_address(const char *bind)
{
    if (strcmp(bind, "0.0.0.0") == 0)
        return "127.0.0.1";
    if (strcmp(bind, "::") == 0 || strcmp(bind, "[::]") == 0)
        return "::1";
    return bind;
}

static long ms_left(const struct timespec *end)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
}

static bool wait_fd(int fd, short events, const struct timespec *end)
{
    long left = ms_left(end);
    if (left <= 0)
        return false;
    struct pollfd p = {.fd = fd, .events = events};
    return poll(&p, 1, (int)left) == 1 && (p.revents & events);
}

bool run_health_ok(const char *addr, int port, int timeout_ms)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout_ms / 1000;
    end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (end.tv_nsec >= 1000000000L)
        end.tv_sec++, end.tv_nsec -= 1000000000L;

    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(addr, portstr, &hints, &ai) != 0)
        return false;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    bool ok = false;
    if (fd >= 0 && (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) &&
        wait_fd(fd, POLLOUT, &end)) {
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        static const char req[] = "GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n";
        char buf[64];
        size_t got = 0;
        if (soerr == 0 && send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1)) {
            while (got < 12 && wait_fd(fd, POLLIN, &end)) {
                ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
                if (n <= 0)
                    break;
                got += (size_t)n;
            }
            buf[got] = 0;
            ok = got >= 12 && strncmp(buf, "HTTP/1.", 7) == 0 && strncmp(buf + 9, "200", 3) == 0;
        }
    }
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return ok;
}
