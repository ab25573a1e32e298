/* The built-in chat formats (rendered by the Jinja subset) give the exact
 * text of each family; the chat prompt drops a leading BOS the tokenizer
 * adds anyway; ChatML carries tools in the Hermes convention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "server/chat_template.h"

static const char convo[] = "[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                            "{\"role\":\"user\",\"content\":\"Hi\"},"
                            "{\"role\":\"assistant\",\"content\":\"Hello.\"},"
                            "{\"role\":\"user\",\"content\":\"Name?\"}]";

static char *render_with(const char *source, bool add_bos, const char *messages, const char *tools,
                         char *err, size_t errlen)
{
    chat_prompt *p = chat_prompt_compile(source, "test", "<s>", "</s>", add_bos, err, errlen);
    assert_non_null(p);
    json_t *m = json_loads(messages, 0, NULL), *t = tools ? json_loads(tools, 0, NULL) : NULL;
    assert_non_null(m);
    size_t len;
    char *out = chat_prompt_render(p, m, t, &len, err, errlen);
    json_decref(m);
    json_decref(t);
    chat_prompt_free(p);
    return out;
}

static void check(chat_format f, const char *messages, const char *want)
{
    char err[512];
    char *got = render_with(chat_format_source(f), true, messages, NULL, err, sizeof err);
    if (!got)
        fail_msg("%s: %s", chat_format_name(f), err);
    assert_string_equal(got, want);
    free(got);
}

/* A message holding U+0000 renders whole, by length, through the template
 * and the leading-BOS strip; a Jinja string method reads past it too. */
static void nul_in_content(void **state)
{
    (void)state;
    char err[512];
    size_t len = 0;
    for (int f = 0; f < 2; f++) {
        chat_prompt *p = chat_prompt_compile(f ? chat_format_source(CHAT_LLAMA3)
                                               : "{{ bos_token }}{% for m in messages %}"
                                                 "{{ m.content.split('b')[1] }}|{{ m.content | tojson }}"
                                                 "{% endfor %}",
                                             "test", "<s>", "</s>", true, err, sizeof err);
        assert_non_null(p);
        json_t *m = json_loads("[{\"role\":\"user\",\"content\":\"a\\u0000bc\\u0000\"}]",
                               JSON_ALLOW_NUL, NULL);
        assert_non_null(m);
        char *out = chat_prompt_render(p, m, NULL, &len, err, sizeof err);
        assert_non_null(out);
        if (f) { /* the format's <|begin_of_text|> is not the test's BOS: kept */
            const char want[] = "user<|end_header_id|>\n\na\0bc\0<|eot_id|>";
            bool found = false;
            for (size_t i = 0; i + sizeof want - 1 <= len && !found; i++)
                found = memcmp(out + i, want, sizeof want - 1) == 0;
            assert_true(found);
        } else {
            const char want[] = "c\0|\"a\\u0000bc\\u0000\"";
            assert_int_equal(len, sizeof want - 1);
            assert_memory_equal(out, want, len);
        }
        free(out);
        json_decref(m);
        chat_prompt_free(p);
    }
}

static void names(void **state)
{
    (void)state;
    assert_int_equal(chat_format_from_name("llama3"), CHAT_LLAMA3);
    assert_int_equal(chat_format_from_name("llama2"), CHAT_MISTRAL);
    assert_int_equal(chat_format_from_name("jinja"), -1);
    assert_string_equal(chat_format_name(CHAT_GEMMA), "gemma");
    assert_int_equal(tool_syntax_detect(chat_format_source(CHAT_CHATML)), TOOL_SYNTAX_HERMES);
    assert_int_equal(tool_syntax_detect(chat_format_source(CHAT_LLAMA3)), TOOL_SYNTAX_NONE);
}

static void renders(void **state)
{
    (void)state;
    check(CHAT_CHATML, convo,
          "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
          "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nName?<|im_end|>\n"
          "<|im_start|>assistant\n");
    check(CHAT_LLAMA3, convo,
          "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
          "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
          "<|start_header_id|>user<|end_header_id|>\n\nName?<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\n");
    check(CHAT_MISTRAL, convo, "[INST] Be brief.\n\nHi [/INST]Hello.</s>[INST] Name? [/INST]");
    check(CHAT_GEMMA, convo,
          "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n"
          "<start_of_turn>model\nHello.<end_of_turn>\n"
          "<start_of_turn>user\nName?<end_of_turn>\n<start_of_turn>model\n");
    const char only[] = "[{\"role\":\"system\",\"content\":\"S\"}]";
    check(CHAT_MISTRAL, only, "[INST] S [/INST]");
    check(CHAT_GEMMA, only, "<start_of_turn>user\nS<end_of_turn>\n<start_of_turn>model\n");
}

static void chatml_tools(void **state)
{
    (void)state;
    char err[512];
    const char msgs[] =
        "[{\"role\":\"user\",\"content\":\"Weather?\"},"
        "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\","
        "\"function\":{\"name\":\"w\",\"arguments\":{\"city\":\"Oslo\"}}},{\"id\":\"b\",\"type\":"
        "\"function\",\"function\":{\"name\":\"t\",\"arguments\":{}}}]},"
        "{\"role\":\"tool\",\"tool_call_id\":\"a\",\"content\":\"3C\"},"
        "{\"role\":\"tool\",\"tool_call_id\":\"b\",\"content\":\"14:05\"}]";
    const char tools[] = "[{\"type\":\"function\",\"function\":{\"name\":\"w\"}}]";
    char *got = render_with(chat_format_source(CHAT_CHATML), false, msgs, tools, err, sizeof err);
    if (!got)
        fail_msg("%s", err);
    assert_string_equal(
        got,
        "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the "
        "user query.\n\nYou are provided with function signatures within <tools></tools> XML "
        "tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"w\"}}\n</tools>\n\n"
        "For each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
        "\"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
        "<|im_start|>user\nWeather?<|im_end|>\n"
        "<|im_start|>assistant\n<tool_call>\n{\"name\": \"w\", \"arguments\": {\"city\": "
        "\"Oslo\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"t\", \"arguments\": {}}\n"
        "</tool_call><|im_end|>\n"
        "<|im_start|>user\n<tool_response>\n3C\n</tool_response>\n<tool_response>\n14:05\n"
        "</tool_response><|im_end|>\n<|im_start|>assistant\n");
    free(got);
    /* formats without tool calling refuse tools, by name */
    assert_null(render_with(chat_format_source(CHAT_GEMMA), false, msgs, NULL, err, sizeof err));
    assert_string_equal(err, "the built-in gemma format has no tool calling: serve the model "
                             "with its own chat template");
}

static void bos_once(void **state)
{
    (void)state;
    char err[256];
    const char src[] = "{{ bos_token }}{{ messages[0].content }}";
    const char m[] = "[{\"role\":\"user\",\"content\":\"x\"}]";
    char *a = render_with(src, true, m, NULL, err, sizeof err);
    char *b = render_with(src, false, m, NULL, err, sizeof err);
    assert_string_equal(a, "x");    /* the tokenizer adds BOS itself */
    assert_string_equal(b, "<s>x"); /* it does not: the text carries it */
    free(a);
    free(b);
    /* a template the subset cannot run is refused when compiled */
    assert_null(chat_prompt_compile("{% filter upper %}x{% endfilter %}", "the GGUF's template",
                                    "", "", false, err, sizeof err));
    assert_string_equal(err, "the GGUF's template cannot be used: line 1: unsupported statement "
                             "'{% filter %}'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names), cmocka_unit_test(renders), cmocka_unit_test(nul_in_content), cmocka_unit_test(chatml_tools),
        cmocka_unit_test(bos_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
