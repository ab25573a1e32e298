/* Tool calls: the syntaxes' output split into content and OpenAI calls,
 * whole and fed a byte at a time; and the call grammar of constrained
 * decoding, which accepts exactly one call of an allowed function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "server/call_matcher.h"
#include "server/schema_matcher.h"
#include "server/tool_calls.h"
#include "strbuf.h"

/* Parses text (whole, or byte by byte) and returns content|name(args);... */
static char *split(tool_syntax s, const char *text, bool bytewise)
{
    tool_parser p;
    tool_parser_init(&p, s);
    strbuf content = {0};
    json_t *calls = json_array();
    size_t n = strlen(text);
    if (bytewise)
        for (size_t i = 0; i < n; i++)
            tool_parser_feed(&p, text + i, 1, &content, calls);
    else
        tool_parser_feed(&p, text, n, &content, calls);
    tool_parser_finish(&p, &content, calls);
    tool_parser_free(&p);
    strbuf out = {0};
    sb_printf(&out, "%s|", content.p ? content.p : "");
    size_t i;
    json_t *c;
    json_array_foreach(calls, i, c)
    {
        json_t *fn = json_object_get(c, "function");
        assert_int_equal(strlen(json_string_value(json_object_get(c, "id"))), 9);
        assert_string_equal(json_string_value(json_object_get(c, "type")), "function");
        sb_printf(&out, "%s(%s);", json_string_value(json_object_get(fn, "name")),
                  json_string_value(json_object_get(fn, "arguments")));
    }
    json_decref(calls);
    sb_free(&content);
    return sb_steal(&out);
}

static void expect_split(tool_syntax s, const char *text, const char *want)
{
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        char *got = split(s, text, bytewise);
        if (strcmp(got, want) != 0)
            fail_msg("%s (%s): [%s] want [%s]", tool_syntax_name(s), bytewise ? "bytes" : "whole",
                     got, want);
        free(got);
    }
}

static void hermes(void **state)
{
    (void)state;
    expect_split(TOOL_SYNTAX_HERMES, "Plain text, no call.", "Plain text, no call.|");
    expect_split(TOOL_SYNTAX_HERMES,
                 "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n"
                 "</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>",
                 "|get_weather({\"city\":\"Oslo\"});get_time({});");
    expect_split(TOOL_SYNTAX_HERMES,
                 "Let me check.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": [1, 2]}}\n"
                 "</tool_call>",
                 "Let me check.\n|f({\"a\":[1,2]});");
    /* not JSON inside: text, never dropped */
    expect_split(TOOL_SYNTAX_HERMES, "a <tool_call>oops</tool_call> b",
                 "a <tool_call>oops</tool_call> b|");
    /* stopped before the closing tag: still a call if it parses */
    expect_split(TOOL_SYNTAX_HERMES, "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}",
                 "|f({});");
    expect_split(TOOL_SYNTAX_HERMES, "<tool_call>\n{\"name\": \"f\", \"argu",
                 "<tool_call>\n{\"name\": \"f\", \"argu|");
    /* a string of arguments passes as it is */
    expect_split(TOOL_SYNTAX_HERMES, "<tool_call>{\"name\": \"f\", \"arguments\": \"{}\"}</tool_call>",
                 "|f({});");
    expect_split(TOOL_SYNTAX_HERMES, "x <tool_ca", "x <tool_ca|");
}

static void llama3(void **state)
{
    (void)state;
    expect_split(TOOL_SYNTAX_LLAMA3, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}",
                 "|get_weather({\"city\":\"Oslo\"});");
    expect_split(TOOL_SYNTAX_LLAMA3, "<|python_tag|>{\"name\": \"f\", \"parameters\": {}}", "|f({});");
    expect_split(TOOL_SYNTAX_LLAMA3, "Hello {not a call}", "Hello {not a call}|");
    expect_split(TOOL_SYNTAX_LLAMA3, "  {\"broken\": ", "  {\"broken\": |");
}

static void mistral(void **state)
{
    (void)state;
    expect_split(TOOL_SYNTAX_MISTRAL,
                 "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"a\": 1}}, {\"name\": \"g\", "
                 "\"arguments\": {}}]",
                 "|f({\"a\":1});g({});");
    expect_split(TOOL_SYNTAX_MISTRAL, "[TOOL_CALLS]f[ARGS]{\"a\": 1}[TOOL_CALLS]g[ARGS]{}",
                 "|f({\"a\":1});g({});");
    expect_split(TOOL_SYNTAX_MISTRAL, "Sure [TOOL_CALLS]garbage", "Sure [TOOL_CALLS]garbage|");
}

/* The one call parsed from text[0..n) (fed whole): its arguments string. */
static json_t *only_call_args(tool_syntax s, const char *text, size_t n)
{
    tool_parser p;
    tool_parser_init(&p, s);
    strbuf content = {0};
    json_t *calls = json_array();
    tool_parser_feed(&p, text, n, &content, calls);
    tool_parser_finish(&p, &content, calls);
    tool_parser_free(&p);
    sb_free(&content);
    assert_int_equal(json_array_size(calls), 1);
    json_t *args = json_object_get(json_object_get(json_array_get(calls, 0), "function"),
                                   "arguments");
    json_incref(args);
    json_decref(calls);
    return args;
}

/* JSON allows \u0000 (RFC 8259 section 7): a call whose arguments hold one
 * is a call, and a NUL byte in arguments is kept whole, not cut there. */
static void nul_in_arguments(void **state)
{
    (void)state;
    expect_split(TOOL_SYNTAX_HERMES,
                 "<tool_call>{\"name\": \"f\", \"arguments\": {\"s\": \"a\\u0000b\"}}</tool_call>",
                 "|f({\"s\":\"a\\u0000b\"});");
    expect_split(TOOL_SYNTAX_MISTRAL, "[TOOL_CALLS]f[ARGS]{\"s\": \"\\u0000\"}",
                 "|f({\"s\":\"\\u0000\"});");
    /* arguments given as a string: its bytes, NUL included */
    static const char str[] = "<tool_call>{\"name\": \"f\", \"arguments\": \"x\\u0000y\"}</tool_call>";
    json_t *args = only_call_args(TOOL_SYNTAX_HERMES, str, sizeof str - 1);
    assert_int_equal(json_string_length(args), 3);
    assert_memory_equal(json_string_value(args), "x\0y", 3);
    json_decref(args);
    /* a raw NUL byte in a Qwen XML value is part of the string */
    static const char xml[] = "<tool_call>\n<function=f>\n<parameter=s>\nu\0v\n</parameter>\n"
                              "</function>\n</tool_call>";
    args = only_call_args(TOOL_SYNTAX_QWEN_XML, xml, sizeof xml - 1);
    assert_string_equal(json_string_value(args), "{\"s\":\"u\\u0000v\"}");
    json_decref(args);
    /* a tojson'd object value holding \u0000 stays an object */
    static const char obj[] = "<tool_call>\n<function=f>\n<parameter=o>\n{\"k\": \"\\u0000\"}\n"
                              "</parameter>\n</function>\n</tool_call>";
    args = only_call_args(TOOL_SYNTAX_QWEN_XML, obj, sizeof obj - 1);
    assert_string_equal(json_string_value(args), "{\"o\":{\"k\":\"\\u0000\"}}");
    json_decref(args);
}

static void detects(void **state)
{
    (void)state;
    assert_int_equal(tool_syntax_detect("{{ '<tool_call>\\n' }}"), TOOL_SYNTAX_HERMES);
    assert_int_equal(tool_syntax_detect("{{ '[TOOL_CALLS]' }}"), TOOL_SYNTAX_MISTRAL);
    assert_int_equal(tool_syntax_detect("<|start_header_id|> \"parameters\": "), TOOL_SYNTAX_LLAMA3);
    assert_int_equal(tool_syntax_detect("<|start_header_id|>"), TOOL_SYNTAX_NONE);
    assert_int_equal(tool_syntax_detect("<|channel|>commentary"), TOOL_SYNTAX_HARMONY);
    assert_int_equal(tool_syntax_detect(NULL), TOOL_SYNTAX_NONE);
}

static bool accepts(const call_grammar *g, const char *text)
{
    call_matcher m;
    cm_init(g, &m);
    return cm_feed_all(g, &m, text, (uint32_t)strlen(text)) && cm_done(&m);
}

static void grammar(void **state)
{
    (void)state;
    const char *names[] = {"get", "get_time"};
    call_grammar *g = call_grammar_new(TOOL_SYNTAX_HERMES, names, 2);
    assert_non_null(g);
    assert_true(accepts(g, "<tool_call>\n{\"name\": \"get\", \"arguments\": {}}\n</tool_call>"));
    assert_true(accepts(g, "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"a\": [1, "
                           "\"x\"]}}\n</tool_call>"));
    assert_false(accepts(g, "<tool_call>\n{\"name\": \"ge\", \"arguments\": {}}\n</tool_call>"));
    assert_false(accepts(g, "<tool_call>\n{\"name\": \"other\", \"arguments\": {}}\n</tool_call>"));
    assert_false(accepts(g, "<tool_call>\n{\"name\": \"get\", \"arguments\": []}\n</tool_call>"));
    call_matcher m;
    cm_init(g, &m);
    /* the shortest completion: prefix + "get" + quote + middle + {} + suffix */
    assert_int_equal(cm_min_close(g, &m), strlen("<tool_call>\n{\"name\": \"get\", \"arguments\": "
                                                 "{}}\n</tool_call>"));
    assert_true(cm_feed_all(g, &m, "<tool_call>\n{\"name\": \"get_", 26));
    assert_int_equal(cm_min_close(g, &m), strlen("time\", \"arguments\": {}}\n</tool_call>"));
    assert_false(cm_feed(g, &m, 'x'));
    call_grammar_free(g);

    const char *one[] = {"f"};
    g = call_grammar_new(TOOL_SYNTAX_LLAMA3, one, 1);
    assert_true(accepts(g, "{\"name\": \"f\", \"parameters\": {\"x\": 1}}"));
    call_grammar_free(g);
    g = call_grammar_new(TOOL_SYNTAX_MISTRAL, one, 1);
    assert_true(accepts(g, "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}]"));
    /* what the grammar produces, the parser reads back as the call */
    char *got = split(TOOL_SYNTAX_MISTRAL, "[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}}]", false);
    assert_string_equal(got, "|f({});");
    free(got);
    call_grammar_free(g);
    assert_null(call_grammar_new(TOOL_SYNTAX_HERMES, one, 0));
}

static void qwen_xml(void **state)
{
    (void)state;
    expect_split(TOOL_SYNTAX_QWEN_XML,
                 "I will look.\n\n<tool_call>\n<function=get_weather>\n<parameter=city>\nNew York\n"
                 "</parameter>\n<parameter=days>\n3\n</parameter>\n<parameter=opts>\n{\"a\": [1]}\n"
                 "</parameter>\n</function>\n</tool_call>\n<tool_call>\n<function=get_time>\n</function>\n"
                 "</tool_call>",
                 "I will look.\n\n|get_weather({\"city\":\"New York\",\"days\":3,\"opts\":{\"a\":[1]}});"
                 "get_time({});");
    /* a value spanning lines stays one string */
    expect_split(TOOL_SYNTAX_QWEN_XML,
                 "<tool_call>\n<function=f>\n<parameter=text>\nline 1\nline 2\n</parameter>\n</function>\n"
                 "</tool_call>",
                 "|f({\"text\":\"line 1\\nline 2\"});");
    expect_split(TOOL_SYNTAX_QWEN_XML, "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
                 "<tool_call>\n{\"name\": \"f\"}\n</tool_call>|");
    assert_int_equal(tool_syntax_detect("'<tool_call>\\n<function=' + name"), TOOL_SYNTAX_QWEN_XML);

    const char *names[] = {"get_weather", "get_time"};
    call_grammar *g = call_grammar_new(TOOL_SYNTAX_QWEN_XML, names, 2);
    const char good[] = "<tool_call>\n<function=get_weather>\n<parameter=city>\nOslo </par\n</parameter>\n"
                        "</function>\n</tool_call>";
    assert_true(accepts(g, good));
    assert_true(accepts(g, "<tool_call>\n<function=get_time>\n</function>\n</tool_call>"));
    assert_false(accepts(g, "<tool_call>\n<function=nope>\n</function>\n</tool_call>"));
    assert_false(accepts(g, "<tool_call>\n<function=get_time>\n<parameter=>\nx\n</parameter>\n"));
    call_matcher m;
    cm_init(g, &m);
    assert_int_equal(cm_min_close(g, &m),
                     strlen("<tool_call>\n<function=get_time>\n</function>\n</tool_call>"));
    assert_true(cm_feed_all(g, &m, good, 57)); /* inside the value */
    assert_int_equal(cm_min_close(g, &m), strlen("\n</parameter>\n</function>\n</tool_call>"));
    char *got = split(TOOL_SYNTAX_QWEN_XML, good, false);
    assert_string_equal(got, "|get_weather({\"city\":\"Oslo </par\"});");
    free(got);
    call_grammar_free(g);
}

static void glm(void **state)
{
    (void)state;
    /* GLM-4.6 writes newlines between the parts, GLM-4.7 none */
    expect_split(TOOL_SYNTAX_GLM,
                 "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n"
                 "<arg_key>days</arg_key>\n<arg_value>2</arg_value>\n</tool_call>\n<tool_call>get_time"
                 "<arg_key>city</arg_key><arg_value>Rome</arg_value></tool_call>",
                 "|get_weather({\"city\":\"Oslo\",\"days\":2});get_time({\"city\":\"Rome\"});");
    expect_split(TOOL_SYNTAX_GLM, "<tool_call>\n</tool_call>", "<tool_call>\n</tool_call>|");
    assert_int_equal(tool_syntax_detect("<tool_call>{function-name}\n<arg_key>"), TOOL_SYNTAX_GLM);
    const char *names[] = {"get_time"};
    call_grammar *g = call_grammar_new(TOOL_SYNTAX_GLM, names, 1);
    const char good[] = "<tool_call>get_time\n<arg_key>city</arg_key>\n<arg_value>Oslo</arg_value>\n"
                        "</tool_call>";
    assert_true(accepts(g, good));
    assert_true(accepts(g, "<tool_call>get_time\n</tool_call>"));
    assert_false(accepts(g, "<tool_call>get_time\n<arg_key>city</arg_key><arg_value>x</arg_value>\n"
                            "</tool_call>"));
    call_matcher m;
    cm_init(g, &m);
    assert_int_equal(cm_min_close(g, &m), strlen("<tool_call>get_time\n</tool_call>"));
    assert_true(cm_feed_all(g, &m, good, (uint32_t)strlen(good)));
    assert_true(cm_done(&m));
    assert_false(cm_feed(g, &m, '\n')); /* nothing may follow */
    char *got = split(TOOL_SYNTAX_GLM, good, false);
    assert_string_equal(got, "|get_time({\"city\":\"Oslo\"});");
    free(got);
    call_grammar_free(g);
}

/* Feeds, a byte at a time, the byte that leaves the fewest bytes to go:
 * the call must end within what cm_min_close promised, each step closer. */
static void closes_within_bound(const call_grammar *g, call_matcher *m)
{
    uint32_t left = cm_min_close(g, m), used = 0;
    while (!cm_done(m)) {
        int best = -1;
        uint32_t best_left = UINT32_MAX;
        for (int c = 1; c < 256; c++) {
            call_matcher t = *m;
            if (cm_feed(g, &t, (uint8_t)c) && cm_min_close(g, &t) < best_left)
                best = c, best_left = cm_min_close(g, &t);
        }
        assert_true(best >= 0);
        assert_true(best_left < left);
        assert_true(cm_feed(g, m, (uint8_t)best));
        left = best_left;
        assert_true(++used < 2000);
    }
    assert_int_equal(left, 0);
}

/* Random walks over the bytes the Gemma 4 call grammar allows, steered by
 * cm_min_close the way the token mask steers tokens (a byte per token),
 * biased to '<' so that strings hold held quote bytes: never stuck, done
 * within budget, and the parser gives back one call whose arguments the
 * check accepts. */
static void gemma4_walks(const call_grammar *g, uint64_t seed, int walks,
                         bool (*valid)(const json_t *args))
{
    uint64_t rng = seed;
    call_matcher m;
    cm_init(g, &m);
    uint32_t least = cm_min_close(g, &m);
    for (int walk = 0; walk < walks; walk++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint32_t budget = least + (uint32_t)(rng % 60);
        char out[256];
        uint32_t n = 0;
        cm_init(g, &m);
        while (!cm_done(&m)) {
            assert_true(n < budget);
            uint8_t ok[256];
            int k = 0;
            for (int c = 1; c < 256; c++) {
                call_matcher t = m;
                if (cm_feed(g, &t, (uint8_t)c) && cm_min_close(g, &t) <= budget - n - 1)
                    ok[k++] = (uint8_t)c;
            }
            if (k == 0)
                fail_msg("walk %d stuck after %.*s", walk, (int)n, out);
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            uint8_t c = ok[rng % (uint64_t)k];
            for (int i = 0; i < k && rng % 3 == 0; i++)
                if (ok[i] == '<')
                    c = '<';
            assert_true(cm_feed(g, &m, c));
            out[n++] = (char)c;
        }
        out[n] = 0;
        json_t *text = only_call_args(TOOL_SYNTAX_GEMMA4, out, n);
        json_t *args = json_loadb(json_string_value(text), json_string_length(text), JSON_ALLOW_NUL, NULL);
        json_decref(text);
        if (!json_is_object(args) || !valid(args))
            fail_msg("walk %d: %s is not one valid call", walk, out);
        json_decref(args);
    }
}

static bool any_object(const json_t *args) { return json_is_object(args); }

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* {city: string of at most 3 characters (required), unit: "c" or "f", n: integer >= 1} */
static bool forecast_args(const json_t *args)
{
    const json_t *city = json_object_get(args, "city"), *unit = json_object_get(args, "unit"),
                 *n = json_object_get(args, "n");
    const char *u = json_string_value(unit);
    size_t known = 1 + (unit != NULL) + (n != NULL);
    return json_is_string(city) && utf8_chars(json_string_value(city)) <= 3 &&
           strlen(json_string_value(city)) == json_string_length(city) &&
           (!unit || (u && (strcmp(u, "c") == 0 || strcmp(u, "f") == 0))) &&
           (!n || (json_is_integer(n) && json_integer_value(n) >= 1)) && json_object_size(args) == known;
}

/* Gemma 4's notation (tests/data/chat_templates/gemma4.jinja format_argument):
 * the grammar accepts what the template writes and the parser reads back. */
static void gemma4_grammar(void **state)
{
    (void)state;
    const char *names[] = {"get_weather", "get_time"};
    call_grammar *g = call_grammar_new(TOOL_SYNTAX_GEMMA4, names, 2);
    assert_non_null(g);
    const char good[] = "<|tool_call>call:get_weather{city:<|\"|>Oslo <b> \"x\" \\ <|<|\"|>,days:3,"
                        "opts:{deep:[1,-2.5e3,true,null,<|\"|>a\nb<|\"|>,{}],e:[]}}<tool_call|>";
    assert_true(accepts(g, good));
    char *got = split(TOOL_SYNTAX_GEMMA4, good, false);
    assert_string_equal(got, "|get_weather({\"city\":\"Oslo <b> \\\"x\\\" \\\\ <|\",\"days\":3,"
                             "\"opts\":{\"deep\":[1,-2500.0,true,null,\"a\\nb\",{}],\"e\":[]}});");
    free(got);
    assert_true(accepts(g, "<|tool_call>call:get_time{}<tool_call|>"));
    assert_true(accepts(g, "<|tool_call>call:get_time{a-b_1:<|\"|><|\"|>}<tool_call|>"));
    const char *bad[] = {
        "<|tool_call>call:get_tim{}<tool_call|>",          /* not a tool */
        "<|tool_call>call:get_time{city:Oslo}<tool_call|>", /* a bare string */
        "<|tool_call>call:get_time{\"city\":1}<tool_call|>", /* JSON quotes */
        "<|tool_call>call:get_time{city: 1}<tool_call|>",  /* whitespace */
        "<|tool_call>call:get_time{<|\"|>city<|\"|>:1}<tool_call|>", /* a quoted key */
        "<|tool_call>call:get_time{a:1,}<tool_call|>",
        "<|tool_call>call:get_time{:1}<tool_call|>",
        "<|tool_call>call:get_time{a:[1,]}<tool_call|>",
        "<|tool_call>call:get_time{a:<|\"|>x<|\"|}<tool_call|>",
        "<|tool_call>call:get_time{a:1}",                  /* not closed */
        "<|tool_call>call:get_time{a:1}<tool_call|>x",
        "<|tool_call>call:get_time[]<tool_call|>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(accepts(g, bad[i]));

    call_matcher m;
    cm_init(g, &m);
    /* the shortest name with {}, the suffix */
    assert_int_equal(cm_min_close(g, &m), strlen("<|tool_call>call:get_time{}<tool_call|>"));
    assert_true(cm_feed_all(g, &m, "<|tool_call>call:get_time{a:<", 29));
    assert_int_equal(cm_min_close(g, &m), strlen("|\"|><|\"|>}<tool_call|>"));
    cm_init(g, &m);
    closes_within_bound(g, &m);
    const char *heads[] = {"<|tool_call>call:get_weather{city:<|\"|>Os<|\"",
                           "<|tool_call>call:get_weather{ci", "<|tool_call>call:get_weather{a:[1,{b:<|"};
    for (size_t i = 0; i < sizeof heads / sizeof *heads; i++) {
        cm_init(g, &m);
        assert_true(cm_feed_all(g, &m, heads[i], (uint32_t)strlen(heads[i])));
        closes_within_bound(g, &m);
    }
    gemma4_walks(g, 88172645463325252ull, 200, any_object);
    call_grammar_free(g);

    /* a strict tool: the schema constrains the same arguments */
    const char *one[] = {"f"};
    g = call_grammar_new(TOOL_SYNTAX_GEMMA4, one, 1);
    json_t *schema = json_loads("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\","
                                "\"maxLength\":3},\"unit\":{\"enum\":[\"c\",\"f\"]},\"n\":{\"type\":"
                                "\"integer\",\"minimum\":1}},\"required\":[\"city\"],"
                                "\"additionalProperties\":false}",
                                0, NULL);
    char msg[300];
    assert_true(gemma4_schema_keys_ok(schema, msg, sizeof msg));
    g->schemas[0] = call_schema_new(g, schema, msg, sizeof msg);
    assert_non_null(g->schemas[0]);
    cm_init(g, &m);
    /* city is the one required property: its empty string, quoted as Gemma quotes;
     * the key counted as JSON writes it */
    assert_int_equal(cm_min_close(g, &m), strlen("<|tool_call>call:f{\"city\":<|\"|><|\"|>}<tool_call|>"));
    assert_true(accepts(g, "<|tool_call>call:f{city:<|\"|>Osl<|\"|>,unit:<|\"|>c<|\"|>,n:4}<tool_call|>"));
    assert_true(accepts(g, "<|tool_call>call:f{city:<|\"|><b<|\"|>}<tool_call|>"));
    assert_true(accepts(g, "<|tool_call>call:f{city:<|\"|><|\"<|\"|>}<tool_call|>"));
    assert_false(accepts(g, "<|tool_call>call:f{city:<|\"|><|\"|<|\"|>}<tool_call|>")); /* 4 characters */
    assert_false(accepts(g, "<|tool_call>call:f{city:<|\"|>Oslo<|\"|>}<tool_call|>"));
    assert_false(accepts(g, "<|tool_call>call:f{unit:<|\"|>c<|\"|>}<tool_call|>")); /* city is required */
    assert_false(accepts(g, "<|tool_call>call:f{city:<|\"|>a<|\"|>,unit:<|\"|>k<|\"|>}<tool_call|>"));
    assert_false(accepts(g, "<|tool_call>call:f{city:<|\"|>a<|\"|>,n:0}<tool_call|>"));
    assert_false(accepts(g, "<|tool_call>call:f{city:<|\"|>a<|\"|>,x:1}<tool_call|>"));
    got = split(TOOL_SYNTAX_GEMMA4, "<|tool_call>call:f{city:<|\"|><b<|\"|>,n:12}<tool_call|>", true);
    assert_string_equal(got, "|f({\"city\":\"<b\",\"n\":12});");
    free(got);
    cm_init(g, &m);
    closes_within_bound(g, &m);
    cm_init(g, &m);
    assert_true(cm_feed_all(g, &m, "<|tool_call>call:f{city:<|\"|>ab<", 32));
    closes_within_bound(g, &m);
    gemma4_walks(g, 1234567ull, 300, forecast_args);
    call_grammar_free(g);
    json_decref(schema);

    /* keys a bare key cannot write are refused by name */
    schema = json_loads("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":"
                        "{\"type\":\"object\",\"properties\":{\"x:y\":{}}}}}}",
                        0, NULL);
    assert_false(gemma4_schema_keys_ok(schema, msg, sizeof msg));
    assert_non_null(strstr(msg, "property 'x:y'"));
    json_decref(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hermes), cmocka_unit_test(llama3), cmocka_unit_test(mistral),
        cmocka_unit_test(detects), cmocka_unit_test(grammar),  cmocka_unit_test(qwen_xml),
        cmocka_unit_test(glm), cmocka_unit_test(nul_in_arguments), cmocka_unit_test(gemma4_grammar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
