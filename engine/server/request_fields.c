#include "request_fields.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CHAT = 1, COMPLETION = 2, BOTH = 3, RESPONSES = 4, ALL = 7 };

/* Fields parsed and applied by request.c (responses_request.c for
 * /v1/responses). `user`, `safety_identifier` (end-user ids for the
 * provider's abuse monitoring) and `prompt_cache_key` (a routing hint for
 * the provider's prompt cache; slots reuse cached prefixes anyway) change
 * nothing in the output and are accepted as such. */
static const struct {
    const char *name;
    unsigned kinds;
} supported[] = {
    {"model", ALL},           {"messages", CHAT},         {"prompt", COMPLETION},
    {"max_tokens", BOTH},     {"max_completion_tokens", CHAT},
    {"temperature", ALL},     {"top_p", ALL},             {"top_k", BOTH},
    {"min_p", BOTH},          {"repeat_penalty", BOTH},   {"presence_penalty", BOTH},
    {"frequency_penalty", BOTH}, {"seed", BOTH},          {"n", BOTH},
    {"stop", BOTH},           {"stream", ALL},            {"stream_options", ALL},
    {"user", ALL},            {"echo", COMPLETION},       {"logprobs", BOTH},
    {"top_logprobs", CHAT},   {"response_format", CHAT},  {"tools", CHAT},
    {"tool_choice", CHAT},    {"parallel_tool_calls", CHAT | RESPONSES}, {"reasoning_format", CHAT},
    {"input", RESPONSES},     {"instructions", RESPONSES}, {"max_output_tokens", RESPONSES},
    {"text", RESPONSES},      {"metadata", RESPONSES},    {"safety_identifier", RESPONSES},
    {"prompt_cache_key", RESPONSES},
};

/* Value checks for refused fields: true when the value asks for nothing. */
static bool is_false(json_t *v, json_t *o)
{
    (void)o;
    return json_is_false(v) || (json_is_integer(v) && json_integer_value(v) == 0);
}
static bool is_empty(json_t *v, json_t *o)
{
    (void)o;
    return (json_is_array(v) && json_array_size(v) == 0) ||
           (json_is_object(v) && json_object_size(v) == 0) ||
           (json_is_string(v) && json_string_length(v) == 0);
}
static bool is_string(json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}
static bool no_functions(json_t *o)
{
    json_t *f = json_object_get(o, "functions");
    return !f || json_is_null(f) || is_empty(f, o);
}
static bool function_call_none(json_t *v, json_t *o)
{
    return is_string(v, "none") || (is_string(v, "auto") && no_functions(o));
}
static bool text_modality(json_t *v, json_t *o)
{
    (void)o;
    return json_is_array(v) && json_array_size(v) == 1 && is_string(json_array_get(v, 0), "text");
}
static bool is_one(json_t *v, json_t *o)
{
    (void)o;
    return json_is_integer(v) && json_integer_value(v) == 1;
}
static bool is_disabled(json_t *v, json_t *o)
{
    (void)o;
    return is_string(v, "disabled");
}
/* tool_choice of /v1/responses, which takes no tools. */
static bool no_tool_choice(json_t *v, json_t *o)
{
    (void)o;
    return is_string(v, "none") || is_string(v, "auto");
}
/* reasoning: {} or {"effort": null, "summary": null}: nothing asked. */
static bool all_null(json_t *v, json_t *o)
{
    (void)o;
    if (!json_is_object(v))
        return false;
    const char *k;
    json_t *m;
    json_object_foreach(v, k, m) {
        if (!json_is_null(m))
            return false;
    }
    return true;
}
static bool never(json_t *v, json_t *o)
{
    (void)v;
    (void)o;
    return false;
}

static const struct {
    const char *name;
    unsigned kinds;
    bool (*harmless)(json_t *v, json_t *o);
    const char *what;
} refused[] = {
    {"functions", CHAT, is_empty,
     "the deprecated function calling is not supported (send 'tools' instead)"},
    {"function_call", CHAT, function_call_none,
     "the deprecated function calling is not supported (send 'tool_choice' instead)"},
    {"logit_bias", BOTH, is_empty, "logit bias is not supported"},
    {"suffix", COMPLETION, is_empty, "suffix (fill-in-the-middle) is not supported"},
    {"best_of", COMPLETION, is_one, "best_of other than 1 is not supported"},
    {"modalities", CHAT, text_modality, "only the text modality is supported"},
    {"audio", CHAT, never, "audio output is not supported"},
    {"prediction", CHAT, never, "predicted outputs are not supported"},
    {"reasoning_effort", CHAT, never, "reasoning effort is not supported"},
    {"web_search_options", CHAT, never, "web search is not supported"},
    {"store", CHAT, is_false, "stored completions are not supported"},
    {"metadata", CHAT, is_empty, "metadata (for stored completions) is not supported"},
    {"service_tier", ALL, never, "service tiers are not supported"},
    {"tools", RESPONSES, is_empty, "tools are not supported (send tools to /v1/chat/completions)"},
    {"tool_choice", RESPONSES, no_tool_choice, "tool_choice needs tools, which are not supported"},
    {"previous_response_id", RESPONSES, never,
     "responses are not stored, so previous_response_id cannot be resolved (send the whole "
     "conversation in 'input')"},
    {"store", RESPONSES, is_false, "responses are not stored"},
    {"conversation", RESPONSES, never, "conversations are not stored (send the whole conversation in 'input')"},
    {"background", RESPONSES, is_false, "background responses are not supported"},
    {"reasoning", RESPONSES, all_null, "reasoning options are not supported"},
    {"include", RESPONSES, is_empty, "extra output data ('include') is not supported"},
    {"top_logprobs", RESPONSES, is_false, "log probabilities are not supported"},
    {"truncation", RESPONSES, is_disabled, "truncation other than \"disabled\" is not supported"},
    {"prompt", RESPONSES, never, "stored prompt templates are not supported"},
    {"prompt_cache_retention", RESPONSES, never, "prompt cache retention is not supported"},
    {"max_tool_calls", RESPONSES, never, "max_tool_calls needs tools, which are not supported"},
    {"context_management", RESPONSES, is_empty, "context management is not supported"},
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool check(json_t *o, unsigned k, const char *endpoint, api_error *err)
{
    /* Sorted keys: the first offending field is the same on every run. */
    size_t n = json_object_size(o), m = 0;
    const char **keys = n ? malloc(n * sizeof *keys) : NULL;
    if (n && !keys)
        abort();
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) keys[m++] = key;
    if (m > 1) /* qsort: a 4 MiB body can hold 10^5 keys */
        qsort(keys, m, sizeof *keys, by_name);
    bool ok = true;
    for (size_t i = 0; i < m && ok; i++) {
        key = keys[i];
        v = json_object_get(o, key);
        bool known = false;
        for (size_t s = 0; s < COUNT(supported) && !known; s++)
            known = (supported[s].kinds & k) && strcmp(supported[s].name, key) == 0;
        if (known)
            continue;
        for (size_t r = 0; r < COUNT(refused) && !known; r++) {
            if (!(refused[r].kinds & k) || strcmp(refused[r].name, key) != 0)
                continue;
            known = true;
            if (json_is_null(v) || refused[r].harmless(v, o))
                continue;
            api_error_set(err, 400, "invalid_request_error", refused[r].name,
                          "unsupported_parameter", "'%s': %s by infrac-engine on %s",
                          refused[r].name, refused[r].what, endpoint);
            ok = false;
        }
        if (known)
            continue;
        api_error_set(err, 400, "invalid_request_error", NULL, "unknown_parameter",
                      "unknown field '%.200s' for %s: infrac-engine refuses fields it does not "
                      "implement (docs/engine-api.md lists them)",
                      key, endpoint);
        /* The key is the client's text, freed with the request: copied. */
        snprintf(err->param_text, sizeof err->param_text, "%s", key);
        ok = false;
    }
    free(keys);
    return ok;
}

bool request_fields_check(json_t *o, request_kind kind, api_error *err)
{
    return kind == REQUEST_CHAT ? check(o, CHAT, "/v1/chat/completions", err)
                                : check(o, COMPLETION, "/v1/completions", err);
}

bool responses_fields_check(json_t *o, api_error *err)
{
    return check(o, RESPONSES, "/v1/responses", err);
}
