#include "response.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void response_meta_init(response_meta *m, request_kind kind, const char *model)
{
    unsigned char r[12] = {0};
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        /* Ids need only be unique-ish: fall back to the clock. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        memcpy(r, &ts, sizeof r < sizeof ts ? sizeof r : sizeof ts);
    }
    int n = snprintf(m->id, sizeof m->id, "%s", kind == REQUEST_CHAT ? "chatcmpl-" : "cmpl-");
    for (size_t i = 0; i < sizeof r; i++)
        n += snprintf(m->id + n, sizeof m->id - (size_t)n, "%02x", r[i]);
    m->kind = kind;
    m->created = time(NULL);
    m->model = model;
}

static json_t *usage_json(const usage *u)
{
    return json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)u->prompt_tokens,
                     "completion_tokens", (json_int_t)u->completion_tokens, "total_tokens",
                     (json_int_t)u->prompt_tokens + u->completion_tokens);
}

static json_t *envelope(const response_meta *m, bool chunk)
{
    const char *object = m->kind == REQUEST_CHAT ? (chunk ? "chat.completion.chunk"
                                                          : "chat.completion")
                                                 : "text_completion";
    return json_pack("{s:s, s:s, s:I, s:s, s:s}", "id", m->id, "object", object, "created",
                     (json_int_t)m->created, "model", m->model, "system_fingerprint", "infrac");
}

static char *dump(json_t *root)
{
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

static json_t *reason_json(const char *finish_reason)
{
    return finish_reason ? json_string(finish_reason) : json_null();
}

char *response_full(const response_meta *m, const char *text, size_t len,
                    const char *finish_reason, const usage *u)
{
    return response_full_lp(m, text, len, finish_reason, u, NULL);
}

char *response_chunk(const response_meta *m, const char *text, size_t len,
                     const char *finish_reason, bool first)
{
    return response_chunk_lp(m, text, len, finish_reason, first, NULL);
}

/* Every generated text goes out by length: a NUL byte the model wrote is
 * text too (json_string would stop at it; jansson escapes it as \u0000). */
static json_t *text_json(const char *text, size_t len)
{
    return json_stringn(text ? text : "", text ? len : 0);
}

char *response_full_lp(const response_meta *m, const char *text, size_t len,
                       const char *finish_reason, const usage *u, json_t *logprobs)
{
    if (m->kind == REQUEST_CHAT)
        return response_chat_full(m, text ? text : "", len, NULL, finish_reason, u, logprobs);
    json_t *root = envelope(m, false);
    json_t *choice = json_pack("{s:i, s:o, s:n, s:o}", "index", 0, "text", text_json(text, len),
                               "logprobs", "finish_reason", reason_json(finish_reason));
    if (logprobs)
        json_object_set_new(choice, "logprobs", logprobs);
    json_object_set_new(root, "choices", json_pack("[o]", choice));
    json_object_set_new(root, "usage", usage_json(u));
    return dump(root);
}

char *response_chat_full(const response_meta *m, const char *content, size_t content_len,
                         json_t *tool_calls, const char *finish_reason, const usage *u,
                         json_t *logprobs)
{
    return response_chat_reasoned(m, NULL, 0, content, content_len, tool_calls, finish_reason, u,
                                  logprobs);
}

char *response_chat_reasoned(const response_meta *m, const char *reasoning, size_t reasoning_len,
                             const char *content, size_t content_len, json_t *tool_calls,
                             const char *finish_reason, const usage *u, json_t *logprobs)
{
    json_t *root = envelope(m, false);
    json_t *message = json_pack("{s:s, s:o, s:n}", "role", "assistant", "content",
                                content ? text_json(content, content_len) : json_null(),
                                "refusal");
    if (reasoning && reasoning_len)
        json_object_set_new(message, "reasoning_content", text_json(reasoning, reasoning_len));
    if (tool_calls)
        json_object_set_new(message, "tool_calls", tool_calls);
    json_t *choice = json_pack("{s:i, s:o, s:o, s:o}", "index", 0, "message", message, "logprobs",
                               logprobs ? logprobs : json_null(), "finish_reason",
                               reason_json(finish_reason));
    json_object_set_new(root, "choices", json_pack("[o]", choice));
    json_object_set_new(root, "usage", usage_json(u));
    return dump(root);
}

char *response_tool_chunk(const response_meta *m, json_t *deltas)
{
    json_t *root = envelope(m, true);
    json_t *choice = json_pack("{s:i, s:{s:o}, s:n, s:n}", "index", 0, "delta", "tool_calls",
                               deltas, "logprobs", "finish_reason");
    json_object_set_new(root, "choices", json_pack("[o]", choice));
    return dump(root);
}

char *response_reasoning_chunk(const response_meta *m, const char *text, size_t len)
{
    json_t *root = envelope(m, true);
    json_t *choice = json_pack("{s:i, s:{s:o}, s:n, s:n}", "index", 0, "delta",
                               "reasoning_content", text_json(text, len), "logprobs",
                               "finish_reason");
    json_object_set_new(root, "choices", json_pack("[o]", choice));
    return dump(root);
}

char *response_chunk_lp(const response_meta *m, const char *text, size_t len,
                        const char *finish_reason, bool first, json_t *logprobs)
{
    json_t *root = envelope(m, true);
    json_t *choice;
    if (m->kind == REQUEST_CHAT) {
        json_t *delta = json_object();
        if (first)
            json_object_set_new(delta, "role", json_string("assistant"));
        if (text)
            json_object_set_new(delta, "content", text_json(text, len));
        choice = json_pack("{s:i, s:o, s:n, s:o}", "index", 0, "delta", delta, "logprobs",
                           "finish_reason", reason_json(finish_reason));
    } else
        choice = json_pack("{s:i, s:o, s:n, s:o}", "index", 0, "text", text_json(text, len),
                           "logprobs", "finish_reason", reason_json(finish_reason));
    if (logprobs)
        json_object_set_new(choice, "logprobs", logprobs);
    json_object_set_new(root, "choices", json_pack("[o]", choice));
    return dump(root);
}

char *response_usage_chunk(const response_meta *m, const usage *u)
{
    json_t *root = envelope(m, true);
    json_object_set_new(root, "choices", json_array());
    json_object_set_new(root, "usage", usage_json(u));
    return dump(root);
}

void sse_event(strbuf *out, const char *json)
{
    sb_puts(out, "data: ");
    sb_puts(out, json);
    sb_puts(out, "\n\n");
}

void sse_done(strbuf *out) { sb_puts(out, "data: [DONE]\n\n"); }
