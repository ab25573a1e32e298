/* Per-connection deadlines against slow clients (issue 15 finding 7,
 * "slowloris"). libmicrohttpd's MHD_OPTION_CONNECTION_TIMEOUT is an idle
 * timeout: a client sending one header line every few seconds is never
 * idle, so it holds its connection (and, one thread per connection, a
 * thread) forever. A watchdog thread gives each phase of a request an
 * absolute deadline and shuts the socket down when it passes; libmicrohttpd
 * then sees the end of the stream and closes the connection itself. */
#ifndef INFRAC_SERVER_CONN_WATCH_H
#define INFRAC_SERVER_CONN_WATCH_H

#include <pthread.h>
#include <stdbool.h>

typedef enum conn_phase {
    CONN_IDLE,     /* accepted or between requests: until the request line */
    CONN_HEADERS,  /* request line read: until the end of the headers */
    CONN_BODY,     /* headers read: until the end of the body */
    CONN_HANDLING, /* answered by the engine: no deadline (generation takes its time) */
    CONN_PHASES
} conn_phase;

typedef struct conn_state {
    int fd;
    conn_phase phase; /* with since: under the watch's lock */
    double since;     /* CLOCK_MONOTONIC seconds the phase began */
    bool cut;         /* the watchdog shut it down */
    /* Used by the connection's own thread only. */
    bool http10;      /* the request is HTTP/1.0 (no 1xx may be sent to it) */
    bool probed;      /* a 100 Continue was sent to tell a half-close from a close */
    bool in_handler;  /* a handler runs and has not queued its answer */
    struct conn_state *prev, *next;
} conn_state;

typedef struct conn_watch {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool running, stop;
    unsigned limit_s[CONN_PHASES]; /* 0 = none */
    conn_state *head;
} conn_watch;

/* Starts the watchdog: idle_s for CONN_IDLE, header_s, body_s. */
bool conn_watch_start(conn_watch *w, unsigned idle_s, unsigned header_s, unsigned body_s);
/* Joins the watchdog; connections still listed are left alone. */
void conn_watch_stop(conn_watch *w);
/* A new connection on fd, in CONN_IDLE; NULL when out of memory. */
conn_state *conn_watch_add(conn_watch *w, int fd);
/* Forgets s before its socket is closed (so a reused fd is never shut down). */
void conn_watch_remove(conn_watch *w, conn_state *s);
void conn_watch_enter(conn_watch *w, conn_state *s, conn_phase phase);

#endif
