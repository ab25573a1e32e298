/* Chat replies split into reasoning_content, content and tool_calls, on
 * literal model outputs (whole and fed a byte at a time): gpt-oss harmony
 * channels and calls, thinking tags (Qwen3, GLM, Gemma 4) under each
 * --reasoning-format, Gemma 4's call notation; malformed outputs (an
 * unclosed channel, bad JSON in a call, a truncated header) give a clear
 * result and never crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "server/call_matcher.h"
#include "server/reply.h"

/* "reasoning|content|name(args);..." */
static char *run(const reply_setup *s, const char *text, bool bytewise)
{
    reply_parser p;
    reply_parser_init(&p, s);
    strbuf r = {0}, c = {0};
    json_t *calls = json_array();
    size_t n = strlen(text);
    if (bytewise)
        for (size_t i = 0; i < n; i++)
            reply_parser_feed(&p, text + i, 1, &r, &c, calls);
    else
        reply_parser_feed(&p, text, n, &r, &c, calls);
    reply_parser_finish(&p, &r, &c, calls);
    reply_parser_free(&p);
    strbuf out = {0};
    sb_printf(&out, "%s|%s|", r.p ? r.p : "", c.p ? c.p : "");
    size_t i;
    json_t *call;
    json_array_foreach(calls, i, call)
    {
        json_t *fn = json_object_get(call, "function");
        assert_int_equal(strlen(json_string_value(json_object_get(call, "id"))), 9);
        sb_printf(&out, "%s(%s);", json_string_value(json_object_get(fn, "name")),
                  json_string_value(json_object_get(fn, "arguments")));
    }
    json_decref(calls);
    sb_free(&r);
    sb_free(&c);
    return sb_steal(&out);
}

static void expect(const reply_setup *s, const char *text, const char *want)
{
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        char *got = run(s, text, bytewise);
        if (strcmp(got, want) != 0)
            fail_msg("(%s) [%s]: got [%s] want [%s]", bytewise ? "bytes" : "whole", text, got, want);
        free(got);
    }
}

static const reply_setup HARMONY_TOOLS = {.syntax = TOOL_SYNTAX_HARMONY, .tools = true};
static const reply_setup HARMONY = {.syntax = TOOL_SYNTAX_HARMONY};

static void harmony_channels(void **state)
{
    (void)state;
    expect(&HARMONY, "<|channel|>analysis<|message|>User greets.<|end|><|start|>assistant<|channel|>final<|message|>Hello!",
           "User greets.|Hello!|");
    /* <|return|> written as text (a vocabulary without it) ends the message too */
    expect(&HARMONY, "<|channel|>final<|message|>Hi<|return|>", "|Hi|");
    /* a commentary preamble is content; the stray commentary before analysis (llama.cpp) too */
    expect(&HARMONY, "<|channel|>commentary<|message|>Let me check.<|end|><|start|>assistant<|channel|>final<|message|>Done",
           "|Let me check.Done|");
    /* none: the analysis stays in content with its markers */
    reply_setup none = HARMONY;
    none.format = REASONING_NONE;
    expect(&none, "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>ok",
           "|<|channel|>analysis<|message|>think<|end|>ok|");
    /* not harmony at all (random weights): the text is the answer */
    expect(&HARMONY, "hello there", "|hello there|");
    expect(&HARMONY, "", "||");
}

static void harmony_calls(void **state)
{
    (void)state;
    /* the recipient in the channel header (what gpt-oss writes) */
    expect(&HARMONY_TOOLS,
           "<|channel|>analysis<|message|>Need weather.<|end|><|start|>assistant<|channel|>commentary "
           "to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Oslo\"}",
           "Need weather.||get_weather({\"city\":\"Oslo\"});");
    /* in the role header (as the template renders history), with <|call|> as text */
    expect(&HARMONY_TOOLS,
           " to=functions.get_time<|channel|>commentary json<|message|>{\"city\":\"Rome\"}<|call|>",
           "||get_time({\"city\":\"Rome\"});");
    /* parallel: two calls in two messages */
    expect(&HARMONY_TOOLS,
           "<|channel|>commentary to=functions.a <|constrain|>json<|message|>{}<|call|><|start|>assistant"
           "<|channel|>commentary to=functions.b <|constrain|>json<|message|>{\"x\":1}",
           "||a({});b({\"x\":1});");
    /* a call while tools are off stays text */
    expect(&HARMONY, "<|channel|>commentary to=functions.f <|constrain|>json<|message|>{}",
           "|<|channel|>commentary to=functions.f <|constrain|>json<|message|>{}|");
    /* \u0000 is JSON (RFC 8259 section 7): still a call */
    expect(&HARMONY_TOOLS, "<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"s\":\"\\u0000\"}",
           "||f({\"s\":\"\\u0000\"});");
    /* a builtin recipient the request did not define: text, not dropped */
    expect(&HARMONY_TOOLS, "<|channel|>analysis to=browser.search<|message|>{\"q\":1}<|end|>",
           "|<|channel|>analysis to=browser.search<|message|>{\"q\":1}<|end|>|");
}

static void harmony_malformed(void **state)
{
    (void)state;
    /* unclosed analysis (out of tokens while thinking): reasoning, no content */
    expect(&HARMONY_TOOLS, "<|channel|>analysis<|message|>still thinking", "still thinking||");
    /* bad JSON in a call: the message is content, no call */
    expect(&HARMONY_TOOLS, "<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"a\": ",
           "|<|channel|>commentary to=functions.f <|constrain|>json<|message|>{\"a\": |");
    expect(&HARMONY_TOOLS, "<|channel|>commentary to=functions.f json<|message|>[1,2]<|call|>",
           "|<|channel|>commentary to=functions.f json<|message|>[1,2]<|call|>|");
    /* a header cut short, an empty function name, a header without <|message|> */
    expect(&HARMONY_TOOLS, "<|channel|>fin", "|<|channel|>fin|");
    expect(&HARMONY_TOOLS, "<|channel|>commentary to=functions. <|message|>{}",
           "|<|channel|>commentary to=functions. <|message|>{}|");
    expect(&HARMONY_TOOLS, "<|channel|>final<|end|>x", "|<|channel|>final<|end|>x|");
    /* text between messages, and after the last */
    expect(&HARMONY, "<|channel|>final<|message|>a<|end|>tail", "|atail|");
}

static const reply_setup QWEN = {.syntax = TOOL_SYNTAX_HERMES, .think_open = "<think>",
                                 .think_close = "</think>"};

static void think_tags(void **state)
{
    (void)state;
    expect(&QWEN, "<think>\nThe user wants X.\n</think>\n\nX it is.", "The user wants X.|X it is.|");
    expect(&QWEN, "No thinking here.", "|No thinking here.|");
    /* only a block at the start is thinking */
    expect(&QWEN, "A <think>b</think> c", "|A <think>b</think> c|");
    /* unclosed: reasoning (out of tokens while thinking) */
    expect(&QWEN, "<think>hmm, let me", "hmm, let me||");
    expect(&QWEN, "<thi", "|<thi|");
    /* the prompt opened it (Qwen3.5/3.6 templates) */
    reply_setup inside = QWEN;
    inside.think_inside = true;
    expect(&inside, "reason\n</think>\n\nanswer", "reason|answer|");
    /* with tools: the calls after the thinking are parsed */
    reply_setup tools = QWEN;
    tools.tools = true;
    expect(&tools, "<think>call it</think>\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>",
           "call it||f({\"a\":1});");
    /* none: as generated */
    reply_setup none = QWEN;
    none.format = REASONING_NONE;
    expect(&none, "<think>r</think>a", "|<think>r</think>a|");
    /* deepseek-legacy: both */
    reply_setup legacy = QWEN;
    legacy.format = REASONING_DEEPSEEK_LEGACY;
    expect(&legacy, "<think>r</think>a", "r|<think>r</think>a|");
    /* GLM's tags are the same; Gemma 4's channel */
    reply_setup gemma = {.syntax = TOOL_SYNTAX_GEMMA4, .think_open = "<|channel>thought",
                         .think_close = "<channel|>"};
    expect(&gemma, "<|channel>thought\nPlan.<channel|>Answer", "Plan.|Answer|");
}

/* A NUL byte the model generates is text: the split keeps it in the
 * reasoning and the content, whole and fed a byte at a time. */
static void nul_bytes_pass(void **state)
{
    (void)state;
    static const char qwen[] = "<think>r\0s</think>a\0b", harmony[] =
        "<|channel|>analysis<|message|>r\0s<|end|><|start|>assistant<|channel|>final<|message|>a\0b";
    const struct {
        const reply_setup *s;
        const char *text;
        size_t n;
    } cases[] = {{&QWEN, qwen, sizeof qwen - 1}, {&HARMONY, harmony, sizeof harmony - 1}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        for (int bytewise = 0; bytewise < 2; bytewise++) {
            reply_parser p;
            reply_parser_init(&p, cases[k].s);
            strbuf r = {0}, c = {0};
            json_t *calls = json_array();
            for (size_t i = 0; i < cases[k].n; i += bytewise ? 1 : cases[k].n)
                reply_parser_feed(&p, cases[k].text + i, bytewise ? 1 : cases[k].n, &r, &c, calls);
            reply_parser_finish(&p, &r, &c, calls);
            reply_parser_free(&p);
            assert_int_equal(r.len, 3);
            assert_memory_equal(r.p, "r\0s", 3);
            assert_int_equal(c.len, 3);
            assert_memory_equal(c.p, "a\0b", 3);
            assert_int_equal(json_array_size(calls), 0);
            json_decref(calls);
            sb_free(&r);
            sb_free(&c);
        }
}

static void prompt_opens(void **state)
{
    (void)state;
    assert_true(reasoning_prompt_opens("<|im_start|>assistant\n<think>\n", strlen("<|im_start|>assistant\n<think>\n"), "<think>", "</think>"));
    assert_false(reasoning_prompt_opens("<|im_start|>assistant\n<think>\n\n</think>\n\n", strlen("<|im_start|>assistant\n<think>\n\n</think>\n\n"), "<think>", "</think>"));
    assert_false(reasoning_prompt_opens("<|turn>model\n<|channel>thought\n<channel|>", strlen("<|turn>model\n<|channel>thought\n<channel|>"), "<|channel>thought", "<channel|>"));
    const char *o, *c;
    assert_true(reasoning_tags_detect("{{ '<think>' }}x{{ '</think>' }}", &o, &c));
    assert_string_equal(o, "<think>");
    assert_false(reasoning_tags_detect("{{ messages }}", &o, &c));
    assert_int_equal(reasoning_format_from_name("auto"), REASONING_DEEPSEEK);
    assert_int_equal(reasoning_format_from_name("none"), REASONING_NONE);
    assert_int_equal(reasoning_format_from_name("deepseek-legacy"), REASONING_DEEPSEEK_LEGACY);
    assert_int_equal(reasoning_format_from_name("Deepseek"), -1);
}

static const reply_setup GEMMA4 = {.syntax = TOOL_SYNTAX_GEMMA4, .tools = true};

static void gemma4_calls(void **state)
{
    (void)state;
    expect(&GEMMA4, "<|tool_call>call:get_weather{city:<|\"|>Oslo<|\"|>,days:3}<tool_call|>",
           "||get_weather({\"city\":\"Oslo\",\"days\":3});");
    /* nested values, parallel calls, text before */
    expect(&GEMMA4,
           "Sure.<|tool_call>call:f{a:{b:[1,true,null,<|\"|>x, y<|\"|>]},c:-2.5}<tool_call|><|tool_call>call:g{}<tool_call|>",
           "|Sure.|f({\"a\":{\"b\":[1,true,null,\"x, y\"]},\"c\":-2.5});g({});");
    /* cut off before <tool_call|> (the end of generation came): still a call */
    expect(&GEMMA4, "<|tool_call>call:f{a:1}", "||f({\"a\":1});");
    /* malformed: stays content */
    expect(&GEMMA4, "<|tool_call>call:f{a:<|\"|>open}<tool_call|>",
           "|<|tool_call>call:f{a:<|\"|>open}<tool_call|>|");
    expect(&GEMMA4, "<|tool_call>f{a:1}<tool_call|>", "|<|tool_call>f{a:1}<tool_call|>|");
    expect(&GEMMA4, "<|tool_call>call:{a:1}<tool_call|>", "|<|tool_call>call:{a:1}<tool_call|>|");
    expect(&GEMMA4, "<|tool_call>call:f{a:bare}<tool_call|>", "|<|tool_call>call:f{a:bare}<tool_call|>|");
    /* the value notation alone */
    json_t *v = gemma4_value_parse("[<|\"|>a<|\"|>, {k:false}]", 25);
    assert_non_null(v);
    char *s = json_dumps(v, JSON_COMPACT);
    assert_string_equal(s, "[\"a\",{\"k\":false}]");
    free(s);
    json_decref(v);
    assert_null(gemma4_value_parse("{a:1", 4));
    /* deep nesting is refused, not a stack overflow */
    char deep[200];
    memset(deep, '[', sizeof deep);
    assert_null(gemma4_value_parse(deep, sizeof deep));
}

/* tool_choice required on gpt-oss: the call grammar writes harmony, and
 * what it accepts parses as a call. */
static void harmony_forced(void **state)
{
    (void)state;
    const char *names[] = {"get_weather", "get_time"};
    call_grammar *g = call_grammar_new(TOOL_SYNTAX_HARMONY, names, 2);
    call_matcher m;
    cm_init(g, &m);
    const char *text = "<|channel|>commentary to=functions.get_time <|constrain|>json<|message|>{\"city\":\"Oslo\"}";
    assert_true(cm_feed_all(g, &m, text, (uint32_t)strlen(text)));
    assert_true(cm_done(&m));
    expect(&HARMONY_TOOLS, text, "||get_time({\"city\":\"Oslo\"});");
    cm_init(g, &m);
    assert_false(cm_feed_all(g, &m, "<|channel|>final", 16));
    call_grammar_free(g);
    assert_int_equal(tool_syntax_detect("{{- '<|start|>assistant<|channel|>final<|message|>' }}"), TOOL_SYNTAX_HARMONY);
    assert_int_equal(tool_syntax_detect("{{- '<|tool_call>call:' + name }}"), TOOL_SYNTAX_GEMMA4);
    assert_string_equal(tool_syntax_name(TOOL_SYNTAX_HARMONY), "harmony");
    assert_string_equal(tool_syntax_name(TOOL_SYNTAX_GEMMA4), "gemma4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(harmony_channels), cmocka_unit_test(harmony_calls),
        cmocka_unit_test(harmony_malformed), cmocka_unit_test(think_tags),
        cmocka_unit_test(prompt_opens), cmocka_unit_test(nul_bytes_pass),    cmocka_unit_test(gemma4_calls),
        cmocka_unit_test(harmony_forced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
