/* Server request parsing: defaults, every field's type and range checks,
 * and OpenAI-style errors naming the offending parameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <string.h>

#include "server/request.h"
#include "server/schema_matcher.h"
#include "strbuf.h"

static bool parse(gen_request *r, request_kind k, const char *body, api_error *e)
{
    return gen_request_parse(r, k, body, strlen(body), e);
}

static void chat_defaults(void **state)
{
    (void)state;
    gen_request r;
    api_error e;
    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                      "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi \"},"
                      "{\"type\":\"text\",\"text\":\"there\"}]}],\"user\":\"u1\"}",
                      &e));
    assert_string_equal(r.model, "m");
    assert_int_equal(r.n_messages, 2);
    assert_string_equal(r.messages[0].role, "system");
    assert_string_equal(r.messages[1].content, "hi there");
    assert_int_equal(r.max_tokens, -1);
    assert_true(r.temperature == 1.0 && r.top_p == 1.0);
    assert_false(r.stream);
    assert_false(r.has_seed);
    assert_int_equal(r.n_stop, 0);
    assert_true(r.presence_penalty == 0 && r.frequency_penalty == 0);
    gen_request_free(&r);
}

/* Values of unimplemented fields that ask for nothing are accepted: what
 * clients send by default must keep working. */
static void harmless_values_accepted(void **state)
{
    (void)state;
    static const char *const chat[] = {
        "\"tools\":[]", "\"tool_choice\":\"none\"", "\"tool_choice\":\"auto\"",
        "\"parallel_tool_calls\":true", "\"response_format\":{\"type\":\"text\"}",
        "\"response_format\":{\"type\":\"json_object\"}",
        "\"logprobs\":false", "\"top_logprobs\":0", "\"logit_bias\":{}",
        "\"modalities\":[\"text\"]", "\"store\":false", "\"audio\":null",
        "\"tools\":null,\"tool_choice\":null", "\"presence_penalty\":0.5,\"frequency_penalty\":-1",
    };
    for (size_t i = 0; i < sizeof chat / sizeof *chat; i++) {
        char body[512];
        snprintf(body, sizeof body, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],%s}",
                 chat[i]);
        gen_request r;
        api_error e;
        if (!parse(&r, REQUEST_CHAT, body, &e))
            fail_msg("refused %s: %s", body, e.message);
        gen_request_free(&r);
    }
    static const char *const comp[] = {"\"echo\":false", "\"logprobs\":0", "\"best_of\":1",
                                       "\"suffix\":\"\"", "\"logprobs\":null"};
    for (size_t i = 0; i < sizeof comp / sizeof *comp; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"prompt\":\"x\",%s}", comp[i]);
        gen_request r;
        api_error e;
        if (!parse(&r, REQUEST_COMPLETION, body, &e))
            fail_msg("refused %s: %s", body, e.message);
        gen_request_free(&r);
    }
    gen_request r;
    api_error e;
    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                      "\"presence_penalty\":0.5,\"frequency_penalty\":-1}",
                      &e));
    assert_true(r.presence_penalty == 0.5 && r.frequency_penalty == -1);
    gen_request_free(&r);
    assert_true(parse(&r, REQUEST_COMPLETION, "{\"prompt\":\"x\",\"echo\":true}", &e));
    assert_true(r.echo);
    gen_request_free(&r);
    assert_true(parse(&r, REQUEST_COMPLETION, "{\"prompt\":\"x\",\"logprobs\":3}", &e));
    assert_true(r.logprobs && r.top_logprobs == 3);
    gen_request_free(&r);
    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"logprobs\":true,"
                      "\"top_logprobs\":20}",
                      &e));
    assert_true(r.logprobs && r.top_logprobs == 20);
    gen_request_free(&r);
}

/* Unimplemented fields with a real value, and unknown fields, are a 400
 * naming the field (param), with OpenAI's codes. */
static void unsupported_fields_refused(void **state)
{
    (void)state;
    static const struct {
        request_kind kind;
        const char *field; /* JSON member */
        const char *param;
        const char *code;
    } cases[] = {
        {REQUEST_CHAT, "\"tool_choice\":\"required\"", "tool_choice", "invalid"}, /* no tools */
        {REQUEST_CHAT, "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                       "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"g\"}}",
         "tool_choice", "invalid"}, /* not in tools */
        {REQUEST_CHAT, "\"tool_choice\":\"any\"", "tool_choice", "invalid"},
        {REQUEST_CHAT, "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a b\"}}]",
         "tools", "invalid"},
        {REQUEST_CHAT, "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                       "\"strict\":true}}]",
         "tools", "unsupported_parameter"},
        {REQUEST_CHAT, "\"tools\":[{\"type\":\"code\"}]", "tools", "invalid"},
        {REQUEST_CHAT, "\"parallel_tool_calls\":1", "parallel_tool_calls", "invalid"},
        {REQUEST_CHAT, "\"function_call\":\"auto\",\"functions\":[{\"name\":\"f\"}]",
         "function_call", "unsupported_parameter"},
        {REQUEST_CHAT, "\"response_format\":{\"type\":\"json_schema\"}", "response_format",
         "invalid"}, /* no json_schema */
        {REQUEST_CHAT,
         "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\","
         "\"schema\":{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\","
         "\"format\":\"date\"}}}}}",
         "response_format", "unsupported_parameter"}, /* names the keyword, schema_matcher.c */
        {REQUEST_CHAT,
         "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\","
         "\"schema\":{\"type\":\"object\"},\"extra\":1}}",
         "response_format", "unknown_parameter"},
        {REQUEST_CHAT, "\"top_logprobs\":3", "top_logprobs", "invalid"}, /* needs logprobs */
        {REQUEST_CHAT, "\"logprobs\":true,\"top_logprobs\":21", "top_logprobs", "invalid"},
        {REQUEST_CHAT, "\"logit_bias\":{\"5\":-100}", "logit_bias", "unsupported_parameter"},
        {REQUEST_CHAT, "\"functions\":[{\"name\":\"f\"}]", "functions", "unsupported_parameter"},
        {REQUEST_CHAT, "\"audio\":{\"voice\":\"x\"}", "audio", "unsupported_parameter"},
        {REQUEST_CHAT, "\"reasoning_effort\":\"low\"", "reasoning_effort", "unsupported_parameter"},
        {REQUEST_CHAT, "\"echo\":true", "echo", "unknown_parameter"}, /* a completions field */
        {REQUEST_CHAT, "\"future_field\":1", "future_field", "unknown_parameter"},
        {REQUEST_CHAT, "\"n\":2", "n", "unsupported_parameter"},
        {REQUEST_CHAT, "\"response_format\":{\"type\":\"json_object\",\"x\":1}",
         "response_format", "unknown_parameter"},
        {REQUEST_CHAT, "\"response_format\":{\"type\":\"yaml\"}", "response_format", "invalid"},
        {REQUEST_CHAT, "\"response_format\":\"json_object\"", "response_format", "invalid"},
        {REQUEST_COMPLETION, "\"echo\":1", "echo", "invalid"},
        {REQUEST_COMPLETION, "\"logprobs\":6", "logprobs", "invalid"},
        {REQUEST_COMPLETION, "\"suffix\":\"end\"", "suffix", "unsupported_parameter"},
        {REQUEST_COMPLETION, "\"best_of\":3", "best_of", "unsupported_parameter"},
        {REQUEST_COMPLETION, "\"tools\":[]", "tools", "unknown_parameter"},
        {REQUEST_COMPLETION, "\"cache_prompt\":true", "cache_prompt", "unknown_parameter"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char body[512];
        if (cases[i].kind == REQUEST_CHAT)
            snprintf(body, sizeof body,
                     "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],%s}", cases[i].field);
        else
            snprintf(body, sizeof body, "{\"prompt\":\"x\",%s}", cases[i].field);
        gen_request r;
        api_error e;
        memset(&e, 0, sizeof e);
        if (parse(&r, cases[i].kind, body, &e)) {
            gen_request_free(&r);
            fail_msg("accepted: %s", body);
        }
        assert_int_equal(e.status, 400);
        if (strcmp(cases[i].code, "invalid") == 0)
            assert_null(e.code); /* a type error, not a refusal */
        else
            assert_string_equal(e.code, cases[i].code);
        const char *param = e.param ? e.param : e.param_text;
        assert_string_equal(param, cases[i].param);
        if (!strstr(e.message, cases[i].param))
            fail_msg("message '%s' does not name '%s'", e.message, cases[i].param);
        /* The error body carries the field as param. */
        char *json = api_error_json(&e);
        char want[128];
        snprintf(want, sizeof want, "\"param\":\"%s\"", cases[i].param);
        if (!strstr(json, want))
            fail_msg("%s lacks %s", json, want);
        free(json);
    }
    /* Several offenders: the first in key order, every time. */
    gen_request r;
    api_error e;
    assert_false(parse(&r, REQUEST_CHAT,
                       "{\"tools\":[1],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                       "\"logit_bias\":{\"1\":2}}",
                       &e));
    assert_string_equal(e.param, "logit_bias");

    /* Message keys the prompt would drop are refused; null/[] accepted. */
    assert_false(parse(&r, REQUEST_CHAT,
                       "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"tool_call_id\":\"c\"}]}",
                       &e));
    assert_string_equal(e.param, "messages");
    assert_non_null(strstr(e.message, "messages[0].tool_call_id"));
    assert_false(parse(&r, REQUEST_CHAT,
                       "{\"messages\":[{\"role\":\"assistant\",\"content\":null,"
                       "\"tool_calls\":[{\"id\":\"c\"}]}]}",
                       &e));
    assert_non_null(strstr(e.message, "messages[0].tool_calls"));
    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"messages\":[{\"role\":\"assistant\",\"content\":\"x\",\"tool_calls\":[],"
                      "\"refusal\":null}]}",
                      &e));
    gen_request_free(&r);

    /* A hostile body: 100000 unknown keys (what a 4 MiB body can hold) is
     * refused, naming the first, without quadratic work. */
    strbuf big = {0};
    sb_puts(&big, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]");
    for (int i = 0; i < 100000; i++)
        sb_printf(&big, ",\"k%06d\":0", 99999 - i);
    sb_puts(&big, "}");
    assert_false(gen_request_parse(&r, REQUEST_CHAT, big.p, big.len, &e));
    assert_string_equal(e.code, "unknown_parameter");
    assert_string_equal(e.param_text, "k000000");
    sb_free(&big);
}

/* response_format json_schema compiles the schema at parse time. */
static void json_schema_compiled(void **state)
{
    (void)state;
    gen_request r;
    api_error e;
    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                      "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\","
                      "\"strict\":true,\"description\":\"d\",\"schema\":{\"type\":\"object\","
                      "\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}}}}",
                      &e));
    assert_non_null(r.schema);
    assert_false(r.json_object);
    schema_matcher m;
    sm_init(&m);
    assert_true(sm_feed_all(r.schema, &m, "{\"a\":12}", 8) && sm_done(&m));
    gen_request_free(&r);
}

static void chat_fields(void **state)
{
    (void)state;
    gen_request r;
    api_error e;
    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"messages\":[{\"role\":\"developer\",\"content\":\"x\"}],"
                      "\"max_completion_tokens\":7,\"max_tokens\":99,\"temperature\":0,"
                      "\"top_p\":0.5,\"seed\":42,\"stop\":[\"a\",\"bc\"],\"stream\":true,"
                      "\"stream_options\":{\"include_usage\":true}}",
                      &e));
    assert_null(r.model);
    assert_string_equal(r.messages[0].role, "system");
    assert_int_equal(r.max_tokens, 7); /* max_completion_tokens wins */
    assert_true(r.temperature == 0 && r.top_p == 0.5);
    assert_true(r.has_seed);
    assert_int_equal(r.seed, 42);
    assert_int_equal(r.n_stop, 2);
    assert_string_equal(r.stop[1], "bc");
    assert_true(r.stream && r.include_usage);
    gen_request_free(&r);

    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":\"END\"}", &e));
    assert_int_equal(r.n_stop, 1);
    assert_string_equal(r.stop[0], "END");
    gen_request_free(&r);
}

static void completion_prompts(void **state)
{
    (void)state;
    gen_request r;
    api_error e;
    assert_true(parse(&r, REQUEST_COMPLETION, "{\"prompt\":\"Once\"}", &e));
    assert_string_equal(r.prompt, "Once");
    gen_request_free(&r);
    assert_true(parse(&r, REQUEST_COMPLETION, "{\"prompt\":[\"Once\"]}", &e));
    assert_string_equal(r.prompt, "Once");
    gen_request_free(&r);
    /* U+0000 is a byte of the text, kept by length (as llama-server tokenizes it) */
    assert_true(parse(&r, REQUEST_COMPLETION, "{\"prompt\":\"a\\u0000b\"}", &e));
    assert_int_equal(r.prompt_len, 3);
    assert_memory_equal(r.prompt, "a\0b", 4);
    gen_request_free(&r);
    assert_true(parse(&r, REQUEST_COMPLETION, "{\"prompt\":[\"\\u0000\"]}", &e));
    assert_int_equal(r.prompt_len, 1);
    gen_request_free(&r);
    assert_true(parse(&r, REQUEST_COMPLETION, "{\"prompt\":[1,2,3]}", &e));
    assert_null(r.prompt);
    assert_int_equal(r.n_prompt_tokens, 3);
    assert_int_equal(r.prompt_tokens[2], 3);
    gen_request_free(&r);
}

/* body, kind, expected param (NULL = none), a substring of the message */
static const struct bad_case {
    request_kind kind;
    const char *body, *param, *message;
} bad[] = {
    {REQUEST_CHAT, "", NULL, "empty"},
    {REQUEST_CHAT, "{\"messages\": [", NULL, "invalid JSON"},
    {REQUEST_CHAT, "{\"messages\":\"\xff\xfe\"}", NULL, "UTF-8"},
    {REQUEST_CHAT, "[1,2]", NULL, "JSON object"},
    /* U+0000 outside a message's text would be cut short as a C string: refused by path */
    {REQUEST_CHAT, "{\"model\":\"a\\u0000b\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
     "model", "'model' holds U+0000"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":\"\\u0000\"}]}",
     "messages", "'messages[0].name' holds U+0000"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[\"a\",\"\\u0000\"]}",
     "stop", "'stop[1]' holds U+0000"},
    {REQUEST_COMPLETION, "{\"prompt\":\"a\",\"suffix\":\"\\u0000\"}", "suffix", "'suffix' holds U+0000"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"te\\u0000xt\",\"text\":\"x\"}]}]}",
     "messages", "'messages[0].content[0].type' holds U+0000"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"content\":1,\"user\":\"\\u0000\"}",
     "user", "'user' holds U+0000"},
    {REQUEST_CHAT, "{}", "messages", "required"},
    {REQUEST_CHAT, "{\"messages\":[]}", "messages", "non-empty"},
    {REQUEST_CHAT, "{\"messages\":[1]}", "messages", "messages[0] must be an object"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages",
     "tool_call_id is required"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"critic\",\"content\":\"x\"}]}", "messages",
     "not supported"},
    {REQUEST_CHAT,
     "{\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\","
     "\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}]}",
     "messages", "arguments is not a JSON object"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\"}]}", "messages", "content is required"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":5}]}", "messages",
     "must be a string"},
    {REQUEST_CHAT,
     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", "messages",
     "only text parts"},
    {REQUEST_CHAT, "{\"model\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "model",
     "must be a string"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":\"9\"}",
     "max_tokens", "integer"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}",
     "max_tokens", "between"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":3}",
     "temperature", "between"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":\"a\"}",
     "top_p", "number"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":1.5}", "seed",
     "integer"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}", "n",
     "one per request"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[1]}", "stop",
     "non-empty strings"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":\"\"}", "stop",
     "empty"},
    {REQUEST_CHAT,
     "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":[\"a\",\"b\",\"c\",\"d\","
     "\"e\"]}",
     "stop", "at most 4"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":1}", "stream",
     "true or false"},
    {REQUEST_CHAT,
     "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream_options\":{\"include_usage\":"
     "true}}",
     "stream_options", "only allowed"},
    {REQUEST_CHAT,
     "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true,\"stream_options\":{"
     "\"include_usage\":\"yes\"}}",
     "stream_options.include_usage", "true or false"},
    {REQUEST_COMPLETION, "{}", "prompt", "required"},
    {REQUEST_COMPLETION, "{\"prompt\":{}}", "prompt", "must be a string"},
    {REQUEST_COMPLETION, "{\"prompt\":[-1]}", "prompt", "token ids"},
    {REQUEST_COMPLETION, "{\"prompt\":\"x\",\"presence_penalty\":9}", "presence_penalty",
     "between"},
};

/* Tools, tool_choice, and a round trip of messages: assistant tool_calls
 * reach the template with their arguments parsed, tool results with the
 * function's name. */
static void tool_fields(void **state)
{
    (void)state;
    gen_request r;
    api_error e;
    assert_true(parse(
        &r, REQUEST_CHAT,
        "{\"messages\":[{\"role\":\"user\",\"content\":\"w?\"},"
        "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"abc123XYZ\","
        "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
        "\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"abc123XYZ\",\"content\":\"3C\"}],"
        "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
        "\"parameters\":{\"type\":\"object\"}}},{\"type\":\"function\",\"function\":"
        "{\"name\":\"get_time\"}}],"
        "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}},"
        "\"parallel_tool_calls\":false}",
        &e));
    assert_int_equal(r.n_tools, 2);
    assert_string_equal(r.tool_names[1], "get_time");
    assert_int_equal(r.tool_choice, TOOL_CHOICE_NAMED);
    assert_string_equal(r.tool_choice_name, "get_time");
    assert_false(r.parallel_tool_calls);
    char *m = json_dumps(r.template_messages, JSON_COMPACT);
    assert_string_equal(
        m, "[{\"role\":\"user\",\"content\":\"w?\"},{\"role\":\"assistant\",\"content\":\"\","
           "\"tool_calls\":[{\"id\":\"abc123XYZ\",\"type\":\"function\",\"function\":{\"name\":"
           "\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}}]},{\"role\":\"tool\",\"content\":"
           "\"3C\",\"tool_call_id\":\"abc123XYZ\",\"name\":\"get_weather\"}]");
    free(m);
    gen_request_free(&r);
    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":\"bob\"}],"
                      "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                      "\"tool_choice\":\"required\"}",
                      &e));
    assert_int_equal(r.tool_choice, TOOL_CHOICE_REQUIRED);
    assert_true(r.parallel_tool_calls);
    gen_request_free(&r);
}

/* U+0000 in a message's text (RFC 8259 section 7) reaches the template by
 * length, whole: content as a string and as text parts. */
static void nul_in_messages(void **state)
{
    (void)state;
    gen_request r;
    api_error e;
    assert_true(parse(&r, REQUEST_CHAT,
                      "{\"messages\":[{\"role\":\"user\",\"content\":\"a\\u0000b\"},{\"role\":"
                      "\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"\\u0000\"},"
                      "{\"type\":\"text\",\"text\":\"c\"}]},{\"role\":\"assistant\",\"content\":null,"
                      "\"tool_calls\":[{\"id\":\"i\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                      "\"arguments\":\"{\\\"s\\\":\\\"\\\\u0000\\\"}\"}}]}]}",
                      &e));
    json_t *c0 = json_object_get(json_array_get(r.template_messages, 0), "content");
    assert_int_equal(json_string_length(c0), 3);
    assert_memory_equal(json_string_value(c0), "a\0b", 3);
    json_t *c1 = json_object_get(json_array_get(r.template_messages, 1), "content");
    assert_int_equal(json_string_length(c1), 2);
    assert_memory_equal(json_string_value(c1), "\0c", 2);
    /* a call's arguments may hold \u0000 in their JSON text: the object has it */
    json_t *s = json_object_get(json_object_get(json_object_get(json_array_get(json_object_get(
                    json_array_get(r.template_messages, 2), "tool_calls"), 0), "function"), "arguments"), "s");
    assert_int_equal(json_string_length(s), 1);
    gen_request_free(&r);
}

static void bad_requests(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gen_request r;
        api_error e;
        memset(&e, 0, sizeof e);
        if (parse(&r, bad[i].kind, bad[i].body, &e)) {
            gen_request_free(&r);
            fail_msg("case %zu accepted: %s", i, bad[i].body);
        }
        assert_int_equal(e.status, 400);
        assert_string_equal(e.type, "invalid_request_error");
        if (bad[i].param)
            assert_string_equal(e.param, bad[i].param);
        else
            assert_null(e.param);
        if (!strstr(e.message, bad[i].message))
            fail_msg("case %zu: message '%s' lacks '%s'", i, e.message, bad[i].message);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chat_defaults),
        cmocka_unit_test(chat_fields),
        cmocka_unit_test(json_schema_compiled),
        cmocka_unit_test(completion_prompts),
        cmocka_unit_test(bad_requests),
        cmocka_unit_test(nul_in_messages),
        cmocka_unit_test(tool_fields),
        cmocka_unit_test(harmless_values_accepted),
        cmocka_unit_test(unsupported_fields_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
