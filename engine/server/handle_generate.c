/* POST /v1/chat/completions and /v1/completions: validate, tokenize, hand
 * the job to the scheduler, then answer whole or as server-sent events. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "call_matcher.h"
#include "schema_matcher.h"
#include "chat_template.h"
#include "http_internal.h"
#include "logprobs.h"
#include "request.h"
#include "response.h"
#include "tokenize_util.h"
#include "reply.h"
#include "tool_calls.h"
#include "utf8.h"

/* Tools reach the template and calls are parsed unless tool_choice is
 * "none". */
static bool tools_active(const gen_request *req)
{
    return req->n_tools > 0 && req->tool_choice != TOOL_CHOICE_NONE;
}

/* The chat prompt (*len bytes), or NULL with err (400). */
static char *render_chat(http_server *h, const gen_request *req, size_t *len, api_error *err)
{
    if (tools_active(req) && chat_prompt_tool_syntax(h->chat) == TOOL_SYNTAX_NONE) {
        api_error_set(err, 400, "invalid_request_error", "tools", "unsupported_parameter",
                      "'tools': the chat prompt (%s) uses a tool-call syntax infrac-engine does "
                      "not parse (it reads Hermes <tool_call> JSON, Qwen <function=...> and GLM "
                      "<arg_key> XML, Llama 3 JSON, Mistral [TOOL_CALLS], Gemma 4 "
                      "<|tool_call>call: and gpt-oss harmony calls)",
                      chat_prompt_origin(h->chat));
        return NULL;
    }
    char why[600];
    char *text = chat_prompt_render(h->chat, req->template_messages,
                                    tools_active(req) ? req->tools : NULL, len, why, sizeof why);
    if (!text)
        api_error_invalid(err, "messages", "the chat template (%s) cannot render these messages: %s",
                          chat_prompt_origin(h->chat), why);
    return text;
}

/* tool_choice "required" or a named function: the grammar the output must
 * follow; NULL otherwise. */
static call_grammar *forced_call(http_server *h, const gen_request *req)
{
    if (!tools_active(req) ||
        (req->tool_choice != TOOL_CHOICE_REQUIRED && req->tool_choice != TOOL_CHOICE_NAMED))
        return NULL;
    const char *named[1] = {req->tool_choice_name};
    call_grammar *g = req->tool_choice == TOOL_CHOICE_NAMED
                          ? call_grammar_new(chat_prompt_tool_syntax(h->chat), named, 1)
                          : call_grammar_new(chat_prompt_tool_syntax(h->chat),
                                             (const char *const *)req->tool_names,
                                             (uint32_t)req->n_tools);
    /* strict tools: their parameters schemas (request.c compiled each once) */
    for (uint32_t k = 0; g && k < g->n_names; k++)
        for (size_t i = 0; i < req->n_tools; i++)
            if (req->tool_strict[i] && strncmp(g->names[k], req->tool_names[i], g->name_len[k] - 1) == 0 &&
                !req->tool_names[i][g->name_len[k] - 1]) {
                char msg[400];
                json_t *fn = json_object_get(json_array_get(req->tools, i), "function");
                g->schemas[k] = call_schema_new(g, json_object_get(fn, "parameters"), msg, sizeof msg);
            }
    return g;
}

/* The prompt's tokens, or false with err set; *inside: the chat prompt
 * ends in an opened thinking block. */
static bool prompt_tokens(http_server *h, gen_request *req, int32_t **out, uint32_t *n,
                          bool *inside, api_error *err)
{
    const ie_vocab *v = scheduler_vocab(h->sched);
    if (req->prompt_tokens) {
        int32_t n_vocab = ie_vocab_size(v);
        for (size_t i = 0; i < req->n_prompt_tokens; i++)
            if (req->prompt_tokens[i] >= n_vocab) {
                api_error_invalid(err, "prompt", "prompt token %d is not in the vocabulary "
                                                 "(%d tokens)",
                                  req->prompt_tokens[i], n_vocab);
                return false;
            }
        *out = req->prompt_tokens;
        *n = (uint32_t)req->n_prompt_tokens;
        req->prompt_tokens = NULL;
        req->n_prompt_tokens = 0;
        return true;
    }
    char *rendered = NULL;
    size_t len = 0; /* the rendered prompt by length: a message may hold a NUL byte */
    if (req->kind == REQUEST_CHAT && !(rendered = render_chat(h, req, &len, err)))
        return false;
    const char *open, *close;
    *inside = rendered && chat_prompt_think_tags(h->chat, &open, &close) &&
              reasoning_prompt_opens(rendered, len, open, close);
    const char *text = rendered ? rendered : req->prompt;
    int count = tokenize_text(v, text, rendered ? len : req->prompt_len, true, true, out);
    free(rendered);
    if (count < 0) {
        api_error_invalid(err, req->kind == REQUEST_CHAT ? "messages" : "prompt",
                          "the prompt cannot be tokenized");
        return false;
    }
    *n = (uint32_t)count;
    return true;
}

static uint64_t random_seed(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s)
        s = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&s;
    return s;
}

/* Builds the job from a valid request, or fails with a 4xx. */
job *generate_make_job(http_server *h, gen_request *req, api_error *err)
{
    if ((req->json_object || req->schema) && tools_active(req) &&
        (req->tool_choice == TOOL_CHOICE_REQUIRED || req->tool_choice == TOOL_CHOICE_NAMED)) {
        api_error_invalid(err, "tool_choice",
                          "'tool_choice' %s and response_format %s cannot both "
                          "constrain the output",
                          req->tool_choice == TOOL_CHOICE_REQUIRED ? "\"required\"" : "naming a function",
                          req->schema ? "json_schema" : "json_object");
        return NULL;
    }
    tool_syntax syntax = chat_prompt_tool_syntax(h->chat);
    if (req->any_strict && (syntax == TOOL_SYNTAX_QWEN_XML || syntax == TOOL_SYNTAX_GLM)) {
        api_error_set(err, 400, "invalid_request_error", "tools", "unsupported_parameter",
                      "tools[].function.strict: this model's template writes arguments as XML "
                      "blocks, which a JSON schema cannot constrain");
        return NULL;
    }
    for (size_t i = 0; syntax == TOOL_SYNTAX_GEMMA4 && i < req->n_tools; i++) {
        char msg[300];
        json_t *fn = json_object_get(json_array_get(req->tools, i), "function");
        if (req->tool_strict[i] && !gemma4_schema_keys_ok(json_object_get(fn, "parameters"), msg, sizeof msg)) {
            api_error_set(err, 400, "invalid_request_error", "tools", "unsupported_parameter",
                          "tools[%zu].function.parameters: %s", i, msg);
            return NULL;
        }
    }
    int32_t *tokens = NULL;
    uint32_t n = 0;
    bool inside = false;
    call_grammar *call = NULL;
    if (!prompt_tokens(h, req, &tokens, &n, &inside, err))
        return NULL;
    const char *param = req->kind == REQUEST_CHAT ? "messages" : "prompt";
    uint32_t slot_ctx = scheduler_slot_context(h->sched);
    if (n == 0) {
        api_error_invalid(err, param, "the prompt is empty");
        free(tokens);
        return NULL;
    }
    if (n >= slot_ctx) {
        api_error_set(err, 400, "invalid_request_error", param, "context_length_exceeded",
                      "the prompt has %u tokens but a slot's context holds %u tokens (one more "
                      "is needed for the answer)",
                      n, slot_ctx);
        free(tokens);
        return NULL;
    }
    uint64_t max = req->max_tokens < 0 ? slot_ctx - n : (uint64_t)req->max_tokens;
    if ((uint64_t)n + max > slot_ctx) {
        api_error_set(err, 400, "invalid_request_error", req->max_tokens_key,
                      "context_length_exceeded",
                      "the prompt (%u tokens) plus %s (%llu) exceeds a slot's context of "
                      "%u tokens: ask for at most %u",
                      n, req->max_tokens_key, (unsigned long long)max, slot_ctx, slot_ctx - n);
        free(tokens);
        return NULL;
    }
    call = forced_call(h, req);
    if (call) { /* the call's fixed text must fit, one byte per token at worst */
        call_matcher m;
        cm_init(call, &m);
        uint32_t need = cm_min_close(call, &m);
        if (max < need) {
            api_error_invalid(err, req->max_tokens_key,
                              "%s (%llu) is too few for the tool call tool_choice asks for: it "
                              "needs at least %u",
                              req->max_tokens_key, (unsigned long long)max, need);
            call_grammar_free(call);
            free(tokens);
            return NULL;
        }
    }
    if (req->schema) { /* the shortest valid text must fit, one byte per token at worst */
        schema_matcher m;
        sm_init(&m);
        uint32_t need = sm_min_close(req->schema, &m);
        if (max < need) {
            api_error_invalid(err, req->max_tokens_key,
                              "%s (%llu) is too few for the response_format schema: its "
                              "shortest valid text needs up to %u tokens",
                              req->max_tokens_key, (unsigned long long)max, need);
            free(tokens);
            return NULL;
        }
    }
    job *j = job_new();
    j->think_inside = inside;
    j->call = call;
    j->schema = req->schema;
    req->schema = NULL;
    if (req->kind == REQUEST_CHAT) {
        /* markers the reply parser must see: the call syntax's (harmony's
         * channels with or without tools), and the thinking tags */
        const ie_vocab *v = scheduler_vocab(h->sched);
        const char *tags[3] = {NULL, NULL, NULL};
        chat_prompt_think_tags(h->chat, &tags[0], &tags[1]);
        const char *const *marks = tool_syntax_markers(
            tools_active(req) || syntax == TOOL_SYNTAX_HARMONY ? syntax : TOOL_SYNTAX_NONE);
        for (int pass = 0; pass < 2; pass++)
            for (const char *const *m = pass ? tags : marks;
                 *m && j->n_preserve < sizeof j->preserve / sizeof *j->preserve; m++) {
                int32_t id = ie_vocab_find(v, *m, strlen(*m));
                if (id >= 0)
                    j->preserve[j->n_preserve++] = id;
            }
    }
    j->prompt = tokens;
    j->n_prompt = n;
    j->max_tokens = (uint32_t)max;
    ie_sampler_params_default(&j->sampling);
    j->sampling.temperature = (float)req->temperature;
    j->sampling.top_p = (float)req->top_p;
    j->sampling.top_k = req->top_k;
    j->sampling.min_p = (float)req->min_p;
    j->sampling.repeat_penalty = (float)req->repeat_penalty;
    j->sampling.presence_penalty = (float)req->presence_penalty;
    j->sampling.frequency_penalty = (float)req->frequency_penalty;
    j->sampling.seed = req->has_seed ? req->seed : random_seed();
    j->logprobs = req->logprobs;
    j->top_logprobs = req->top_logprobs;
    j->json_object = req->json_object;
    if (req->n_stop) {
        j->stop = calloc(req->n_stop, sizeof *j->stop);
        if (!j->stop)
            abort();
        for (size_t i = 0; i < req->n_stop; i++) {
            j->stop[i] = req->stop[i];
            req->stop[i] = NULL;
        }
        j->n_stop = req->n_stop;
        req->n_stop = 0;
    }
    return j;
}

bool generate_submit(http_server *h, job *j, api_error *e)
{
    switch (scheduler_submit(h->sched, j)) {
    case SUBMIT_OK: return true;
    case SUBMIT_QUEUE_FULL:
        job_unref(h->sched, j);
        api_error_set(e, 503, "unavailable_error", NULL, "queue_full",
                      "every slot is busy and the queue is full (%u waiting): retry later",
                      h->opts->queue);
        return false;
    default:
        job_unref(h->sched, j);
        api_error_set(e, 503, "unavailable_error", NULL, "unavailable",
                      "the server is not taking requests (loading or shutting down)");
        return false;
    }
}

void job_error(const job *j, api_error *e)
{
    if (j->error_status == 503)
        api_error_set(e, 503, "unavailable_error", NULL, "shutting_down", "%s", j->error);
    else
        api_error_set(e, j->error_status, "server_error", NULL, "engine_error", "%s", j->error);
}

/* choices[].logprobs in the endpoint's shape (takes entries over). */
static json_t *choice_logprobs(const response_meta *m, json_t *entries, size_t *offset)
{
    if (!entries)
        return NULL;
    return m->kind == REQUEST_CHAT ? logprobs_chat(entries)
                                   : logprobs_completion(entries, offset);
}

/* ---- streaming ---- */

typedef struct stream {
    job_stream base; /* first: the loop's part */
    response_meta meta;
    bool include_usage;
    bool logprobs;
    size_t lp_offset; /* completions: text offset of the next token */
    bool parse;         /* split the text into reasoning, content and tool calls */
    bool parallel;      /* more than one call may be returned */
    reply_parser parser;
    size_t n_calls;     /* calls streamed so far */
} stream;

/* Calls beyond the first are dropped when parallel_tool_calls is false. */
static void keep_calls(json_t *calls, size_t already, bool parallel)
{
    while (!parallel && json_array_size(calls) + already > 1 && json_array_size(calls))
        json_array_remove(calls, json_array_size(calls) - 1);
}

/* OpenAI's streamed shape of a call: its index, id, type and name with
 * empty arguments first, then the arguments. */
static void stream_calls(stream *st, json_t *calls)
{
    size_t i;
    json_t *c;
    json_array_foreach(calls, i, c)
    {
        json_t *fn = json_object_get(c, "function");
        json_int_t index = (json_int_t)st->n_calls++;
        char *chunk = response_tool_chunk(
            &st->meta, json_pack("[{s:I, s:O, s:s, s:{s:O, s:s}}]", "index", index, "id",
                                 json_object_get(c, "id"), "type", "function", "function", "name",
                                 json_object_get(fn, "name"), "arguments", ""));
        sse_event(&st->base.out, chunk);
        free(chunk);
        chunk = response_tool_chunk(&st->meta,
                                    json_pack("[{s:I, s:{s:O}}]", "index", index, "function",
                                              "arguments", json_object_get(fn, "arguments")));
        sse_event(&st->base.out, chunk);
        free(chunk);
    }
}

/* The loop's step (job_stream): a piece of text as chunks: reasoning,
 * content, logprobs and calls; at the end the finish reason (or the error)
 * and usage. */
static void stream_step(job_stream *base, strbuf *text, bool done)
{
    stream *st = (stream *)base;
    json_t *lp = st->logprobs ? scheduler_take_logprobs(st->base.h->sched, st->base.job) : NULL;
    json_t *calls = NULL;
    strbuf reasoning = {0};
    if (st->parse) {
        strbuf content = {0};
        calls = json_array();
        reply_parser_feed(&st->parser, text->p ? text->p : "", text->len, &reasoning, &content,
                          calls);
        if (done && !st->base.job->error_status)
            reply_parser_finish(&st->parser, &reasoning, &content, calls);
        sb_free(text);
        *text = content;
        keep_calls(calls, st->n_calls, st->parallel);
    }
    if (reasoning.len) { /* delta.reasoning_content, as llama-server streams it */
        char *chunk = response_reasoning_chunk(&st->meta, reasoning.p, reasoning.len);
        sse_event(&st->base.out, chunk);
        free(chunk);
    }
    sb_free(&reasoning);
    if (text->len || (lp && json_array_size(lp))) {
        char *chunk = response_chunk_lp(&st->meta, text->p ? text->p : "", text->len, NULL, false,
                                        choice_logprobs(&st->meta, lp, &st->lp_offset));
        lp = NULL;
        sse_event(&st->base.out, chunk);
        free(chunk);
    }
    json_decref(lp);
    if (calls)
        stream_calls(st, calls);
    json_decref(calls);
    if (done) {
        if (st->base.job->error_status) {
            api_error e;
            job_error(st->base.job, &e);
            char *body = api_error_json(&e);
            sse_event(&st->base.out, body);
            free(body);
        } else {
            const char *reason = st->n_calls && strcmp(st->base.job->finish_reason, "stop") == 0
                                     ? "tool_calls"
                                     : st->base.job->finish_reason;
            char *chunk = response_chunk(&st->meta, NULL, 0, reason, false);
            sse_event(&st->base.out, chunk);
            free(chunk);
            if (st->include_usage) {
                usage u = {st->base.job->n_prompt, st->base.job->n_generated};
                chunk = response_usage_chunk(&st->meta, &u);
                sse_event(&st->base.out, chunk);
                free(chunk);
            }
        }
        sse_done(&st->base.out);
    }
}

static void stream_release(job_stream *base) { reply_parser_free(&((stream *)base)->parser); }

/* What the reply does with tool calls. */
typedef struct tool_reply {
    reply_setup setup;
    bool parallel;
} tool_reply;

static enum MHD_Result respond_stream(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                      job *j, const response_meta *meta, bool include_usage,
                                      const char *echo, size_t echo_len, const tool_reply *tr)
{
    bool logprobs = j->logprobs;
    stream *st = calloc(1, sizeof *st);
    if (!st)
        abort();
    st->base.h = h;
    st->base.c = c;
    st->base.job = j;
    st->base.step = stream_step;
    st->base.release = stream_release;
    st->meta = *meta;
    st->include_usage = include_usage;
    st->logprobs = logprobs;
    st->lp_offset = echo ? echo_len : 0;
    st->parse = reply_setup_active(&tr->setup);
    st->parallel = tr->parallel;
    reply_parser_init(&st->parser, &tr->setup);
    if (meta->kind == REQUEST_CHAT) { /* the role comes first, as OpenAI sends it */
        char *chunk = response_chunk(meta, "", 0, NULL, true);
        sse_event(&st->base.out, chunk);
        free(chunk);
    }
    if (echo && echo_len) { /* completions with echo: the prompt is the first text */
        char *chunk = response_chunk(meta, echo, echo_len, NULL, false);
        sse_event(&st->base.out, chunk);
        free(chunk);
    }
    return job_stream_respond(&st->base, rc);
}

/* ---- whole responses ---- */

static enum MHD_Result respond_whole(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                     job *j, const response_meta *meta, const char *echo,
                                     size_t echo_len, const tool_reply *tr)
{
    strbuf text = {0};
    if (echo)
        sb_append(&text, echo, echo_len);
    while (!scheduler_wait(h->sched, j, &text, HTTP_POLL_MS))
        if (http_client_gone(c)) {
            scheduler_cancel(h->sched, j);
            job_unref(h->sched, j);
            sb_free(&text);
            metrics_count_request(h->metrics, rc->endpoint, 499);
            return MHD_NO;
        }
    enum MHD_Result ret;
    if (j->error_status) {
        api_error e;
        job_error(j, &e);
        ret = http_respond_error(h, c, rc, &e);
    } else {
        usage u = {j->n_prompt, j->n_generated};
        size_t offset = echo ? echo_len : 0;
        json_t *lp = j->logprobs ? choice_logprobs(meta, scheduler_take_logprobs(h->sched, j),
                                                   &offset)
                                 : NULL;
        char *body;
        if (reply_setup_active(&tr->setup)) {
            reply_parser p;
            strbuf content = {0}, reasoning = {0};
            json_t *calls = json_array();
            reply_parser_init(&p, &tr->setup);
            reply_parser_feed(&p, text.p ? text.p : "", text.len, &reasoning, &content, calls);
            reply_parser_finish(&p, &reasoning, &content, calls);
            reply_parser_free(&p);
            keep_calls(calls, 0, tr->parallel);
            bool any = json_array_size(calls) > 0;
            /* a reply of calls only has content null, as OpenAI's (memchr:
             * strchr finds a NUL byte, which is text, in the terminator) */
            bool blank = true;
            for (size_t i = 0; i < content.len && blank; i++)
                blank = memchr(" \t\r\n", content.p[i], 4) != NULL;
            const char *reason = any && strcmp(j->finish_reason, "stop") == 0 ? "tool_calls"
                                                                               : j->finish_reason;
            body = response_chat_reasoned(meta, reasoning.p, reasoning.len,
                                          any && blank ? NULL : (content.p ? content.p : ""),
                                          content.len, any ? calls : NULL, reason, &u, lp);
            if (!any)
                json_decref(calls);
            sb_free(&content);
            sb_free(&reasoning);
        } else
            body = response_full_lp(meta, text.p ? text.p : "", text.len, j->finish_reason, &u, lp);
        ret = http_respond(h, c, rc, 200, "application/json", body);
    }
    sb_free(&text);
    job_unref(h->sched, j);
    return ret;
}

enum MHD_Result handle_generate(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                                bool chat)
{
    api_error e;
    gen_request req;
    if (!gen_request_parse(&req, chat ? REQUEST_CHAT : REQUEST_COMPLETION, rc->body.p,
                           rc->body.len, &e))
        return http_respond_error(h, c, rc, &e);
    if (req.model && strcmp(req.model, h->opts->alias) != 0) {
        api_error_set(&e, 404, "invalid_request_error", "model", "model_not_found",
                      "the model '%s' does not exist: this server serves '%s'", req.model,
                      h->opts->alias);
        gen_request_free(&req);
        return http_respond_error(h, c, rc, &e);
    }
    job *j = generate_make_job(h, &req, &e);
    bool stream = req.stream, include_usage = req.include_usage;
    tool_reply tr = {.parallel = req.parallel_tool_calls};
    if (chat && j) {
        tr.setup.syntax = chat_prompt_tool_syntax(h->chat);
        tr.setup.tools = tools_active(&req);
        chat_prompt_think_tags(h->chat, &tr.setup.think_open, &tr.setup.think_close);
        tr.setup.think_inside = j->think_inside;
        tr.setup.format = (reasoning_format)(req.reasoning_format >= 0 ? req.reasoning_format
                                                                       : h->opts->reasoning_format);
    }
    /* echo: the prompt as sent, or the text of the token ids (made valid
     * UTF-8: ids may cut a character) ahead of the completion. */
    strbuf echo = {0};
    if (j && req.echo) {
        if (req.prompt)
            sb_append(&echo, req.prompt, req.prompt_len);
        else {
            strbuf raw = {0};
            detokenize_tokens(scheduler_vocab(h->sched), j->prompt, (int)j->n_prompt, true, &raw);
            utf8_sanitize(raw.p ? raw.p : "", raw.len, true, &echo);
            sb_free(&raw);
        }
    }
    const char *echo_text = j && req.echo ? (echo.p ? echo.p : "") : NULL;
    gen_request_free(&req);
    if (!j)
        return http_respond_error(h, c, rc, &e);

    if (!generate_submit(h, j, &e)) {
        sb_free(&echo);
        return http_respond_error(h, c, rc, &e);
    }
    response_meta meta;
    response_meta_init(&meta, chat ? REQUEST_CHAT : REQUEST_COMPLETION, h->opts->alias);
    /* the echo by length too: a prompt token may decode to a NUL byte */
    enum MHD_Result ret =
        stream ? respond_stream(h, c, rc, j, &meta, include_usage, echo_text, echo.len, &tr)
               : respond_whole(h, c, rc, j, &meta, echo_text, echo.len, &tr);
    sb_free(&echo);
    return ret;
}
