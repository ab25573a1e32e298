#include "responses_request.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request_fields.h"
#include "schema_matcher.h"

static bool is_str(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static bool unsupported(api_error *err, const char *param, const char *what, size_t i,
                        const char *name)
{
    api_error_set(err, 400, "invalid_request_error", param, "unsupported_parameter",
                  "%s[%zu]: %.100s is not supported by infrac-engine on /v1/responses (text "
                  "input only)",
                  what, i, name);
    return false;
}

/* One message's content: a string, or a list of input_text / output_text
 * parts, as chat text parts. */
static json_t *message_content(json_t *c, size_t i, api_error *err)
{
    if (json_is_string(c))
        return json_incref(c);
    if (!json_is_array(c)) {
        api_error_invalid(err, "input", "input[%zu].content must be a string or an array of "
                                        "input_text parts", i);
        return NULL;
    }
    json_t *parts = json_array();
    size_t k;
    json_t *p;
    json_array_foreach(c, k, p) {
        json_t *type = json_object_get(p, "type"), *text = json_object_get(p, "text");
        if (!json_is_object(p) || !json_is_string(type)) {
            api_error_invalid(err, "input", "input[%zu].content[%zu] must be an object with a "
                                            "string 'type'", i, k);
            json_decref(parts);
            return NULL;
        }
        if (!is_str(type, "input_text") && !is_str(type, "output_text")) {
            char what[64];
            snprintf(what, sizeof what, "input[%zu].content", i);
            json_decref(parts);
            unsupported(err, "input", what, k, json_string_value(type));
            return NULL;
        }
        /* Output parts given back carry annotations and logprobs: they are
         * not part of the prompt text, so only their absence is accepted. */
        const char *key;
        json_t *v;
        json_object_foreach(p, key, v) {
            if (strcmp(key, "type") == 0 || strcmp(key, "text") == 0 || json_is_null(v) ||
                (json_is_array(v) && json_array_size(v) == 0))
                continue;
            api_error_set(err, 400, "invalid_request_error", "input", "unsupported_parameter",
                          "input[%zu].content[%zu].%.100s is not supported by infrac-engine", i,
                          k, key);
            json_decref(parts);
            return NULL;
        }
        if (!json_is_string(text)) {
            api_error_invalid(err, "input", "input[%zu].content[%zu].text must be a string", i, k);
            json_decref(parts);
            return NULL;
        }
        json_array_append_new(parts, json_pack("{s:s, s:O}", "type", "text", "text", text));
    }
    return parts;
}

/* An input item: a message ({"role", "content"}, "type": "message"
 * optional, an earlier output message's "id" and "status" allowed). Other
 * item types (function calls and their outputs, reasoning, references) are
 * refused by name. */
static bool input_item(json_t *item, size_t i, json_t *messages, api_error *err)
{
    if (!json_is_object(item)) {
        api_error_invalid(err, "input", "input[%zu] must be an object", i);
        return false;
    }
    json_t *type = json_object_get(item, "type");
    if (type && !json_is_null(type) && !is_str(type, "message")) {
        if (!json_is_string(type)) {
            api_error_invalid(err, "input", "input[%zu].type must be a string", i);
            return false;
        }
        return unsupported(err, "input", "input", i, json_string_value(type));
    }
    json_t *role = json_object_get(item, "role");
    if (!is_str(role, "user") && !is_str(role, "assistant") && !is_str(role, "system") &&
        !is_str(role, "developer")) {
        api_error_invalid(err, "input", "input[%zu].role must be user, assistant, system or "
                                        "developer", i);
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(item, key, v) {
        if (strcmp(key, "role") == 0 || strcmp(key, "content") == 0 ||
            strcmp(key, "type") == 0 || strcmp(key, "id") == 0 || strcmp(key, "status") == 0 ||
            json_is_null(v))
            continue;
        api_error_set(err, 400, "invalid_request_error", "input", "unsupported_parameter",
                      "input[%zu].%.100s is not supported by infrac-engine", i, key);
        return false;
    }
    json_t *c = json_object_get(item, "content");
    if (!c) {
        api_error_invalid(err, "input", "input[%zu].content is required", i);
        return false;
    }
    json_t *content = message_content(c, i, err);
    if (!content)
        return false;
    json_array_append_new(messages, json_pack("{s:O, s:o}", "role", role, "content", content));
    return true;
}

static bool parse_input(json_t *o, json_t *messages, api_error *err)
{
    json_t *ins = json_object_get(o, "instructions");
    if (ins && !json_is_null(ins)) {
        if (!json_is_string(ins)) {
            api_error_invalid(err, "instructions", "'instructions' must be a string");
            return false;
        }
        json_array_append_new(messages, json_pack("{s:s, s:O}", "role", "system", "content", ins));
    }
    json_t *in = json_object_get(o, "input");
    if (!in || json_is_null(in)) {
        api_error_invalid(err, "input", "'input' is required (a string or a list of messages)");
        return false;
    }
    if (json_is_string(in)) {
        json_array_append_new(messages, json_pack("{s:s, s:O}", "role", "user", "content", in));
        return true;
    }
    if (!json_is_array(in) || json_array_size(in) == 0) {
        api_error_invalid(err, "input", "'input' must be a string or a non-empty list of messages");
        return false;
    }
    size_t i;
    json_t *item;
    json_array_foreach(in, i, item) {
        if (!input_item(item, i, messages, err))
            return false;
    }
    return true;
}

/* text: {"format": {"type": "text" | "json_object" | "json_schema", ...},
 * "verbosity"}; json_schema is compiled as chat's response_format is. */
static bool parse_text(responses_request *r, json_t *o, api_error *err)
{
    json_t *t = json_object_get(o, "text");
    json_t *echo = json_pack("{s:{s:s}, s:s}", "format", "type", "text", "verbosity", "medium");
    json_object_set_new(r->echo, "text", echo);
    if (!t || json_is_null(t))
        return true;
    if (!json_is_object(t)) {
        api_error_invalid(err, "text", "'text' must be an object");
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(t, key, v) {
        if (strcmp(key, "format") == 0 || json_is_null(v))
            continue;
        if (strcmp(key, "verbosity") == 0) {
            /* medium is what every reply is; a model cannot be told more */
            if (is_str(v, "medium"))
                continue;
            api_error_set(err, 400, "invalid_request_error", "text", "unsupported_parameter",
                          "'text.verbosity' other than \"medium\" is not supported by "
                          "infrac-engine");
            return false;
        }
        api_error_set(err, 400, "invalid_request_error", "text", "unknown_parameter",
                      "unknown field 'text.%.100s'", key);
        return false;
    }
    json_t *f = json_object_get(t, "format");
    if (!f || json_is_null(f))
        return true;
    json_t *type = json_object_get(f, "type");
    if (!json_is_object(f) || !json_is_string(type)) {
        api_error_invalid(err, "text", "'text.format' must be an object with a string 'type'");
        return false;
    }
    bool schema = is_str(type, "json_schema");
    if (!schema && !is_str(type, "json_object") && !is_str(type, "text")) {
        api_error_invalid(err, "text", "'text.format.type' must be 'text', 'json_object' or "
                                       "'json_schema', got '%.100s'",
                          json_string_value(type));
        return false;
    }
    json_object_foreach(f, key, v) {
        if (strcmp(key, "type") == 0 ||
            (schema && (strcmp(key, "name") == 0 || strcmp(key, "schema") == 0 ||
                        strcmp(key, "description") == 0 || strcmp(key, "strict") == 0)))
            continue;
        api_error_set(err, 400, "invalid_request_error", "text", "unknown_parameter",
                      "unknown field 'text.format.%.100s'", key);
        return false;
    }
    json_object_set(echo, "format", f);
    if (!schema) {
        r->gen.json_object = is_str(type, "json_object");
        return true;
    }
    json_t *name = json_object_get(f, "name"), *strict = json_object_get(f, "strict");
    json_t *s = json_object_get(f, "schema");
    if (!json_is_string(name)) {
        api_error_invalid(err, "text", "'text.format.name' must be a string");
        return false;
    }
    if (strict && !json_is_boolean(strict) && !json_is_null(strict)) {
        api_error_invalid(err, "text", "'text.format.strict' must be a boolean");
        return false;
    }
    if (!json_is_object(s)) {
        api_error_invalid(err, "text", "'text.format.schema' must be an object (a JSON Schema)");
        return false;
    }
    char msg[400];
    r->gen.schema = schema_grammar_new(s, msg, sizeof msg);
    if (!r->gen.schema) {
        api_error_set(err, 400, "invalid_request_error", "text", "unsupported_parameter",
                      "text.format.%s", msg);
        return false;
    }
    return true;
}

/* metadata: up to 16 string values, returned with the response. */
static bool parse_metadata(responses_request *r, json_t *o, api_error *err)
{
    json_t *m = json_object_get(o, "metadata");
    if (!m || json_is_null(m)) {
        json_object_set_new(r->echo, "metadata", json_object());
        return true;
    }
    bool ok = json_is_object(m) && json_object_size(m) <= 16;
    const char *key;
    json_t *v;
    json_object_foreach(m, key, v) ok = ok && strlen(key) <= 64 && json_is_string(v) &&
                                        json_string_length(v) <= 512;
    if (!ok) {
        api_error_invalid(err, "metadata", "'metadata' must be an object of at most 16 string "
                                           "values (keys up to 64 characters, values up to 512)");
        return false;
    }
    json_object_set(r->echo, "metadata", m);
    return true;
}

/* stream_options: {"include_obfuscation"}; padding is not sent. */
static bool parse_stream_options(json_t *o, api_error *err)
{
    json_t *so = json_object_get(o, "stream_options");
    if (!so || json_is_null(so))
        return true;
    if (!json_is_object(so)) {
        api_error_invalid(err, "stream_options", "'stream_options' must be an object");
        return false;
    }
    if (!json_is_true(json_object_get(o, "stream"))) {
        api_error_invalid(err, "stream_options",
                          "'stream_options' is only allowed when 'stream' is true");
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(so, key, v) {
        if (strcmp(key, "include_obfuscation") != 0) {
            api_error_set(err, 400, "invalid_request_error", "stream_options", "unknown_parameter",
                          "unknown field 'stream_options.%.100s'", key);
            return false;
        }
        if (json_is_true(v)) {
            api_error_set(err, 400, "invalid_request_error", "stream_options",
                          "unsupported_parameter",
                          "'stream_options.include_obfuscation': obfuscation padding is not "
                          "sent by infrac-engine (send false)");
            return false;
        }
        if (!json_is_false(v) && !json_is_null(v)) {
            api_error_invalid(err, "stream_options",
                              "'stream_options.include_obfuscation' must be true or false");
            return false;
        }
    }
    return true;
}

static bool optional_string(json_t *o, const char *key, api_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v) || json_is_string(v))
        return true;
    api_error_invalid(err, key, "'%s' must be a string", key);
    return false;
}

static bool parse(responses_request *r, json_t *o, api_error *err)
{
    if (!responses_fields_check(o, err))
        return false;
    static const char *const strings[] = {"user", "safety_identifier", "prompt_cache_key", NULL};
    for (const char *const *k = strings; *k; k++)
        if (!optional_string(o, *k, err))
            return false;
    json_t *chat = json_object(), *messages = json_array();
    json_object_set_new(chat, "messages", messages);
    if (!parse_input(o, messages, err) || !parse_stream_options(o, err)) {
        json_decref(chat);
        return false;
    }
    /* The fields chat reads under the same names and ranges. */
    static const char *const same[] = {"model", "temperature", "top_p", "stream", NULL};
    for (const char *const *k = same; *k; k++) {
        json_t *v = json_object_get(o, *k);
        if (v)
            json_object_set(chat, *k, v);
    }
    json_t *max = json_object_get(o, "max_output_tokens");
    if (max && !json_is_null(max)) {
        if (!json_is_integer(max) || json_integer_value(max) < 1 ||
            json_integer_value(max) > INT32_MAX) {
            api_error_invalid(err, "max_output_tokens",
                              "'max_output_tokens' must be an integer from 1 to %d", INT32_MAX);
            json_decref(chat);
            return false;
        }
        json_object_set(chat, "max_completion_tokens", max);
    }
    json_t *par = json_object_get(o, "parallel_tool_calls");
    if (par && !json_is_null(par) && !json_is_boolean(par)) {
        api_error_invalid(err, "parallel_tool_calls", "'parallel_tool_calls' must be true or false");
        json_decref(chat);
        return false;
    }
    bool ok = gen_request_parse_json(&r->gen, REQUEST_CHAT, chat, err);
    json_decref(chat);
    if (!ok)
        return false;
    r->gen.max_tokens_key = "max_output_tokens";
    json_t *ins = json_object_get(o, "instructions");
    json_object_set_new(r->echo, "instructions", ins ? json_incref(ins) : json_null());
    json_object_set_new(r->echo, "max_output_tokens", max ? json_incref(max) : json_null());
    json_object_set_new(r->echo, "parallel_tool_calls",
                        json_boolean(!par || json_is_null(par) || json_is_true(par)));
    json_object_set_new(r->echo, "temperature", json_real(r->gen.temperature));
    json_object_set_new(r->echo, "top_p", json_real(r->gen.top_p));
    for (const char *const *k = strings; *k; k++) {
        json_t *v = json_object_get(o, *k);
        if (json_is_string(v))
            json_object_set(r->echo, *k, v);
    }
    return parse_text(r, o, err) && parse_metadata(r, o, err);
}

bool responses_request_parse(responses_request *r, const char *body, size_t len, api_error *err)
{
    memset(r, 0, sizeof *r);
    json_t *root = request_parse_object(body, len, err);
    if (!root)
        return false;
    /* What every response says of the features it does not have. */
    r->echo = json_pack("{s:n, s:{s:n, s:n}, s:b, s:s, s:[], s:s, s:b, s:n}", "previous_response_id",
                        "reasoning", "effort", "summary", "store", 0, "tool_choice", "auto",
                        "tools", "truncation", "disabled", "background", 0, "service_tier");
    bool ok = parse(r, root, err);
    json_decref(root);
    if (!ok)
        responses_request_free(r);
    return ok;
}

void responses_request_free(responses_request *r)
{
    gen_request_free(&r->gen);
    json_decref(r->echo);
    memset(r, 0, sizeof *r);
}
