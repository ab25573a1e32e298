/* The streaming loop of /v1/chat/completions, /v1/completions and
 * /v1/responses: server-sent events over a job (http_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "cors.h"
#include "http_internal.h"
#include "metrics.h"
#include "scheduler.h"

/* Appends the next events; blocks until there is at least one. False when
 * the client went away. */
static bool stream_fill(job_stream *st)
{
    while (st->out.len == 0) {
        strbuf text = {0};
        bool done = scheduler_wait(st->h->sched, st->job, &text, HTTP_POLL_MS);
        st->step(st, &text, done);
        sb_free(&text);
        if (done)
            st->finished = true;
        else if (st->out.len == 0 && http_client_gone(st->c))
            return false;
    }
    return true;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    job_stream *st = cls;
    if (st->off == st->out.len) {
        if (st->finished)
            return MHD_CONTENT_READER_END_OF_STREAM;
        sb_clear(&st->out);
        st->off = 0;
        if (!stream_fill(st))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = st->out.len - st->off;
    if (n > max)
        n = max;
    memcpy(buf, st->out.p + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    job_stream *st = cls;
    scheduler_cancel(st->h->sched, st->job); /* a client gone mid-stream frees its slot now */
    job_unref(st->h->sched, st->job);
    if (st->release)
        st->release(st);
    sb_free(&st->out);
    free(st);
}

enum MHD_Result job_stream_respond(job_stream *st, request_ctx *rc)
{
    http_server *h = st->h;
    struct MHD_Connection *c = st->c;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
    if (!r) {
        stream_free(st);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    cors_add_headers(h->opts, c, r);
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    metrics_count_request(h->metrics, rc->endpoint, 200);
    return ret;
}
