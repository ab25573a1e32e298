#include "responses_reply.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response.h"

void responses_meta_init(responses_meta *m, const char *model, const json_t *echo)
{
    /* The same random id as chat's, under the Responses API's prefixes. */
    response_meta rm;
    response_meta_init(&rm, REQUEST_CHAT, model);
    const char *hex = strchr(rm.id, '-') + 1;
    snprintf(m->id, sizeof m->id, "resp_%s", hex);
    snprintf(m->msg_id, sizeof m->msg_id, "msg_%s", hex);
    m->created = rm.created;
    m->model = model;
    m->echo = echo;
}

json_t *responses_text_part(const char *text, size_t len)
{
    /* by length: a generated NUL byte is text too, as in the deltas */
    return json_pack("{s:s, s:o, s:[], s:[]}", "type", "output_text", "text", json_stringn(text, len),
                     "annotations", "logprobs");
}

json_t *responses_message(const responses_meta *m, const char *status, const char *text, size_t len)
{
    json_t *content = json_array();
    if (text)
        json_array_append_new(content, responses_text_part(text, len));
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", m->msg_id, "type", "message", "status",
                     status, "role", "assistant", "content", content);
}

json_t *responses_object(const responses_meta *m, const char *finish_reason, const char *text, size_t len,
                         const responses_usage *u, const api_error *error)
{
    json_t *o = json_deep_copy(m->echo);
    const char *status = error ? "failed"
                         : !finish_reason ? "in_progress"
                         : strcmp(finish_reason, "length") == 0 ? "incomplete"
                                                                : "completed";
    json_object_set_new(o, "id", json_string(m->id));
    json_object_set_new(o, "object", json_string("response"));
    json_object_set_new(o, "created_at", json_integer((json_int_t)m->created));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "model", json_string(m->model));
    json_object_set_new(o, "error", error ? json_pack("{s:s, s:s}", "code", "server_error",
                                                      "message", error->message)
                                          : json_null());
    bool incomplete = strcmp(status, "incomplete") == 0;
    json_object_set_new(o, "incomplete_details",
                        incomplete ? json_pack("{s:s}", "reason", "max_output_tokens")
                                   : json_null());
    json_t *output = json_array();
    if (finish_reason && !error)
        json_array_append_new(output, responses_message(m, status, text ? text : "", text ? len : 0));
    json_object_set_new(o, "output", output);
    if (finish_reason && !error)
        json_object_set_new(o, "completed_at", json_integer((json_int_t)time(NULL)));
    json_object_set_new(
        o, "usage",
        u ? json_pack("{s:I, s:{s:I}, s:I, s:{s:I}, s:I}", "input_tokens", (json_int_t)u->input,
                      "input_tokens_details", "cached_tokens", (json_int_t)u->cached,
                      "output_tokens", (json_int_t)u->output, "output_tokens_details",
                      "reasoning_tokens", (json_int_t)0, "total_tokens",
                      (json_int_t)u->input + u->output)
          : json_null());
    return o;
}

void responses_event(strbuf *out, uint32_t *seq, const char *type, json_t *data)
{
    json_object_set_new(data, "type", json_string(type));
    json_object_set_new(data, "sequence_number", json_integer((json_int_t)(*seq)++));
    char *s = json_dumps(data, JSON_COMPACT);
    json_decref(data);
    if (!s)
        abort();
    sb_printf(out, "event: %s\n", type);
    sse_event(out, s);
    free(s);
}
