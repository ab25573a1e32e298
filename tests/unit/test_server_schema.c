/* response_format json_schema: the schema compiles to a grammar whose
 * matcher accepts exactly the compact JSON texts that validate (properties
 * in the schema's order), refuses unsupported keywords by name, and whose
 * closing cost lets generation finish within budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "server/call_matcher.h"
#include "server/schema_matcher.h"

static const char *const g_person =
    "{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\"},"
    "\"age\":{\"type\":\"integer\"},"
    "\"nick\":{\"type\":[\"string\",\"null\"]},"
    "\"role\":{\"enum\":[\"admin\",\"user\",7,true,null]},"
    "\"score\":{\"type\":\"number\",\"description\":\"any\"},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,\"maxItems\":2},"
    "\"ok\":{\"type\":\"boolean\"},"
    "\"pos\":{\"type\":\"object\",\"properties\":{\"x\":{\"const\":1},\"y\":{\"anyOf\":[{\"type\":\"number\"},{\"type\":\"object\",\"properties\":{}}]}},"
    "\"required\":[\"x\",\"y\"],\"additionalProperties\":false}},"
    "\"required\":[\"name\",\"age\",\"tags\"],\"additionalProperties\":false}";

static schema_grammar *compile(const char *text, char *err, size_t errlen)
{
    json_error_t je;
    json_t *s = json_loads(text, JSON_PRESERVE_ORDER, &je);
    if (!s)
        fail_msg("bad test schema %s: %s", text, je.text);
    schema_grammar *g = schema_grammar_new(s, err, errlen);
    json_decref(s);
    return g;
}

static bool accepts(const schema_grammar *g, const char *s)
{
    schema_matcher m;
    sm_init(&m);
    return sm_feed_all(g, &m, s, strlen(s)) && sm_done(&m);
}

static void person_instances(void **state)
{
    (void)state;
    char err[400];
    schema_grammar *g = compile(g_person, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    static const char *const ok[] = {
        "{\"name\":\"a\",\"age\":3,\"tags\":[\"x\"]}",
        "{\"name\":\"\",\"age\":-30,\"nick\":null,\"role\":7,\"score\":1.5e3,\"tags\":[\"x\",\"\\u00e9\"],\"ok\":false,"
        "\"pos\":{\"x\":1,\"y\":{}}}",
        "{\"name\":\"a\",\"age\":0,\"role\":\"admin\",\"tags\":[\"\"],\"pos\":{\"x\":1,\"y\":-0.5}}",
        "{\"name\":\"a\",\"age\":1,\"nick\":\"n\",\"role\":null,\"tags\":[\"\"],\"ok\":true}",
        "{\"name\":\"a\",\"age\":1,\"role\":true,\"tags\":[\"\"]}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (!accepts(g, ok[i]))
            fail_msg("refused valid %s", ok[i]);
    static const char *const bad[] = {
        "{}", "{\"name\":\"a\"}", "{\"name\":\"a\",\"age\":3}",     /* required left out */
        "{\"name\":\"a\",\"age\":3,\"tags\":[]}",                   /* minItems */
        "{\"name\":\"a\",\"age\":3,\"tags\":[\"a\",\"b\",\"c\"]}",  /* maxItems */
        "{\"name\":\"a\",\"age\":3.5,\"tags\":[\"x\"]}",            /* integer */
        "{\"name\":\"a\",\"age\":1e2,\"tags\":[\"x\"]}",
        "{\"name\":1,\"age\":3,\"tags\":[\"x\"]}",                  /* type */
        "{\"age\":3,\"name\":\"a\",\"tags\":[\"x\"]}",              /* order */
        "{\"name\":\"a\",\"age\":3,\"tags\":[\"x\"],\"zz\":1}",     /* additional */
        "{\"name\":\"a\",\"age\":3,\"role\":\"adm\",\"tags\":[\"x\"]}", /* enum */
        "{\"name\":\"a\",\"age\":3,\"role\":77,\"tags\":[\"x\"]}",
        "{\"name\":\"a\",\"age\":3,\"tags\":[\"x\"],\"pos\":{\"x\":2,\"y\":1}}", /* const */
        "{\"name\":\"a\",\"age\":3,\"tags\":[\"x\"],\"pos\":{\"x\":1}}",
        "{\"name\":\"a\",\"age\":3,\"tags\":[\"x\"],\"ok\":1}",
        "{\"name\": \"a\",\"age\":3,\"tags\":[\"x\"]}", /* compact: no whitespace */
        "{\"name\":\"a\",\"age\":3,\"tags\":[\"x\"]}}",
        "[\"name\"]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (accepts(g, bad[i]))
            fail_msg("accepted invalid %s", bad[i]);
    schema_grammar_free(g);
}

static void unsupported_is_named(void **state)
{
    (void)state;
    static const struct {
        const char *schema, *named;
    } cases[] = {
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"x\"}}}",
         "schema.properties.a: keyword 'pattern'"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\",\"minimum\":0}}}",
         "keyword 'minimum' is not supported for this type"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":5,\"maximum\":4}}}",
         "no integer of at most 15 digits"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"exclusiveMinimum\":true}}}",
         "'exclusiveMinimum' must be a number"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"format\":\"date\"}}}",
         "schema.properties.a: keyword 'format'"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"minLength\":3,\"maxLength\":2}}}",
         "'minLength' is above 'maxLength'"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":[\"string\",\"null\"],\"minimum\":1}}}",
         "keyword 'minimum' is not supported"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/x\"}}}",
         "'$ref' #/$defs/x is not defined"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"http://x/s.json\"}}}",
         "only \"#/$defs/NAME\""},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/n\",\"minimum\":1}},"
         "\"$defs\":{\"n\":{\"type\":\"integer\"}}}",
         "'minimum' beside '$ref'"},
        {"{\"type\":\"object\",\"properties\":{\"t\":{\"$ref\":\"#/$defs/tree\"}},\"$defs\":{\"tree\":"
         "{\"type\":\"object\",\"properties\":{\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/tree\"}}}}}}",
         "schema.$defs.tree.properties.kids.items: recursive '$ref' #/$defs/tree"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/b\"}},\"$defs\":{\"b\":"
         "{\"type\":\"string\",\"pattern\":\"x\"}}}",
         "schema.$defs.b: keyword 'pattern'"},
        {"{\"type\":\"object\",\"additionalProperties\":true}", "'additionalProperties'"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"anyOf\":[{\"type\":\"string\"},{\"enum\":[\"x\"]}]}}}",
         "can both start with '\"'"},
        {"{\"type\":\"array\",\"items\":{\"type\":\"string\"}}", "the root must be an object"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{}}}", "(any value) is not supported"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\"}}}", "needs 'items'"},
        {"{\"type\":\"object\",\"required\":[\"b\"]}", "'b' is not in 'properties'"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"enum\":[1]}}}",
         "not of type 'string'"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"items\":{}}}}",
         "keyword 'items' is not supported for this type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[400] = "";
        schema_grammar *g = compile(cases[i].schema, err, sizeof err);
        if (g)
            fail_msg("accepted %s", cases[i].schema);
        if (!strstr(err, cases[i].named))
            fail_msg("%s: message '%s' does not name %s", cases[i].schema, err, cases[i].named);
    }
}


/* Bounds, lengths and $ref (pydantic writes $defs, zod-to-json-schema
 * definitions): accepted exactly when ajv would accept the value, except
 * that a length-bounded string is not written with \u escapes. */
static const char *const g_bounded =
    "{\"type\":\"object\",\"properties\":{"
    "\"n\":{\"type\":\"integer\",\"minimum\":37,\"maximum\":4100},"
    "\"m\":{\"type\":\"integer\",\"minimum\":-1000,\"exclusiveMaximum\":-3},"
    "\"h\":{\"type\":\"integer\",\"exclusiveMinimum\":0.5,\"maximum\":2.5},"
    "\"s\":{\"type\":\"string\",\"minLength\":3,\"maxLength\":5},"
    "\"o\":{\"type\":[\"string\",\"null\"],\"maxLength\":1},"
    "\"p\":{\"$ref\":\"#/$defs/Point\",\"description\":\"where\"},"
    "\"q\":{\"$ref\":\"#/definitions/a~1b\"},"
    "\"e\":{\"enum\":[\"x\",2,false,null,1.5]}},"
    "\"required\":[\"n\",\"m\",\"h\",\"s\",\"o\",\"p\",\"q\",\"e\"],\"additionalProperties\":false,"
    "\"$defs\":{\"Point\":{\"type\":\"object\",\"title\":\"Point\",\"properties\":"
    "{\"x\":{\"$ref\":\"#/$defs/Coord\"},\"y\":{\"$ref\":\"#/$defs/Coord\"}},\"required\":[\"x\",\"y\"]},"
    "\"Coord\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":9}},"
    "\"definitions\":{\"a/b\":{\"type\":\"array\",\"items\":{\"type\":\"boolean\"},\"maxItems\":1}}}";

static void bounded_instances(void **state)
{
    (void)state;
    char err[400];
    schema_grammar *g = compile(g_bounded, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    const char *head = "{\"n\":", *tail = ",\"e\":null}";
    static const struct {
        const char *mid;
        bool ok;
    } cases[] = {
        {"37,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", true},
        {"4100,\"m\":-1000,\"h\":2,\"s\":\"\\u00e9\\\\\\n\\\"\\t\",\"o\":\"\\u00e9\",\"p\":{\"x\":5,\"y\":5},\"q\":[true]", false},
        {"4100,\"m\":-1000,\"h\":2,\"s\":\"\xc3\xa9\\\\\\n\\\"\\t\",\"o\":\"\xc3\xa9\",\"p\":{\"x\":5,\"y\":5},\"q\":[true]", true},
        {"999,\"m\":-999,\"h\":2,\"s\":\"abcde\",\"o\":\"\",\"p\":{\"x\":1,\"y\":2},\"q\":[false]", true},
        {"36,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"4101,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-3,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-1001,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-4,\"h\":0,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-4,\"h\":3,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-4,\"h\":1,\"s\":\"ab\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-4,\"h\":1,\"s\":\"abcdef\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":\"ab\",\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":10,\"y\":9},\"q\":[]", false},
        {"370,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0},\"q\":[]", false},
        {"370,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[true,false]", false},
        {"0370,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[]", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[400];
        snprintf(text, sizeof text, "%s%s%s", head, cases[i].mid, tail);
        if (accepts(g, text) != cases[i].ok)
            fail_msg("case %zu %s: %s", i, cases[i].ok ? "refused" : "accepted", text);
    }
    for (const char *e = "x\0" "2\0" "false\0" "1.5\0"; *e; e += strlen(e) + 1) {
        char text[400];
        snprintf(text, sizeof text, "%s%s\"e\":%s%s}", head,
                 "37,\"m\":-4,\"h\":1,\"s\":\"abc\",\"o\":null,\"p\":{\"x\":0,\"y\":9},\"q\":[],",
                 strcmp(e, "x") == 0 ? "\"x\"" : e, "");
        if (!accepts(g, text))
            fail_msg("mixed enum value refused: %s", text);
    }
    /* prefixes that cannot reach the bounds are refused at once */
    schema_matcher m;
    sm_init(&m);
    assert_true(sm_feed_all(g, &m, "{\"n\":", 5));
    schema_matcher t = m;
    assert_false(sm_feed_all(g, &t, "-", 1));
    t = m;
    assert_false(sm_feed_all(g, &t, "0", 1));
    t = m;
    assert_true(sm_feed_all(g, &t, "4", 1));
    assert_int_equal(sm_min_close(g, &t), 1 + strlen(",\"m\":-4,\"h\":1,\"s\":\"aaa\",\"o\":\"\",\"p\":{\"x\":0,\"y\":0},\"q\":[],\"e\":2}"));
    assert_true(sm_feed_all(g, &t, "11", 2)); /* 411 */
    schema_matcher u = t;
    assert_false(sm_feed_all(g, &u, "1", 1)); /* 4111 > 4100 */
    assert_true(sm_feed_all(g, &t, ",", 1));  /* 411 ends */
    schema_grammar_free(g);
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* One random walk over the bytes the matcher allows, steered by the
 * closing cost the way the token mask steers tokens (a byte per token):
 * never stuck, done within budget (< 512). Returns the bytes written to out,
 * NUL-terminated. */
static uint32_t random_walk(const schema_grammar *g, uint64_t *rng, uint32_t budget, char *out,
                            int walk)
{
    uint32_t n = 0;
    schema_matcher m;
    sm_init(&m);
    while (!sm_done(&m)) {
        assert_true(n < budget && n < 511);
        uint8_t ok[256];
        int k = 0;
        for (int c = 0; c < 256; c++) {
            schema_matcher t = m;
            if (sm_feed(g, &t, (uint8_t)c) && sm_min_close(g, &t) <= budget - n - 1)
                ok[k++] = (uint8_t)c;
        }
        if (k == 0)
            fail_msg("walk %d stuck after %.*s", walk, (int)n, out);
        *rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
        uint8_t c = ok[*rng % (uint64_t)k];
        assert_true(sm_feed(g, &m, c));
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n;
}

/* Random walks over the bounded schema with tight budgets: never stuck,
 * always within budget, every value within its bounds. */
static void bounded_walks_validate(void **state)
{
    (void)state;
    char err[400];
    schema_grammar *g = compile(g_bounded, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    uint64_t rng = 1234567ull;
    uint32_t least = sm_min_close(g, &(schema_matcher){0});
    for (int walk = 0; walk < 400; walk++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint32_t budget = least + (uint32_t)(rng % 24);
        char out[512];
        uint32_t n = random_walk(g, &rng, budget, out, walk);
        json_error_t e;
        json_t *v = json_loadb(out, n, 0, &e);
        if (!json_is_object(v))
            fail_msg("walk %d: %s does not parse: %s", walk, out, e.text);
        json_int_t nn = json_integer_value(json_object_get(v, "n"));
        json_int_t mm = json_integer_value(json_object_get(v, "m"));
        json_int_t hh = json_integer_value(json_object_get(v, "h"));
        json_t *p = json_object_get(v, "p"), *o = json_object_get(v, "o");
        const char *s = json_string_value(json_object_get(v, "s"));
        json_int_t x = json_integer_value(json_object_get(p, "x"));
        if (nn < 37 || nn > 4100 || mm < -1000 || mm >= -3 || hh < 1 || hh > 2 || !s ||
            utf8_chars(s) < 3 || utf8_chars(s) > 5 ||
            !(json_is_null(o) || (json_is_string(o) && utf8_chars(json_string_value(o)) <= 1)) ||
            x < 0 || x > 9 || json_array_size(json_object_get(v, "q")) > 1)
            fail_msg("walk %d: %s does not validate", walk, out);
        json_decref(v);
    }
    schema_grammar_free(g);
}

/* $ref compiles definitions in place, so a chain of definitions each
 * used three times triples at every step: past the node limit it is refused,
 * never written out of bounds. */
static void ref_blowup_is_refused(void **state)
{
    (void)state;
    char text[4096];
    int n = snprintf(text, sizeof text, "{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/$defs/d0\"}},\"$defs\":{");
    for (int i = 0; i < 11; i++)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "\"d%d\":{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"#/$defs/d%d\"},"
                      "\"y\":{\"$ref\":\"#/$defs/d%d\"},\"z\":{\"$ref\":\"#/$defs/d%d\"}}},",
                      i, i + 1, i + 1, i + 1);
    snprintf(text + n, sizeof text - (size_t)n, "\"d11\":{\"type\":\"number\"}}}");
    char err[400] = "";
    schema_grammar *g = compile(text, err, sizeof err);
    if (g)
        fail_msg("accepted a schema of 3^11 values");
    if (!strstr(err, "the schema is too large"))
        fail_msg("message '%s'", err);
}

/* Appending the cheapest completion takes exactly sm_min_close bytes. */
static void closing_cost_is_exact(void **state)
{
    (void)state;
    char err[400];
    schema_grammar *g = compile(g_person, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    static const struct {
        const char *prefix, *close;
    } cases[] = {
        {"", "{\"name\":\"\",\"age\":0,\"tags\":[\"\"]}"},
        {"{", "\"name\":\"\",\"age\":0,\"tags\":[\"\"]}"},
        {"{\"na", "me\":\"\",\"age\":0,\"tags\":[\"\"]}"},
        {"{\"name\":", "\"\",\"age\":0,\"tags\":[\"\"]}"},
        {"{\"name\":\"ab", "\",\"age\":0,\"tags\":[\"\"]}"},
        {"{\"name\":\"\",\"age\":-", "0,\"tags\":[\"\"]}"},
        {"{\"name\":\"\",\"age\":12", ",\"tags\":[\"\"]}"},
        {"{\"name\":\"\",\"age\":1,\"role\":\"ad", "min\",\"tags\":[\"\"]}"},
        {"{\"name\":\"\",\"age\":1,\"tags\":[", "\"\"]}"},
        {"{\"name\":\"\",\"age\":1,\"tags\":[\"\"", "]}"},
        {"{\"name\":\"\",\"age\":1,\"tags\":[\"\",", "\"\"]}"},
        {"{\"name\":\"\",\"age\":1,\"tags\":[\"\"],", "\"ok\":true}"},
        {"{\"name\":\"\",\"age\":1,\"tags\":[\"\"],\"pos\":{", "\"x\":1,\"y\":0}}"},
        {"{\"name\":\"\",\"age\":1,\"tags\":[\"\"],\"pos\":{\"x\":1,\"y\":{", "}}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        schema_matcher m;
        sm_init(&m);
        if (!sm_feed_all(g, &m, cases[i].prefix, strlen(cases[i].prefix)))
            fail_msg("refused prefix %s", cases[i].prefix);
        if (sm_min_close(g, &m) != strlen(cases[i].close))
            fail_msg("%s: cost %u, the shortest close %s has %zu", cases[i].prefix,
                     sm_min_close(g, &m), cases[i].close, strlen(cases[i].close));
        assert_true(sm_feed_all(g, &m, cases[i].close, strlen(cases[i].close)));
        if (!sm_done(&m))
            fail_msg("%s%s is not whole", cases[i].prefix, cases[i].close);
    }
    schema_grammar_free(g);
}

/* Random walks (random_walk) always end within budget in a text that
 * jansson parses, with the required keys and the array bounds. */
static void random_walks_validate(void **state)
{
    (void)state;
    char err[400];
    schema_grammar *g = compile(g_person, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    uint64_t rng = 88172645463325252ull;
    uint32_t least = sm_min_close(g, &(schema_matcher){0});
    for (int walk = 0; walk < 300; walk++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint32_t budget = least + (uint32_t)(rng % 150);
        char out[512];
        uint32_t n = random_walk(g, &rng, budget, out, walk);
        json_error_t e;
        json_t *v = json_loadb(out, n, 0, &e);
        if (!json_is_object(v))
            fail_msg("walk %d: %.*s does not parse: %s", walk, (int)n, out, e.text);
        json_t *tags = json_object_get(v, "tags");
        if (!json_is_string(json_object_get(v, "name")) ||
            !json_is_integer(json_object_get(v, "age")) || !json_is_array(tags) ||
            json_array_size(tags) < 1 || json_array_size(tags) > 2)
            fail_msg("walk %d: %.*s does not validate", walk, (int)n, out);
        json_decref(v);
    }
    schema_grammar_free(g);
}

/* A strict tool's call: its arguments follow its schema, the other tool's
 * any JSON object; the closing cost counts the schema's shortest text. */
static void strict_call_follows_schema(void **state)
{
    (void)state;
    const char *names[] = {"f", "g"};
    call_grammar *g = call_grammar_new(TOOL_SYNTAX_HERMES, names, 2);
    char err[400];
    g->schemas[0] = compile("{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}},"
                            "\"required\":[\"n\"],\"additionalProperties\":false}",
                            err, sizeof err);
    assert_non_null(g->schemas[0]);
    static const struct {
        const char *text;
        bool ok;
    } cases[] = {
        {"<tool_call>\n{\"name\": \"f\", \"arguments\": {\"n\":12}}\n</tool_call>", true},
        {"<tool_call>\n{\"name\": \"f\", \"arguments\": {\"n\":\"x\"}}\n</tool_call>", false},
        {"<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>", false},
        {"<tool_call>\n{\"name\": \"g\", \"arguments\": {\"n\": \"x\"}}\n</tool_call>", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        call_matcher m;
        cm_init(g, &m);
        bool ok = cm_feed_all(g, &m, cases[i].text, (uint32_t)strlen(cases[i].text)) && cm_done(&m);
        if (ok != cases[i].ok)
            fail_msg("%s: %s", cases[i].text, ok ? "accepted" : "refused");
    }
    /* after the name f: the shortest rest is {"n":0} and the frame's end */
    call_matcher m;
    cm_init(g, &m);
    const char *head = "<tool_call>\n{\"name\": \"f\", \"arguments\": ";
    assert_true(cm_feed_all(g, &m, head, (uint32_t)strlen(head)));
    assert_int_equal(cm_min_close(g, &m), strlen("{\"n\":0}}\n</tool_call>"));
    call_grammar_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(person_instances),
        cmocka_unit_test(unsupported_is_named),
        cmocka_unit_test(bounded_instances),
        cmocka_unit_test(bounded_walks_validate),
        cmocka_unit_test(ref_blowup_is_refused),
        cmocka_unit_test(closing_cost_is_exact),
        cmocka_unit_test(random_walks_validate),
        cmocka_unit_test(strict_call_follows_schema),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
