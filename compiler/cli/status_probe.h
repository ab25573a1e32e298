/* `infrac status`: one bounded HTTP/1.0 GET over a plain socket, so the
 * compiler needs no HTTP client library. Every step (resolve aside, which
 * uses numeric addresses from the plan) shares one deadline. */
#ifndef INFRAC_STATUS_PROBE_H
#define INFRAC_STATUS_PROBE_H

#include <stddef.h>

typedef enum probe_result {
    PROBE_OK,          /* an HTTP response was read: status and body are set */
    PROBE_REFUSED,     /* nothing listens on the port */
    PROBE_UNREACHABLE, /* no route, unknown address, connect timed out */
    PROBE_TIMEOUT,     /* connected, but no complete answer before the deadline */
    PROBE_GARBAGE      /* an answer that is not HTTP */
} probe_result;

typedef struct probe_reply {
    probe_result result;
    int status;    /* HTTP status when PROBE_OK */
    char *body;    /* NUL-terminated body when PROBE_OK (malloc'ed) */
    char detail[160]; /* why, for the other results */
} probe_reply;

/* GET http://addr:port/path with an optional bearer key; at most
 * timeout_ms from connect to the last byte. */
void probe_get(const char *addr, int port, const char *path, const char *bearer, int timeout_ms,
               probe_reply *r);
void probe_reply_free(probe_reply *r);

#endif
