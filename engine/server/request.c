#include "request.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "call_matcher.h"
#include "logprobs.h"
#include "reasoning.h"
#include "request_fields.h"
#include "schema_matcher.h"
#include "strbuf.h"
#include "utf8.h"

/* U+0000 is JSON (RFC 8259 section 7) and reaches the tokenizer as a byte
 * from a message's text, which goes by length from here to the tokens
 * (template_messages, jinja, the rendered prompt), from a completion's
 * prompt, an embedding's or a response's input and /tokenize's content.
 * Every other string is read as a C string, where it would cut the text
 * short: a string holding it anywhere else is refused, naming the field.
 * Where a value stands: */
enum {
    AT_OTHER,   /* anywhere else */
    AT_ROOT,
    AT_MESSAGES, /* messages */
    AT_MESSAGE,  /* messages[i], a response's input[i] */
    AT_CONTENT,  /* messages[i].content: a string, or an array of parts */
    AT_PART,     /* messages[i].content[j] */
    AT_TEXT,     /* messages[i].content[j].text, /tokenize's content */
    AT_PROMPT,   /* prompt, input: a string, or an array of strings (or of messages) */
};

static int at_key(int at, const char *key)
{
    return at == AT_ROOT && strcmp(key, "messages") == 0  ? AT_MESSAGES
           : at == AT_ROOT && strcmp(key, "content") == 0 ? AT_TEXT
           : at == AT_ROOT && (strcmp(key, "prompt") == 0 || strcmp(key, "input") == 0) ? AT_PROMPT
           : at == AT_MESSAGE && strcmp(key, "content") == 0 ? AT_CONTENT
           : at == AT_PART && strcmp(key, "text") == 0     ? AT_TEXT
                                                           : AT_OTHER;
}

/* True when v holds a NUL it may not; path (cap bytes, used so far) then
 * names it, cut short if it does not fit. */
static bool find_nul(const json_t *v, int at, char *path, size_t cap, size_t used)
{
    if (json_is_string(v))
        return memchr(json_string_value(v), 0, json_string_length(v)) && at != AT_TEXT &&
               at != AT_CONTENT && at != AT_PROMPT && at != AT_MESSAGE;
    const char *key;
    size_t i;
    json_t *e;
    json_object_foreach((json_t *)v, key, e) {
        int w = snprintf(path + used, cap - used, used ? ".%s" : "%s", key);
        size_t next = w > 0 && (size_t)w < cap - used ? used + (size_t)w : cap - 1;
        if (find_nul(e, at_key(at, key), path, cap, next))
            return true;
    }
    json_array_foreach(v, i, e) {
        int w = snprintf(path + used, cap - used, "[%zu]", i);
        size_t next = w > 0 && (size_t)w < cap - used ? used + (size_t)w : cap - 1;
        /* a prompt's items: strings (by length) or a response's messages */
        int inner = at == AT_MESSAGES || at == AT_PROMPT ? AT_MESSAGE : at == AT_CONTENT ? AT_PART : AT_OTHER;
        if (find_nul(e, inner, path, cap, next))
            return true;
    }
    path[used] = 0;
    return false;
}

json_t *request_parse_object(const char *body, size_t len, api_error *err)
{
    if (len == 0) {
        api_error_invalid(err, NULL, "request body is empty: send a JSON object");
        return NULL;
    }
    if (!utf8_valid(body, len)) {
        api_error_invalid(err, NULL, "request body is not valid UTF-8");
        return NULL;
    }
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
    if (!root) {
        api_error_invalid(err, NULL, "invalid JSON at line %d column %d: %s", je.line, je.column,
                          je.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        api_error_invalid(err, NULL, "request body must be a JSON object");
        return NULL;
    }
    char path[300];
    path[0] = 0;
    if (find_nul(root, AT_ROOT, path, sizeof path, 0)) {
        char top[100];
        snprintf(top, sizeof top, "%.*s", (int)strcspn(path, ".["), path);
        api_error_invalid(err, top,
                          "'%s' holds U+0000 (\\u0000): infrac-engine takes it only in "
                          "messages[].content (and its text parts), prompt, input and /tokenize's "
                          "content, where it reaches the tokenizer as a byte",
                          path);
        json_decref(root);
        return NULL;
    }
    return root;
}

/* Field readers: absent or null leaves the default; a wrong type is an
 * error naming the field. */
static bool get_number(json_t *o, const char *key, double lo, double hi, double *out,
                       api_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_number(v)) {
        api_error_invalid(err, key, "'%s' must be a number", key);
        return false;
    }
    double d = json_number_value(v);
    if (!isfinite(d) || d < lo || d > hi) {
        api_error_invalid(err, key, "'%s' must be between %g and %g, got %g", key, lo, hi, d);
        return false;
    }
    *out = d;
    return true;
}

static bool get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *out,
                    bool *present, api_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_integer(v)) {
        api_error_invalid(err, key, "'%s' must be an integer", key);
        return false;
    }
    json_int_t i = json_integer_value(v);
    if (i < lo || i > hi) {
        api_error_invalid(err, key, "'%s' must be between %lld and %lld, got %lld", key,
                          (long long)lo, (long long)hi, (long long)i);
        return false;
    }
    *out = i;
    if (present)
        *present = true;
    return true;
}

static bool get_bool(json_t *o, const char *key, bool *out, api_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_boolean(v)) {
        api_error_invalid(err, key, "'%s' must be true or false", key);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

static bool parse_stop(gen_request *r, json_t *o, api_error *err)
{
    json_t *v = json_object_get(o, "stop");
    if (!v || json_is_null(v))
        return true;
    if (json_is_string(v)) {
        if (json_string_length(v) == 0) {
            api_error_invalid(err, "stop", "'stop' must not be empty");
            return false;
        }
        r->stop[r->n_stop++] = strdup(json_string_value(v));
        return true;
    }
    if (!json_is_array(v)) {
        api_error_invalid(err, "stop", "'stop' must be a string or an array of strings");
        return false;
    }
    if (json_array_size(v) > REQUEST_MAX_STOP) {
        api_error_invalid(err, "stop", "'stop' holds %zu sequences, at most %d are allowed",
                          json_array_size(v), REQUEST_MAX_STOP);
        return false;
    }
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        if (!json_is_string(s) || json_string_length(s) == 0) {
            api_error_invalid(err, "stop", "'stop' must hold non-empty strings");
            return false;
        }
        r->stop[r->n_stop++] = strdup(json_string_value(s));
    }
    return true;
}

/* Message content: a string, or an array of {"type":"text","text":...}. */
static bool parse_content(json_t *c, size_t index, strbuf *out, api_error *err)
{
    if (json_is_string(c)) {
        sb_append(out, json_string_value(c), json_string_length(c));
        return true;
    }
    if (json_is_null(c))
        return true;
    if (!json_is_array(c)) {
        api_error_invalid(err, "messages", "messages[%zu].content must be a string or an array "
                                           "of text parts", index);
        return false;
    }
    size_t i;
    json_t *part;
    json_array_foreach(c, i, part)
    {
        json_t *type = json_object_get(part, "type");
        json_t *text = json_object_get(part, "text");
        if (!json_is_string(type) || strcmp(json_string_value(type), "text") != 0 ||
            !json_is_string(text)) {
            api_error_invalid(err, "messages",
                              "messages[%zu].content[%zu] must be {\"type\":\"text\",\"text\":...}: "
                              "only text parts are supported",
                              index, i);
            return false;
        }
        sb_append(out, json_string_value(text), json_string_length(text));
    }
    return true;
}

/* OpenAI function names: what the tool-call syntaxes and the constrained
 * call grammar can carry without escaping. */
static bool valid_tool_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

/* An assistant message's tool_calls, for the template: arguments (a JSON
 * text in OpenAI's API) become the object templates iterate over. */
static json_t *parse_tool_calls(json_t *v, size_t index, api_error *err)
{
    if (!json_is_array(v)) {
        api_error_invalid(err, "messages", "messages[%zu].tool_calls must be an array", index);
        return NULL;
    }
    json_t *out = json_array();
    size_t i;
    json_t *tc;
    json_array_foreach(v, i, tc)
    {
        json_t *id = json_object_get(tc, "id"), *type = json_object_get(tc, "type");
        json_t *fn = json_object_get(tc, "function");
        json_t *name = json_object_get(fn, "name"), *args = json_object_get(fn, "arguments");
        if (!json_is_object(tc) || !json_is_string(id) || !json_is_string(type) ||
            strcmp(json_string_value(type), "function") != 0 || !json_is_string(name) ||
            !json_is_string(args)) {
            api_error_invalid(err, "messages",
                              "messages[%zu].tool_calls[%zu] must be {\"id\": string, \"type\": "
                              "\"function\", \"function\": {\"name\": string, \"arguments\": "
                              "string}}",
                              index, i);
            json_decref(out);
            return NULL;
        }
        /* JSON_ALLOW_NUL: an argument may be "\u0000" (RFC 8259 section 7) */
        json_t *parsed = json_loadb(json_string_value(args), json_string_length(args),
                                    JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        if (!json_is_object(parsed)) {
            json_decref(parsed);
            api_error_invalid(err, "messages",
                              "messages[%zu].tool_calls[%zu].function.arguments is not a JSON "
                              "object",
                              index, i);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, json_pack("{s:O, s:s, s:{s:O, s:o}}", "id", id, "type",
                                             "function", "function", "name", name, "arguments",
                                             parsed));
    }
    return out;
}

/* The name of the function whose call has this id, from earlier turns. */
static json_t *tool_name_for(json_t *msgs, const char *id)
{
    for (size_t i = json_array_size(msgs); i-- > 0;) {
        json_t *calls = json_object_get(json_array_get(msgs, i), "tool_calls");
        size_t k;
        json_t *tc;
        json_array_foreach(calls, k, tc)
        {
            json_t *tid = json_object_get(tc, "id");
            if (json_is_string(tid) && strcmp(json_string_value(tid), id) == 0)
                return json_object_get(json_object_get(tc, "function"), "name");
        }
    }
    return NULL;
}

static bool parse_messages(gen_request *r, json_t *o, api_error *err)
{
    json_t *v = json_object_get(o, "messages");
    if (!v) {
        api_error_invalid(err, "messages", "'messages' is required");
        return false;
    }
    if (!json_is_array(v) || json_array_size(v) == 0) {
        api_error_invalid(err, "messages", "'messages' must be a non-empty array");
        return false;
    }
    r->messages = calloc(json_array_size(v), sizeof *r->messages);
    r->template_messages = json_array();
    if (!r->messages || !r->template_messages)
        abort();
    size_t i;
    json_t *m;
    json_array_foreach(v, i, m)
    {
        if (!json_is_object(m)) {
            api_error_invalid(err, "messages", "messages[%zu] must be an object", i);
            return false;
        }
        json_t *role = json_object_get(m, "role");
        if (!json_is_string(role)) {
            api_error_invalid(err, "messages", "messages[%zu].role must be a string", i);
            return false;
        }
        const char *rs = json_string_value(role);
        if (strcmp(rs, "developer") == 0)
            rs = "system";
        bool assistant = strcmp(rs, "assistant") == 0, tool = strcmp(rs, "tool") == 0;
        if (strcmp(rs, "system") != 0 && strcmp(rs, "user") != 0 && !assistant && !tool) {
            api_error_invalid(err, "messages",
                              "messages[%zu].role '%s' is not supported: use system, user, "
                              "assistant or tool",
                              i, json_string_value(role));
            return false;
        }
        /* A message key the prompt would drop is refused rather than
         * ignored; null and [] ask for nothing. */
        const char *mk;
        json_t *mv;
        json_object_foreach(m, mk, mv)
        {
            if (strcmp(mk, "role") == 0 || strcmp(mk, "content") == 0 ||
                strcmp(mk, "name") == 0 || (assistant && strcmp(mk, "tool_calls") == 0) ||
                (assistant && strcmp(mk, "reasoning_content") == 0) ||
                (tool && strcmp(mk, "tool_call_id") == 0) || json_is_null(mv) ||
                (json_is_array(mv) && json_array_size(mv) == 0))
                continue;
            api_error_set(err, 400, "invalid_request_error", "messages", "unsupported_parameter",
                          "messages[%zu].%.100s is not supported by infrac-engine on a %s "
                          "message",
                          i, mk, rs);
            return false;
        }
        json_t *content = json_object_get(m, "content");
        json_t *calls_in = assistant ? json_object_get(m, "tool_calls") : NULL;
        bool has_calls = json_is_array(calls_in) && json_array_size(calls_in) > 0;
        if (!content && !has_calls) {
            api_error_invalid(err, "messages", "messages[%zu].content is required", i);
            return false;
        }
        strbuf text = {0};
        if (content && !parse_content(content, i, &text, err)) {
            sb_free(&text);
            return false;
        }
        json_t *name = json_object_get(m, "name");
        if (name && !json_is_null(name) && !json_is_string(name)) {
            sb_free(&text);
            api_error_invalid(err, "messages", "messages[%zu].name must be a string", i);
            return false;
        }
        r->messages[i].role = strdup(rs);
        size_t content_len = text.len; /* by length: it may hold U+0000 */
        r->messages[i].content = sb_steal(&text);
        if (!r->messages[i].content)
            r->messages[i].content = strdup("");
        r->n_messages = i + 1;
        /* content null (a turn of tool calls only) reaches templates as "":
         * they concatenate it */
        json_t *tm = json_pack("{s:s, s:s%}", "role", rs, "content", r->messages[i].content, content_len);
        json_array_append_new(r->template_messages, tm);
        if (json_is_string(name))
            json_object_set(tm, "name", name);
        json_t *thought = assistant ? json_object_get(m, "reasoning_content") : NULL;
        if (thought && !json_is_null(thought)) { /* the templates read it (Qwen3, Gemma 4) */
            if (!json_is_string(thought)) {
                api_error_invalid(err, "messages",
                                  "messages[%zu].reasoning_content must be a string", i);
                return false;
            }
            json_object_set(tm, "reasoning_content", thought);
        }
        if (has_calls) {
            json_t *calls = parse_tool_calls(calls_in, i, err);
            if (!calls)
                return false;
            json_object_set_new(tm, "tool_calls", calls);
        }
        if (tool) {
            json_t *id = json_object_get(m, "tool_call_id");
            if (!json_is_string(id)) {
                api_error_invalid(err, "messages",
                                  "messages[%zu].tool_call_id is required on a tool message", i);
                return false;
            }
            json_object_set(tm, "tool_call_id", id);
            json_t *fn = tool_name_for(r->template_messages, json_string_value(id));
            if (!json_is_string(name) && fn) /* the function's name, for templates that show it */
                json_object_set(tm, "name", fn);
        }
    }
    return true;
}

/* tools: [{"type": "function", "function": {"name", "description",
 * "parameters"}}]; tool_choice and parallel_tool_calls. */
static bool parse_tools(gen_request *r, json_t *o, api_error *err)
{
    r->parallel_tool_calls = true;
    json_t *t = json_object_get(o, "tools");
    if (t && !json_is_null(t)) {
        if (!json_is_array(t)) {
            api_error_invalid(err, "tools", "'tools' must be an array");
            return false;
        }
        if (json_array_size(t) > CALL_MAX_NAMES) {
            api_error_invalid(err, "tools", "'tools' holds %zu functions, at most %d are allowed",
                              json_array_size(t), CALL_MAX_NAMES);
            return false;
        }
        size_t n = json_array_size(t);
        r->tool_names = n ? calloc(n, sizeof *r->tool_names) : NULL;
        r->tool_strict = n ? calloc(n, sizeof *r->tool_strict) : NULL;
        size_t i;
        json_t *tool;
        json_array_foreach(t, i, tool)
        {
            json_t *type = json_object_get(tool, "type"), *fn = json_object_get(tool, "function");
            json_t *name = json_object_get(fn, "name");
            if (!json_is_object(tool) || !json_is_string(type) ||
                strcmp(json_string_value(type), "function") != 0 || !json_is_object(fn) ||
                !json_is_string(name)) {
                api_error_invalid(err, "tools",
                                  "tools[%zu] must be {\"type\": \"function\", \"function\": "
                                  "{\"name\": ..., \"description\": ..., \"parameters\": {...}}}",
                                  i);
                return false;
            }
            if (!valid_tool_name(json_string_value(name))) {
                api_error_invalid(err, "tools",
                                  "tools[%zu].function.name must be 1 to 64 letters, digits, _ "
                                  "or -",
                                  i);
                return false;
            }
            json_t *params = json_object_get(fn, "parameters");
            if (params && !json_is_object(params)) {
                api_error_invalid(err, "tools", "tools[%zu].function.parameters must be an object",
                                  i);
                return false;
            }
            json_t *strict = json_object_get(fn, "strict");
            if (json_is_true(strict)) { /* the schema must compile (schema_matcher.c) */
                char msg[400];
                schema_grammar *g =
                    params ? schema_grammar_new(params, msg, sizeof msg)
                           : NULL;
                if (!g) {
                    api_error_set(err, 400, "invalid_request_error", "tools", "unsupported_parameter",
                                  "tools[%zu].function.parameters: %s", i,
                                  params ? msg : "strict needs a parameters schema");
                    return false;
                }
                schema_grammar_free(g);
                r->tool_strict[i] = r->any_strict = true;
            }
            for (size_t k = 0; k < i; k++)
                if (strcmp(r->tool_names[k], json_string_value(name)) == 0) {
                    api_error_invalid(err, "tools", "tools[%zu]: the function '%s' is listed twice",
                                      i, json_string_value(name));
                    return false;
                }
            r->tool_names[i] = strdup(json_string_value(name));
            r->n_tools = i + 1;
        }
        if (n)
            r->tools = json_incref(t);
    }
    json_t *c = json_object_get(o, "tool_choice");
    if (c && !json_is_null(c)) {
        const char *s = json_is_string(c) ? json_string_value(c) : NULL;
        json_t *fn = json_object_get(c, "function");
        json_t *type = json_object_get(c, "type"), *name = json_object_get(fn, "name");
        if (s && strcmp(s, "auto") == 0)
            r->tool_choice = TOOL_CHOICE_AUTO;
        else if (s && strcmp(s, "none") == 0)
            r->tool_choice = TOOL_CHOICE_NONE;
        else if (s && strcmp(s, "required") == 0)
            r->tool_choice = TOOL_CHOICE_REQUIRED;
        else if (json_is_object(c) && json_is_string(type) &&
                 strcmp(json_string_value(type), "function") == 0 && json_is_string(name)) {
            r->tool_choice = TOOL_CHOICE_NAMED;
            bool known = false;
            for (size_t k = 0; k < r->n_tools && !known; k++)
                known = strcmp(r->tool_names[k], json_string_value(name)) == 0;
            if (!known) {
                api_error_invalid(err, "tool_choice",
                                  "'tool_choice' names the function '%.64s', which is not in "
                                  "'tools'",
                                  json_string_value(name));
                return false;
            }
            r->tool_choice_name = strdup(json_string_value(name));
        } else {
            api_error_invalid(err, "tool_choice",
                              "'tool_choice' must be \"auto\", \"none\", \"required\" or "
                              "{\"type\": \"function\", \"function\": {\"name\": ...}}");
            return false;
        }
        if (r->tool_choice == TOOL_CHOICE_REQUIRED && !r->n_tools) {
            api_error_invalid(err, "tool_choice", "'tool_choice' \"required\" needs 'tools'");
            return false;
        }
    }
    if (r->any_strict && r->tool_choice != TOOL_CHOICE_REQUIRED &&
        r->tool_choice != TOOL_CHOICE_NAMED) {
        api_error_set(err, 400, "invalid_request_error", "tools", "unsupported_parameter",
                      "tools[].function.strict: the parameters schema is enforced only when "
                      "'tool_choice' is \"required\" or names a function (otherwise the model "
                      "may answer in text, which is not constrained)");
        return false;
    }
    if (!get_bool(o, "parallel_tool_calls", &r->parallel_tool_calls, err))
        return false;
    return true;
}

static bool parse_prompt(gen_request *r, json_t *o, api_error *err)
{
    json_t *v = json_object_get(o, "prompt");
    if (!v) {
        api_error_invalid(err, "prompt", "'prompt' is required");
        return false;
    }
    if (json_is_array(v) && json_array_size(v) == 1 && json_is_string(json_array_get(v, 0)))
        v = json_array_get(v, 0); /* ["text"]: one prompt, as clients often send it */
    if (json_is_string(v)) {
        /* by length: it may hold U+0000, a byte for the tokenizer */
        r->prompt_len = json_string_length(v);
        r->prompt = malloc(r->prompt_len + 1);
        if (!r->prompt) {
            api_error_set(err, 500, "server_error", NULL, "out_of_memory", "out of memory");
            return false;
        }
        memcpy(r->prompt, json_string_value(v), r->prompt_len + 1);
        return true;
    }
    if (json_is_array(v) && json_array_size(v) > 0) {
        r->prompt_tokens = calloc(json_array_size(v), sizeof *r->prompt_tokens);
        size_t i;
        json_t *t;
        json_array_foreach(v, i, t)
        {
            if (!json_is_integer(t) || json_integer_value(t) < 0 ||
                json_integer_value(t) > INT32_MAX) {
                api_error_invalid(err, "prompt", "'prompt' must be a string, an array of one "
                                                 "string, or an array of token ids");
                return false;
            }
            r->prompt_tokens[i] = (int32_t)json_integer_value(t);
        }
        r->n_prompt_tokens = json_array_size(v);
        return true;
    }
    api_error_invalid(err, "prompt",
                      "'prompt' must be a string, an array of one string, or an array of token ids");
    return false;
}

/* Chat: logprobs (bool) and top_logprobs (0..20, only with logprobs).
 * Completions: logprobs N (0..5): the chosen token's and N alternatives. */
static bool parse_logprobs(gen_request *r, json_t *o, api_error *err)
{
    int64_t top = 0;
    bool has_top = false;
    if (r->kind == REQUEST_COMPLETION) {
        if (!get_int(o, "logprobs", 0, 5, &top, &r->logprobs, err))
            return false;
        r->top_logprobs = (uint32_t)top;
        return true;
    }
    if (!get_bool(o, "logprobs", &r->logprobs, err) ||
        !get_int(o, "top_logprobs", 0, LOGPROBS_MAX_TOP, &top, &has_top, err))
        return false;
    if (has_top && top > 0 && !r->logprobs) {
        api_error_invalid(err, "top_logprobs", "'top_logprobs' needs 'logprobs': true");
        return false;
    }
    r->top_logprobs = (uint32_t)top;
    return true;
}

/* response_format.json_schema: {name, description, schema, strict}; the
 * schema is compiled to a grammar (schema_matcher.c) whatever strict says,
 * so the output always validates. */
static bool parse_json_schema(gen_request *r, json_t *f, api_error *err)
{
    json_t *js = json_object_get(f, "json_schema");
    if (!json_is_object(js) || !json_is_string(json_object_get(js, "name"))) {
        api_error_invalid(err, "response_format",
                          "'response_format.json_schema' must be an object with a string 'name'");
        return false;
    }
    const char *key;
    json_t *v;
    json_object_foreach(js, key, v) {
        if (strcmp(key, "name") != 0 && strcmp(key, "description") != 0 &&
            strcmp(key, "schema") != 0 && strcmp(key, "strict") != 0) {
            api_error_set(err, 400, "invalid_request_error", "response_format",
                          "unknown_parameter", "unknown field 'response_format.json_schema.%.100s'",
                          key);
            return false;
        }
    }
    json_t *strict = json_object_get(js, "strict");
    if (strict && !json_is_boolean(strict) && !json_is_null(strict)) {
        api_error_invalid(err, "response_format",
                          "'response_format.json_schema.strict' must be a boolean");
        return false;
    }
    json_t *schema = json_object_get(js, "schema");
    if (!json_is_object(schema)) {
        api_error_invalid(err, "response_format",
                          "'response_format.json_schema.schema' must be an object (a JSON Schema)");
        return false;
    }
    char msg[400];
    r->schema = schema_grammar_new(schema, msg, sizeof msg);
    if (!r->schema) {
        api_error_set(err, 400, "invalid_request_error", "response_format",
                      "unsupported_parameter", "response_format.json_schema.%s", msg);
        return false;
    }
    return true;
}

/* response_format: text, json_object or json_schema (constrained sampling,
 * token_mask.c, schema_matcher.c). */
static bool parse_response_format(gen_request *r, json_t *o, api_error *err)
{
    json_t *f = json_object_get(o, "response_format");
    if (!f || json_is_null(f))
        return true;
    json_t *type = json_is_object(f) ? json_object_get(f, "type") : NULL;
    if (!json_is_string(type)) {
        api_error_invalid(err, "response_format",
                          "'response_format' must be an object with a string 'type'");
        return false;
    }
    const char *t = json_string_value(type), *key;
    if (strcmp(t, "json_object") == 0)
        r->json_object = true;
    else if (strcmp(t, "json_schema") == 0) {
        if (!parse_json_schema(r, f, err))
            return false;
    } else if (strcmp(t, "text") != 0) {
        api_error_invalid(err, "response_format",
                          "'response_format.type' must be 'text', 'json_object' or "
                          "'json_schema', got '%.100s'",
                          t);
        return false;
    }
    json_t *v;
    json_object_foreach(f, key, v) {
        if (strcmp(key, "type") != 0 && !(r->schema && strcmp(key, "json_schema") == 0)) {
            api_error_set(err, 400, "invalid_request_error", "response_format",
                          "unknown_parameter", "unknown field 'response_format.%.100s'", key);
            return false;
        }
    }
    return true;
}

static bool parse_fields(gen_request *r, json_t *o, api_error *err)
{
    if (!request_fields_check(o, r->kind, err))
        return false;
    json_t *model = json_object_get(o, "model");
    if (model && !json_is_null(model)) {
        if (!json_is_string(model)) {
            api_error_invalid(err, "model", "'model' must be a string");
            return false;
        }
        r->model = strdup(json_string_value(model));
    }
    if (r->kind == REQUEST_CHAT ? !parse_messages(r, o, err) || !parse_tools(r, o, err)
                                : !parse_prompt(r, o, err))
        return false;

    const char *max_key = "max_tokens";
    if (r->kind == REQUEST_CHAT && json_object_get(o, "max_completion_tokens") &&
        !json_is_null(json_object_get(o, "max_completion_tokens")))
        max_key = "max_completion_tokens";
    r->max_tokens_key = max_key;
    if (!get_int(o, max_key, 1, INT32_MAX, &r->max_tokens, NULL, err))
        return false;
    if (!get_number(o, "temperature", 0, 2, &r->temperature, err) ||
        !get_number(o, "top_p", 0, 1, &r->top_p, err) ||
        !get_number(o, "min_p", 0, 1, &r->min_p, err) ||
        !get_number(o, "repeat_penalty", 0, 10, &r->repeat_penalty, err))
        return false;
    if (!get_number(o, "presence_penalty", -2, 2, &r->presence_penalty, err) ||
        !get_number(o, "frequency_penalty", -2, 2, &r->frequency_penalty, err))
        return false;
    int64_t top_k = 0, seed = 0, n = 1;
    if (!get_int(o, "top_k", 0, INT32_MAX, &top_k, NULL, err))
        return false;
    r->top_k = (int32_t)top_k;
    if (!get_int(o, "seed", INT64_MIN, INT64_MAX, &seed, &r->has_seed, err))
        return false;
    r->seed = (uint64_t)seed;
    if (!get_int(o, "n", 1, INT32_MAX, &n, NULL, err))
        return false;
    if (n > 1) {
        api_error_set(err, 400, "invalid_request_error", "n", "unsupported_parameter",
                      "'n': %lld choices asked, infrac-engine returns one per request (send "
                      "several requests: each slot serves one)",
                      (long long)n);
        return false;
    }
    if (!parse_stop(r, o, err) || !get_bool(o, "stream", &r->stream, err))
        return false;
    if (r->kind == REQUEST_COMPLETION && !get_bool(o, "echo", &r->echo, err))
        return false;
    if (!parse_logprobs(r, o, err) || !parse_response_format(r, o, err))
        return false;
    json_t *rf = r->kind == REQUEST_CHAT ? json_object_get(o, "reasoning_format") : NULL;
    if (rf && !json_is_null(rf)) {
        if (!json_is_string(rf) || reasoning_format_from_name(json_string_value(rf)) < 0) {
            api_error_invalid(err, "reasoning_format",
                              "'reasoning_format' must be 'none', 'deepseek', 'deepseek-legacy' "
                              "or 'auto'");
            return false;
        }
        r->reasoning_format = reasoning_format_from_name(json_string_value(rf));
    }

    json_t *so = json_object_get(o, "stream_options");
    if (so && !json_is_null(so)) {
        if (!json_is_object(so)) {
            api_error_invalid(err, "stream_options", "'stream_options' must be an object");
            return false;
        }
        if (!r->stream) {
            api_error_invalid(err, "stream_options",
                              "'stream_options' is only allowed when 'stream' is true");
            return false;
        }
        if (!get_bool(so, "include_usage", &r->include_usage, err)) {
            err->param = "stream_options.include_usage";
            return false;
        }
    }
    return true;
}

bool gen_request_parse_json(gen_request *r, request_kind kind, json_t *root, api_error *err)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->max_tokens = -1;
    r->max_tokens_key = "max_tokens";
    r->temperature = 1.0;
    r->top_p = 1.0;
    r->repeat_penalty = 1.0;
    r->reasoning_format = -1;
    bool ok = parse_fields(r, root, err);
    if (!ok)
        gen_request_free(r);
    return ok;
}

bool gen_request_parse(gen_request *r, request_kind kind, const char *body, size_t len,
                       api_error *err)
{
    json_t *root = request_parse_object(body, len, err);
    if (!root) {
        memset(r, 0, sizeof *r);
        return false;
    }
    bool ok = gen_request_parse_json(r, kind, root, err);
    json_decref(root);
    return ok;
}

void gen_request_free(gen_request *r)
{
    for (size_t i = 0; i < r->n_messages; i++) {
        free(r->messages[i].role);
        free(r->messages[i].content);
    }
    free(r->messages);
    free(r->model);
    free(r->prompt);
    free(r->prompt_tokens);
    for (size_t i = 0; i < r->n_stop; i++)
        free(r->stop[i]);
    json_decref(r->template_messages);
    json_decref(r->tools);
    for (size_t i = 0; i < r->n_tools; i++)
        free(r->tool_names[i]);
    free(r->tool_names);
    free(r->tool_strict);
    free(r->tool_choice_name);
    schema_grammar_free(r->schema);
    memset(r, 0, sizeof *r);
}
