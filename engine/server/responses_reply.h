/* The JSON of /v1/responses answers: the response object, its output
 * message, and the server-sent events of a streamed response, in the shapes
 * of OpenAI's Responses API (the `openai` npm client's types:
 * resources/responses/responses.d.ts). */
#ifndef INFRAC_SERVER_RESPONSES_REPLY_H
#define INFRAC_SERVER_RESPONSES_REPLY_H

#include <stdint.h>
#include <time.h>

#include "api_error.h"
#include "strbuf.h"

struct json_t;

typedef struct responses_meta {
    char id[48];     /* resp_<hex> */
    char msg_id[48]; /* msg_<hex>: the output message */
    time_t created;
    const char *model;         /* the alias */
    const struct json_t *echo; /* request fields repeated (responses_request.echo) */
} responses_meta;

typedef struct responses_usage {
    uint32_t input, cached, output;
} responses_usage;

void responses_meta_init(responses_meta *m, const char *model, const struct json_t *echo);

/* The output message: status "in_progress" (no content yet), "completed"
 * or "incomplete" with one output_text part holding text. */
struct json_t *responses_message(const responses_meta *m, const char *status, const char *text,
                                 size_t len);
/* An output_text content part. */
struct json_t *responses_text_part(const char *text, size_t len);
/* The response object. finish_reason NULL: in progress (no output, no
 * usage); "stop" completed; "length" incomplete (max_output_tokens).
 * error: failed. */
struct json_t *responses_object(const responses_meta *m, const char *finish_reason,
                                const char *text, size_t len, const responses_usage *u,
                                const api_error *error);
/* Appends "event: TYPE\ndata: JSON\n\n", JSON being data (taken over) with
 * "type" and "sequence_number" (*seq, then incremented) added. */
void responses_event(strbuf *out, uint32_t *seq, const char *type, struct json_t *data);

#endif
