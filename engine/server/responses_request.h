/* POST /v1/responses requests (OpenAI's Responses API, its text path): the
 * fields are checked, `instructions` and `input` become chat messages, and
 * the request is parsed as a chat request, so it is generated exactly as
 * /v1/chat/completions would; what the response object echoes is kept. */
#ifndef INFRAC_SERVER_RESPONSES_REQUEST_H
#define INFRAC_SERVER_RESPONSES_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "api_error.h"
#include "request.h"

struct json_t;

typedef struct responses_request {
    gen_request gen; /* the request as chat */
    /* The request's fields the response object repeats (instructions,
     * max_output_tokens, metadata, temperature, top_p, text, ...), with
     * their defaults filled in. */
    struct json_t *echo;
} responses_request;

/* Parses body; false with err set (r is then freed already). */
bool responses_request_parse(responses_request *r, const char *body, size_t len, api_error *err);
void responses_request_free(responses_request *r);

#endif
