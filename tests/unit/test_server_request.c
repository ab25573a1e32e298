/* Server request parsing: defaults, every field's type and range checks,
 * and OpenAI-style errors naming the offending parameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "server/request.h"

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
                      "{\"type\":\"text\",\"text\":\"there\"}]}],\"future_field\":1}",
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
    {REQUEST_CHAT, "{}", "messages", "required"},
    {REQUEST_CHAT, "{\"messages\":[]}", "messages", "non-empty"},
    {REQUEST_CHAT, "{\"messages\":[1]}", "messages", "messages[0] must be an object"},
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages",
     "not supported"},
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
     "between"},
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
    {REQUEST_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":\"a\\u0000b\"}]}", NULL,
     "invalid JSON"},
    {REQUEST_COMPLETION, "{}", "prompt", "required"},
    {REQUEST_COMPLETION, "{\"prompt\":{}}", "prompt", "must be a string"},
    {REQUEST_COMPLETION, "{\"prompt\":[-1]}", "prompt", "token ids"},
    {REQUEST_COMPLETION, "{\"prompt\":\"x\",\"presence_penalty\":9}", "presence_penalty",
     "between"},
};

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
        cmocka_unit_test(completion_prompts),
        cmocka_unit_test(bad_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
