/* The HTTP front: libmicrohttpd with one thread per connection (a handler
 * may block while its job runs), routing to the endpoint handlers. */
#ifndef INFRAC_SERVER_HTTP_H
#define INFRAC_SERVER_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "chat_template.h"
#include "conn_watch.h"
#include "metrics.h"
#include "scheduler.h"
#include "server.h"

typedef struct http_server {
    const server_options *opts;
    scheduler *sched;
    metrics *metrics;
    const char *api_key; /* NULL = open */
    time_t started;
    chat_prompt *chat;   /* set once the model is loaded */
    struct MHD_Daemon *daemon;
    atomic_int in_flight; /* requests begun and not yet completely answered */
    conn_watch watch;     /* per-connection deadlines */
} http_server;

/* Listens on opts->bind:opts->port; false with a message. */
bool http_start(http_server *h, char *err, size_t errlen);
/* Stops accepting connections; open ones carry on. */
void http_quiesce(http_server *h);
/* Waits up to timeout_ms for the requests in flight to be answered. */
void http_drain(http_server *h, int timeout_ms);
/* Closes every connection and joins their threads. */
void http_stop(http_server *h);

#endif
