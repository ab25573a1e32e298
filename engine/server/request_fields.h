/* Which request fields /v1/chat/completions and /v1/completions take. A
 * field the engine does not implement is refused with a 400 naming it,
 * never silently ignored; a value that asks for nothing (tools: [],
 * logprobs: false, response_format {"type":"text"}, ...) is accepted. */
#ifndef INFRAC_SERVER_REQUEST_FIELDS_H
#define INFRAC_SERVER_REQUEST_FIELDS_H

#include <stdbool.h>

#include "api_error.h"
#include "request.h"

struct json_t;
/* Checks every key of the request object o; false with err set (param = the
 * field, code unsupported_parameter or unknown_parameter). */
bool request_fields_check(struct json_t *o, request_kind kind, api_error *err);
/* The same for a /v1/responses request. */
bool responses_fields_check(struct json_t *o, api_error *err);

#endif
