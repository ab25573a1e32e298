/* JSON bodies of generation responses and their server-sent-event framing. */
#ifndef INFRAC_SERVER_RESPONSE_H
#define INFRAC_SERVER_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "request.h"
#include "strbuf.h"

typedef struct response_meta {
    request_kind kind;
    char id[48];       /* chatcmpl-... / cmpl-... */
    time_t created;
    const char *model; /* the alias */
} response_meta;

typedef struct usage {
    uint32_t prompt_tokens, completion_tokens;
} usage;

/* id from 96 random bits, created = now. */
void response_meta_init(response_meta *m, request_kind kind, const char *model);

/* Texts are given with their length (text[0..len), NUL bytes included):
 * a generated NUL byte is text like any other and comes out as \u0000. */

/* A whole (non-streamed) response. */
char *response_full(const response_meta *m, const char *text, size_t len,
                    const char *finish_reason, const usage *u);
/* The same with choices[].logprobs (taken over; NULL = null). */
struct json_t;
char *response_full_lp(const response_meta *m, const char *text, size_t len,
                       const char *finish_reason, const usage *u, struct json_t *logprobs);
/* A whole chat response: content NULL = null; tool_calls (an OpenAI
 * tool_calls array, taken over) or NULL; logprobs taken over or NULL. */
char *response_chat_full(const response_meta *m, const char *content, size_t content_len,
                         struct json_t *tool_calls, const char *finish_reason, const usage *u,
                         struct json_t *logprobs);
/* The same with message.reasoning_content (reasoning NULL or empty: none). */
char *response_chat_reasoned(const response_meta *m, const char *reasoning, size_t reasoning_len,
                             const char *content, size_t content_len, struct json_t *tool_calls,
                             const char *finish_reason, const usage *u, struct json_t *logprobs);
/* A streamed chunk whose delta is {"reasoning_content": text}. */
char *response_reasoning_chunk(const response_meta *m, const char *text, size_t len);
/* A streamed chunk whose delta holds tool_calls deltas (taken over). */
char *response_tool_chunk(const response_meta *m, struct json_t *deltas);
char *response_chunk_lp(const response_meta *m, const char *text, size_t len,
                        const char *finish_reason, bool first, struct json_t *logprobs);
/* One streamed chunk: text delta (NULL: none; completions then send ""),
 * and finish_reason or NULL. first: the chat delta carries "role": "assistant". */
char *response_chunk(const response_meta *m, const char *text, size_t len,
                     const char *finish_reason, bool first);
/* The include_usage chunk: "choices": [] and the usage. */
char *response_usage_chunk(const response_meta *m, const usage *u);

/* SSE framing: "data: <json>\n\n"; and the terminator. */
void sse_event(strbuf *out, const char *json);
void sse_done(strbuf *out);

#endif
