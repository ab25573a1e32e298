#include "http.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "cors.h"
#include "host_check.h"
#include "http_internal.h"

/* Connections at once: one thread each, far below the threads a service
 * may start (systemd's default TasksMax is 15% of pid_max, thousands), and
 * above what a few hundred slow clients can hold before their deadlines
 * (issue 15 finding 7). */
#define HTTP_MAX_CONNECTIONS 512

static conn_state *state_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

enum MHD_Result http_respond(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                             int status, const char *content_type, char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", content_type);
    if (status == 401)
        MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (status == 503)
        MHD_add_response_header(r, "Retry-After", "1");
    cors_add_headers(h->opts, c, r);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    metrics_count_request(h->metrics, rc->endpoint, status);
    return ret;
}

enum MHD_Result http_respond_error(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                   const api_error *e)
{
    return http_respond(h, c, rc, e->status, "application/json", api_error_json(e));
}

/* The peer answered with a reset: after its end of stream, recv(2) keeps
 * returning 0 (tcp_recvmsg stops at SOCK_DONE before it reports the
 * error), so the socket's state is asked instead: a reset closes it. */
static bool peer_reset(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return true;
    return ti.tcpi_state == TCP_CLOSE;
}

/* A client that shut down only its sending side (shutdown(SHUT_WR), a
 * half-close) reads as EOF exactly like one that closed, and still waits for
 * its answer (issue 15 finding 9). The difference shows when the server
 * sends: a closed socket answers with a reset. So the first EOF seen while a
 * handler still holds the answer is met with an interim `100 Continue`
 * (RFC 9110 15.2: a client must accept a 1xx it did not ask for; never sent
 * to HTTP/1.0, 15.2 again), and only a reset or an error means gone. A
 * stream has sent its head already: there the failed write of the next
 * chunk ends it. */
bool http_client_gone(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return true;
    char b;
    ssize_t n = recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0)
        return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    if (n > 0)
        return false;
    conn_state *st = state_of(c);
    if (!st || st->cut)
        return true;
    if (!st->in_handler)
        return false; /* streaming: the write will tell */
    if (st->http10)
        return true;
    if (st->probed)
        return peer_reset(ci->connect_fd);
    static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
    st->probed = true;
    if (send(ci->connect_fd, interim, sizeof interim - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        return true;
    /* A closed peer resets at once on loopback and within a round trip
     * elsewhere: look a few times now rather than a poll period later. */
    for (int i = 0; i < 4; i++) {
        struct timespec ms5 = {0, 5 * 1000 * 1000};
        nanosleep(&ms5, NULL);
        if (peer_reset(ci->connect_fd))
            return true;
    }
    return false;
}

/* The routes and their methods. */
typedef enum route {
    R_CHAT, R_COMPLETIONS, R_EMBEDDINGS, R_MODELS, R_MODEL, R_HEALTH, R_METRICS, R_TOKENIZE,
    R_DETOKENIZE, R_RESPONSES, R_NONE
} route;
static const struct {
    const char *path, *method;
} routes[] = {
    [R_CHAT] = {"/v1/chat/completions", "POST"}, [R_COMPLETIONS] = {"/v1/completions", "POST"},
    [R_MODELS] = {"/v1/models", "GET"},          [R_MODEL] = {"/v1/models/{id}", "GET"},
    [R_HEALTH] = {"/health", "GET"},
    [R_METRICS] = {"/metrics", "GET"},           [R_TOKENIZE] = {"/tokenize", "POST"},
    [R_DETOKENIZE] = {"/detokenize", "POST"},    [R_EMBEDDINGS] = {"/v1/embeddings", "POST"},
    [R_RESPONSES] = {"/v1/responses", "POST"},
};

#define MODEL_PREFIX "/v1/models/"

static route find_route(const char *url)
{
    if (strncmp(url, MODEL_PREFIX, strlen(MODEL_PREFIX)) == 0 && url[strlen(MODEL_PREFIX)])
        return R_MODEL; /* the id may hold '/' (an alias like org/name) */
    for (int i = 0; i < R_NONE; i++)
        if (strcmp(url, routes[i].path) == 0)
            return (route)i;
    return R_NONE;
}

/* "application/json", any case, optionally followed by parameters. */
static bool is_json_type(const char *ct)
{
    static const char want[] = "application/json";
    if (!ct || strncasecmp(ct, want, sizeof want - 1) != 0)
        return false;
    char next = ct[sizeof want - 1];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind, (void)value;
    if (strcasecmp(key, "Content-Length") == 0)
        ++*(int *)cls;
    return MHD_YES;
}

/* Framing a proxy and this server could read differently is refused
 * (RFC 9112 6.3: several Content-Length values; 3.2: HTTP/1.1 needs Host). */
static const char *bad_framing(struct MHD_Connection *c, const char *version)
{
    int n_length = 0;
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &n_length);
    if (n_length > 1)
        return "more than one Content-Length header";
    if (strcmp(version, "HTTP/1.0") != 0 &&
        !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"))
        return "an HTTP/1.1 request without a Host header";
    return NULL;
}

/* What the headers alone decide (issue 15 finding 8: nothing is read from
 * a client that cannot be served, an unauthenticated one included): a
 * response queued now is sent without the body, and libmicrohttpd closes the
 * connection after it. MHD_YES with nothing queued: read the body. */
static enum MHD_Result check_headers(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                     const char *url, const char *method, const char *version)
{
    api_error e;
    const char *framing = bad_framing(c, version);
    if (framing) {
        api_error_set(&e, 400, "invalid_request_error", NULL, "bad_request", "%s", framing);
        return http_respond_error(h, c, rc, &e);
    }
    /* A Host this engine was not configured for is a DNS-rebinding page or a
     * misrouted request: 421 Misdirected Request, "not an authoritative
     * server for this origin" (RFC 9110 15.5.20), rather than 403, which
     * would say the origin is right and the client lacks permission. */
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (host && !host_header_allowed(h->opts->bind, (const char *const *)h->opts->allow_hosts,
                                     h->opts->n_allow_hosts, host)) {
        api_error_set(&e, 421, "invalid_request_error", NULL, "misdirected_request",
                      "this engine does not serve the host name in 'Host: %s' (allow it with "
                      "--allow-host or the service's allow_hosts)",
                      host);
        return http_respond_error(h, c, rc, &e);
    }
    route r = find_route(url);
    if (cors_is_preflight(h->opts, c, method)) { /* before auth: preflights carry no key */
        unsigned status;
        struct MHD_Response *pre = cors_preflight_response(h->opts, c, &status);
        if (!pre)
            return MHD_NO;
        enum MHD_Result ret = MHD_queue_response(c, status, pre);
        MHD_destroy_response(pre);
        metrics_count_request(h->metrics, rc->endpoint, (int)status);
        return ret;
    }
    if (r == R_HEALTH && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
        bool loaded = scheduler_loaded(h->sched);
        return http_respond(h, c, rc, loaded ? 200 : 503, "application/json",
                            strdup(loaded ? "{\"status\":\"ok\"}" : "{\"status\":\"loading\"}"));
    }
    if (h->api_key &&
        !auth_check_bearer(h->api_key,
                           MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"))) {
        api_error_set(&e, 401, "authentication_error", NULL, "invalid_api_key",
                      "missing or wrong API key: send 'Authorization: Bearer <key>'");
        return http_respond_error(h, c, rc, &e);
    }
    if (r == R_NONE || (r == R_METRICS && !h->opts->metrics)) {
        api_error_set(&e, 404, "not_found_error", NULL, "not_found", "no endpoint %s %s", method,
                      url);
        return http_respond_error(h, c, rc, &e);
    }
    /* HEAD is GET without the body (RFC 9110 9.3.2); libmicrohttpd leaves
     * the body out itself. */
    bool head_of_get = strcmp(method, "HEAD") == 0 && strcmp(routes[r].method, "GET") == 0;
    if (strcmp(method, routes[r].method) != 0 && !head_of_get) {
        api_error_set(&e, 405, "invalid_request_error", NULL, "method_not_allowed",
                      "%s takes %s, not %s", url, routes[r].method, method);
        return http_respond_error(h, c, rc, &e);
    }
    /* JSON endpoints take application/json only: a cross-site form or
     * text/plain POST (a "simple" request, sent without a CORS preflight)
     * must not reach a key-less engine (Fetch standard, CORS-safelisted
     * request headers). */
    if (strcmp(routes[r].method, "POST") == 0 && !is_json_type(MHD_lookup_connection_value(
                                                     c, MHD_HEADER_KIND, "Content-Type"))) {
        api_error_set(&e, 415, "invalid_request_error", NULL, "unsupported_media_type",
                      "%s takes Content-Type: application/json", url);
        return http_respond_error(h, c, rc, &e);
    }
    /* A declared size over the limit is refused before reading it. */
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > h->opts->max_body) {
        api_error_set(&e, 413, "invalid_request_error", NULL, "request_too_large",
                      "request body exceeds the limit of %zu bytes", h->opts->max_body);
        return http_respond_error(h, c, rc, &e);
    }
    return MHD_YES;
}

/* The request is whole and passed check_headers. */
static enum MHD_Result dispatch(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                const char *url)
{
    api_error e;
    route r = find_route(url);
    if (r == R_MODELS)
        return handle_models(h, c, rc);
    if (r == R_MODEL)
        return handle_model(h, c, rc, url + strlen(MODEL_PREFIX));
    if (r == R_METRICS)
        return handle_metrics(h, c, rc);
    if (!scheduler_loaded(h->sched)) {
        api_error_set(&e, 503, "unavailable_error", NULL, "model_loading",
                      "the model is still loading: retry when /health says ok");
        return http_respond_error(h, c, rc, &e);
    }
    switch (r) {
    case R_CHAT: return handle_generate(h, c, rc, true);
    case R_COMPLETIONS: return handle_generate(h, c, rc, false);
    case R_TOKENIZE: return handle_tokenize(h, c, rc);
    case R_DETOKENIZE: return handle_detokenize(h, c, rc);
    case R_EMBEDDINGS: return handle_embeddings(h, c, rc);
    case R_RESPONSES: return handle_responses(h, c, rc);
    default: return MHD_NO;
    }
}

static void enter(http_server *h, struct MHD_Connection *c, conn_phase phase)
{
    conn_state *st = state_of(c);
    if (st)
        conn_watch_enter(&h->watch, st, phase);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    http_server *h = cls;
    request_ctx *rc = *con_cls;
    if (!rc) {
        rc = calloc(1, sizeof *rc);
        if (!rc)
            return MHD_NO;
        *con_cls = rc;
        atomic_fetch_add(&h->in_flight, 1);
        route r = find_route(url);
        rc->endpoint = r == R_NONE ? "other" : routes[r].path;
        conn_state *st = state_of(c);
        if (st) {
            st->http10 = strcmp(version, "HTTP/1.0") == 0;
            st->probed = false;
        }
        enter(h, c, CONN_BODY);
        return check_headers(h, c, rc, url, method, version);
    }
    if (*upload_size) {
        if (rc->body.len + *upload_size > h->opts->max_body)
            rc->too_big = true;
        else if (!rc->too_big)
            sb_append(&rc->body, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (rc->too_big) {
        api_error e;
        api_error_set(&e, 413, "invalid_request_error", NULL, "request_too_large",
                      "request body exceeds the limit of %zu bytes", h->opts->max_body);
        return http_respond_error(h, c, rc, &e);
    }
    enter(h, c, CONN_HANDLING);
    conn_state *st = state_of(c);
    if (st)
        st->in_handler = true;
    enum MHD_Result ret = dispatch(h, c, rc, url);
    if (st)
        st->in_handler = false;
    return ret;
}

/* The request line is in: the headers' deadline starts (URI log callback,
 * called once per request before the headers are parsed). */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)uri;
    enter(cls, c, CONN_HEADERS);
    return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server *h = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? conn_watch_add(&h->watch, ci->connect_fd) : NULL;
    } else if (*socket_context) {
        /* libmicrohttpd closes the socket after this call. */
        conn_watch_remove(&h->watch, *socket_context);
        *socket_context = NULL;
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)code;
    http_server *h = cls;
    request_ctx *rc = *con_cls;
    enter(h, c, CONN_IDLE);
    if (rc) {
        atomic_fetch_sub(&h->in_flight, 1);
        sb_free(&rc->body);
        free(rc);
        *con_cls = NULL;
    }
}

bool http_start(http_server *h, char *err, size_t errlen)
{
    char port[16];
    snprintf(port, sizeof port, "%u", h->opts->port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(h->opts->bind, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve bind address %s: %s", h->opts->bind,
                 gai_strerror(rc));
        return false;
    }
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: it sets SO_REUSEPORT, and a
     * second engine (or any same-user process asking for SO_REUSEPORT) would
     * bind the port beside this one and get a share of its traffic, API keys
     * included (socket(7)). A taken port must fail the start. */
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (!conn_watch_start(&h->watch, h->opts->timeout_s, h->opts->header_timeout_s,
                          h->opts->body_timeout_s)) {
        freeaddrinfo(ai);
        snprintf(err, errlen, "cannot start the connection watchdog thread");
        return false;
    }
    h->daemon = MHD_start_daemon(
        flags, h->opts->port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)h->opts->timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_MAX_CONNECTIONS,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, h, MHD_OPTION_URI_LOG_CALLBACK, on_request_line, h, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!h->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%u (address in use or not local?)",
                 h->opts->bind, h->opts->port);
        return false;
    }
    return true;
}

void http_quiesce(http_server *h)
{
    if (h->daemon) {
        MHD_socket fd = MHD_quiesce_daemon(h->daemon);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
}

void http_drain(http_server *h, int timeout_ms)
{
    for (int waited = 0; atomic_load(&h->in_flight) > 0 && waited < timeout_ms; waited += 20)
        usleep(20 * 1000);
}

void http_stop(http_server *h)
{
    if (h->daemon)
        MHD_stop_daemon(h->daemon);
    h->daemon = NULL;
    conn_watch_stop(&h->watch);
}
