/* POST /v1/responses: the Responses API's text path. The request runs as a
 * chat request (responses_request.c); the answer is a response object, or
 * its stream of typed events: response.created, response.in_progress,
 * response.output_item.added, response.content_part.added,
 * response.output_text.delta..., response.output_text.done,
 * response.content_part.done, response.output_item.done, then
 * response.completed (response.incomplete at max_output_tokens,
 * response.failed on an engine error), as OpenAI streams them. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "responses_reply.h"
#include "responses_request.h"
#include "scheduler.h"

static responses_usage usage_of(const job *j)
{
    return (responses_usage){j->n_prompt, j->n_cached, j->n_generated};
}

typedef struct rstream {
    job_stream base; /* first: the loop's part */
    responses_meta meta;
    json_t *echo; /* owned: meta.echo */
    uint32_t seq;
    strbuf text; /* all text so far */
} rstream;

/* item_id, output_index and content_index of the one text part. */
static json_t *at_part(const rstream *st)
{
    return json_pack("{s:s, s:i, s:i}", "item_id", st->meta.msg_id, "output_index", 0,
                     "content_index", 0);
}

static void stream_end(rstream *st)
{
    const char *text = st->text.p ? st->text.p : "";
    size_t len = st->text.len;
    if (st->base.job->error_status) {
        api_error e;
        job_error(st->base.job, &e);
        responses_event(&st->base.out, &st->seq, "response.failed",
                        json_pack("{s:o}", "response",
                                  responses_object(&st->meta, NULL, NULL, 0, NULL, &e)));
        return;
    }
    const char *reason = st->base.job->finish_reason;
    bool incomplete = strcmp(reason, "length") == 0;
    json_t *d = at_part(st);
    json_object_set_new(d, "text", json_stringn(text, len));
    json_object_set_new(d, "logprobs", json_array());
    responses_event(&st->base.out, &st->seq, "response.output_text.done", d);
    d = at_part(st);
    json_object_set_new(d, "part", responses_text_part(text, len));
    responses_event(&st->base.out, &st->seq, "response.content_part.done", d);
    responses_event(&st->base.out, &st->seq, "response.output_item.done",
                    json_pack("{s:i, s:o}", "output_index", 0, "item",
                              responses_message(&st->meta, incomplete ? "incomplete" : "completed",
                                                text, len)));
    responses_usage u = usage_of(st->base.job);
    responses_event(&st->base.out, &st->seq, incomplete ? "response.incomplete" : "response.completed",
                    json_pack("{s:o}", "response",
                              responses_object(&st->meta, reason, text, len, &u, NULL)));
}

/* The loop's step (job_stream): a delta event per piece of text, the
 * closing events at the end. */
static void stream_step(job_stream *base, strbuf *text, bool done)
{
    rstream *st = (rstream *)base;
    if (text->len) {
        sb_append(&st->text, text->p, text->len);
        json_t *d = at_part(st);
        json_object_set_new(d, "delta", json_stringn(text->p, text->len));
        json_object_set_new(d, "logprobs", json_array());
        responses_event(&st->base.out, &st->seq, "response.output_text.delta", d);
    }
    if (done)
        stream_end(st);
}

static void stream_release(job_stream *base)
{
    rstream *st = (rstream *)base;
    json_decref(st->echo);
    sb_free(&st->text);
}

static enum MHD_Result respond_stream(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                      job *j, json_t *echo)
{
    rstream *st = calloc(1, sizeof *st);
    if (!st)
        abort();
    st->base.h = h, st->base.c = c, st->base.job = j, st->echo = echo;
    st->base.step = stream_step, st->base.release = stream_release;
    responses_meta_init(&st->meta, h->opts->alias, echo);
    json_t *start = responses_object(&st->meta, NULL, NULL, 0, NULL, NULL);
    responses_event(&st->base.out, &st->seq, "response.created",
                    json_pack("{s:O}", "response", start));
    responses_event(&st->base.out, &st->seq, "response.in_progress",
                    json_pack("{s:o}", "response", start));
    responses_event(&st->base.out, &st->seq, "response.output_item.added",
                    json_pack("{s:i, s:o}", "output_index", 0, "item",
                              responses_message(&st->meta, "in_progress", NULL, 0)));
    json_t *d = at_part(st);
    json_object_set_new(d, "part", responses_text_part("", 0));
    responses_event(&st->base.out, &st->seq, "response.content_part.added", d);
    return job_stream_respond(&st->base, rc);
}

static enum MHD_Result respond_whole(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                     job *j, json_t *echo)
{
    strbuf text = {0};
    enum MHD_Result ret;
    while (!scheduler_wait(h->sched, j, &text, HTTP_POLL_MS))
        if (http_client_gone(c)) {
            scheduler_cancel(h->sched, j);
            metrics_count_request(h->metrics, rc->endpoint, 499);
            ret = MHD_NO;
            goto out;
        }
    if (j->error_status) {
        api_error e;
        job_error(j, &e);
        ret = http_respond_error(h, c, rc, &e);
    } else {
        responses_meta meta;
        responses_meta_init(&meta, h->opts->alias, echo);
        responses_usage u = usage_of(j);
        json_t *o = responses_object(&meta, j->finish_reason, text.p ? text.p : "", text.len, &u, NULL);
        char *body = json_dumps(o, JSON_COMPACT);
        json_decref(o);
        if (!body)
            abort();
        ret = http_respond(h, c, rc, 200, "application/json", body);
    }
out:
    sb_free(&text);
    json_decref(echo);
    job_unref(h->sched, j);
    return ret;
}

enum MHD_Result handle_responses(http_server *h, struct MHD_Connection *c, request_ctx *rc)
{
    api_error e;
    responses_request req;
    if (!responses_request_parse(&req, rc->body.p, rc->body.len, &e))
        return http_respond_error(h, c, rc, &e);
    if (req.gen.model && strcmp(req.gen.model, h->opts->alias) != 0) {
        api_error_set(&e, 404, "invalid_request_error", "model", "model_not_found",
                      "the model '%s' does not exist: this server serves '%s'", req.gen.model,
                      h->opts->alias);
        responses_request_free(&req);
        return http_respond_error(h, c, rc, &e);
    }
    job *j = generate_make_job(h, &req.gen, &e);
    bool stream = req.gen.stream;
    json_t *echo = json_incref(req.echo);
    responses_request_free(&req);
    /* The chat request's errors about its messages are about input here. */
    if (!j) {
        json_decref(echo);
        if (e.param && strcmp(e.param, "messages") == 0)
            e.param = "input";
        return http_respond_error(h, c, rc, &e);
    }
    if (!generate_submit(h, j, &e)) {
        json_decref(echo);
        return http_respond_error(h, c, rc, &e);
    }
    return stream ? respond_stream(h, c, rc, j, echo) : respond_whole(h, c, rc, j, echo);
}
