/* Constrained JSON output: the byte-level matcher accepts exactly the JSON
 * objects (RFC 8259), bounds nesting, and its closing cost lets generation
 * finish in budget; the token mask keeps only tokens that fit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "server/json_matcher.h"
#include "server/token_mask.h"
#include "tok_support.h"

static bool accepts(const char *s)
{
    json_matcher m;
    jm_init(&m);
    return jm_feed_all(&m, s, strlen(s)) && jm_done(&m);
}

static void valid_objects(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}", "{ }", "{\"a\":1}", "{\"a\" : -0.5e+10 , \"b\":[true,false,null]}",
        "{\"s\":\"x\\\"y\\\\ \\u00e9\\n\"}", "{\"n\":{\"m\":[[],{}]}}", "{\"k\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf\"}",
        "{\"a\":0,\"b\":10,\"c\":1.25E3}", "{\"a\":-123456789012345.123456789012345e-99}", "{\"a\":[1 , 2]}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (!accepts(ok[i]))
            fail_msg("refused valid %s", ok[i]);
}

static void invalid_strings(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[]",        " {}",        "1",           "\"s\"",       "{,}",        "{\"a\"}",
        "{\"a\":}",  "{\"a\":1,}", "{a:1}",       "{\"a\":01}",  "{\"a\":1.}", "{\"a\":.5}",
        "{\"a\":-}", "{\"a\":1e}", "{\"a\":tru}", "{\"a\":[1,]}", "{\"a\":[}",  "{\"a\":\"\\x\"}",
        "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\xc3\"}", "{}}", "{} ", "{\"a\":\"\\u12g4\"}",
        "{\"a\":NaN}", "{\"a\":1234567890123456}", "{\"a\":1.1234567890123456}",
        "{\"a\":1e123}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xe0\x80\xaf\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":[1}", "{\"a\":{]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (accepts(bad[i]))
            fail_msg("accepted invalid %s", bad[i]);
}

static void nesting_is_bounded(void **state)
{
    (void)state;
    char buf[JM_MAX_DEPTH * 8 + 16];
    size_t n = 0;
    n += (size_t)sprintf(buf, "{\"a\":");
    for (int d = 1; d < JM_MAX_DEPTH; d++)
        buf[n++] = '[';
    json_matcher m;
    jm_init(&m);
    assert_true(jm_feed_all(&m, buf, n));
    assert_int_equal(m.depth, JM_MAX_DEPTH);
    assert_false(jm_feed(&m, '[')); /* one deeper is refused, never grown */
    assert_false(jm_feed(&m, '{'));
    assert_true(jm_feed(&m, '1'));
}

/* Appending the cheapest completion takes exactly jm_min_close bytes. */
static void closing_cost_is_exact(void **state)
{
    (void)state;
    static const struct {
        const char *prefix, *close;
    } cases[] = {
        {"", "{}"},           {"{", "}"},          {"{\"k", "\":0}"},   {"{\"k\"", ":0}"},
        {"{\"k\":", "0}"},    {"{\"k\":[", "]}"},  {"{\"k\":\"ab", "\"}"}, {"{\"k\":\"\\", "n\"}"},
        {"{\"k\":\"\\u1", "000\"}"}, {"{\"k\":-", "0}"}, {"{\"k\":1", "}"}, {"{\"k\":tr", "ue}"},
        {"{\"k\":1,", "\"\":0}"}, {"{\"k\":[1,", "0]}"}, {"{\"k\":\"\xe2", "\x82\xac\"}"},
        {"{\"k\":1e", "0}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_matcher m;
        jm_init(&m);
        assert_true(jm_feed_all(&m, cases[i].prefix, strlen(cases[i].prefix)));
        assert_int_equal(jm_min_close(&m), strlen(cases[i].close));
        assert_true(jm_feed_all(&m, cases[i].close, strlen(cases[i].close)));
        if (!jm_done(&m))
            fail_msg("%s%s is not a whole object", cases[i].prefix, cases[i].close);
    }
}

/* A random walk over the bytes the matcher allows, steered by the closing
 * cost the way the mask steers tokens: it always ends in a whole object,
 * within its byte budget, that jansson parses. */
static void random_walks_parse(void **state)
{
    (void)state;
    uint64_t rng = 88172645463325252ull;
    for (int walk = 0; walk < 300; walk++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uint32_t budget = 2 + (uint32_t)(rng % 120);
        char out[128];
        uint32_t n = 0;
        json_matcher m;
        jm_init(&m);
        while (!jm_done(&m)) {
            assert_true(n < budget);
            uint8_t ok[256];
            int k = 0;
            for (int c = 0; c < 256; c++) {
                json_matcher t = m;
                if (jm_feed(&t, (uint8_t)c) && jm_min_close(&t) <= budget - n - 1)
                    ok[k++] = (uint8_t)c;
            }
            assert_true(k > 0);
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            uint8_t c = ok[rng % (uint64_t)k];
            assert_true(jm_feed(&m, c));
            out[n++] = (char)c;
        }
        json_error_t e;
        json_t *v = json_loadb(out, n, 0, &e);
        if (!json_is_object(v))
            fail_msg("walk %d: %.*s does not parse: %s", walk, (int)n, out, e.text);
        json_decref(v);
    }
}

static const char *const g_tokens[] = {"{", "}", "\"", ":", "0", "{\"a\":", "hello", " ", "</s>"};

static void mask_keeps_tokens_that_fit(void **state)
{
    (void)state;
    static const int32_t types[] = {1, 1, 1, 1, 1, 1, 1, 1, 3};
    static const float scores[9] = {0};
    tok_spec s = {.model = "llama", .tokens = g_tokens, .n_tokens = 9, .scores = scores,
                  .types = types, .bos = -1, .eos = 8, .add_bos = -1};
    char err[256];
    ie_vocab *v = tok_load(&s, NULL, err, sizeof err);
    if (!v)
        fail_msg("load: %s", err);
    token_pieces *p = token_pieces_new(v);
    json_matcher m;
    jm_init(&m);
    float l[9];
    for (int i = 0; i < 9; i++)
        l[i] = 1;
    /* At the start only '{' and '{"a":' begin an object; with a budget of 5
     * more tokens '{"a":' still closes ("0}"), the end token never fits. */
    assert_int_equal(token_mask_json(p, &m, 5, l), 2);
    assert_true(l[0] == 1 && l[5] == 1 && isinf(l[8]) && isinf(l[6]) && isinf(l[7]));
    for (int i = 0; i < 9; i++)
        l[i] = 1;
    /* With one token left after it, '{"a":' (cost 2) does not fit, '{' does. */
    assert_int_equal(token_mask_json(p, &m, 1, l), 1);
    assert_true(l[0] == 1 && isinf(l[5]));
    for (int i = 0; i < 9; i++)
        l[i] = 1;
    assert_true(jm_feed_all(&m, "{", 1));
    /* Inside the object: '}' closes, '"' opens a key, ' ' is whitespace. */
    assert_int_equal(token_mask_json(p, &m, 0, l), 1);
    assert_true(l[1] == 1);
    for (int i = 0; i < 9; i++)
        l[i] = 1;
    assert_int_equal(token_mask_json(p, &m, 10, l), 3);
    assert_true(l[1] == 1 && l[2] == 1 && l[7] == 1);
    token_pieces_free(p);
    ie_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_objects),
        cmocka_unit_test(invalid_strings),
        cmocka_unit_test(nesting_is_bounded),
        cmocka_unit_test(closing_cost_is_exact),
        cmocka_unit_test(random_walks_parse),
        cmocka_unit_test(mask_keeps_tokens_that_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
