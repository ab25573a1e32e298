/* Shared by the HTTP front and the endpoint handlers. */
#ifndef INFRAC_SERVER_HTTP_INTERNAL_H
#define INFRAC_SERVER_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <stdbool.h>

#include "api_error.h"
#include "http.h"
#include "strbuf.h"

/* Per request: the body read so far and the route label for metrics. */
typedef struct request_ctx {
    strbuf body;
    bool too_big;
    const char *endpoint;
} request_ctx;

/* Queues a response with body (taken over, malloc'd) and counts it. */
enum MHD_Result http_respond(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                             int status, const char *content_type, char *body);
enum MHD_Result http_respond_error(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                   const api_error *e);
/* True once the client closed its end of the connection. */
bool http_client_gone(struct MHD_Connection *c);

/* How often a waiting handler looks whether its client is still there (ms). */
#define HTTP_POLL_MS 100

struct job;

/* A job's answer as server-sent events (job_stream.c): the loop waits for
 * the job's text, hands each piece to step, which appends its events to
 * out (the last ones when done), and feeds them to the client; a client
 * gone mid-stream cancels the job. A handler's stream begins with this
 * struct, so step and release can reach the rest. */
typedef struct job_stream job_stream;
struct job_stream {
    http_server *h;
    struct MHD_Connection *c;
    struct job *job;
    strbuf out; /* events not sent yet */
    size_t off; /* bytes of out sent */
    bool finished;
    /* text: what came (the step may replace it; freed after); done: the job ended */
    void (*step)(job_stream *s, strbuf *text, bool done);
    void (*release)(job_stream *s); /* frees the handler's part; NULL: none */
};
/* Answers 200 with the stream st (calloc'd, h, c, job, step set; events
 * already in out go first), which it takes over, job included. */
enum MHD_Result job_stream_respond(job_stream *st, request_ctx *rc);
/* The API error of a job that failed (its error_status and message). */
void job_error(const struct job *j, api_error *e);
struct gen_request;
/* The job of a valid generation request (handle_generate.c), or NULL with
 * a 4xx in err. */
struct job *generate_make_job(http_server *h, struct gen_request *req, api_error *err);
/* Hands the job to the scheduler; false with a 503 in err (the job is
 * released then). */
bool generate_submit(http_server *h, struct job *j, api_error *err);

enum MHD_Result handle_embeddings(http_server *h, struct MHD_Connection *c, request_ctx *rc);
enum MHD_Result handle_generate(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                bool chat);
/* POST /v1/responses (handle_responses.c). */
enum MHD_Result handle_responses(http_server *h, struct MHD_Connection *c, request_ctx *rc);
enum MHD_Result handle_models(http_server *h, struct MHD_Connection *c, request_ctx *rc);
/* GET /v1/models/{id}: the model object, or 404 model_not_found. */
enum MHD_Result handle_model(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                             const char *id);
enum MHD_Result handle_tokenize(http_server *h, struct MHD_Connection *c, request_ctx *rc);
enum MHD_Result handle_detokenize(http_server *h, struct MHD_Connection *c, request_ctx *rc);
enum MHD_Result handle_metrics(http_server *h, struct MHD_Connection *c, request_ctx *rc);

#endif
