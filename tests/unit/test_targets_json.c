/* targets/json_text.c writes what jansson's json_dumps writes with the
 * build's flags (sorted keys, indent 2, reals %.10g): every generated JSON
 * file depends on it, so the two are compared byte for byte on seeded
 * random trees and on the values that have edge cases of their own. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "targets_json.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33) % n;
}

/* bytes that exercise the escapes: controls, quote, backslash, slash,
 * DEL, and UTF-8 of two to four bytes */
static json_t *random_string(void)
{
    static const char *const pieces[] = {"a", "Z", "0", " ", "\"", "\\", "/", "\x7f", "\n", "\t", "\r", "\b",
                                         "\f", "\x01", "\x1f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                         "key", "-", "_", "."};
    char buf[256];
    size_t n = 0, parts = rnd(12);
    for (size_t i = 0; i < parts; i++) {
        const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
        size_t l = strlen(p);
        memcpy(buf + n, p, l);
        n += l;
    }
    if (rnd(8) == 0) /* U+0000 inside a string */
        buf[n++] = '\0';
    return json_stringn(buf, n);
}

static json_t *random_real(void)
{
    static const double fixed[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1e-7, 1.5e-300, 2e20, 123456789012.0,
                                   1e10, 9.999999999e9, 3.14159265358979, 0.95, 1.0 / 3.0, -2.5e-5, 1e100};
    if (rnd(2))
        return json_real(fixed[rnd(sizeof fixed / sizeof fixed[0])]);
    double m = (double)rnd(1000000) / (double)(1 + rnd(1000));
    return json_real(ldexp(m, (int)rnd(200) - 100) * (rnd(2) ? 1 : -1));
}

static json_t *random_value(int depth)
{
    uint32_t kind = depth > 4 ? 2 + rnd(6) : rnd(8);
    switch (kind) {
    case 0: {
        json_t *o = json_object();
        uint32_t n = rnd(3) == 0 ? 40 + rnd(20) : rnd(6); /* some objects beyond 32 keys */
        for (uint32_t i = 0; i < n; i++) {
            json_t *k = random_string();
            json_object_setn_new(o, json_string_value(k), json_string_length(k), random_value(depth + 1));
            json_decref(k);
        }
        return o;
    }
    case 1: {
        json_t *a = json_array();
        uint32_t n = rnd(6);
        for (uint32_t i = 0; i < n; i++)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    case 2: return random_string();
    case 3: return json_integer((json_int_t)rnd(2000000000) * (rnd(2) ? 1 : -1) * (rnd(4) ? 1 : 4000000000ll));
    case 4: return random_real();
    case 5: return json_true();
    case 6: return json_false();
    default: return json_null();
    }
}

static void assert_same_text(json_t *v)
{
    char *want = json_dumps(v, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(10) | JSON_ENCODE_ANY);
    char *got = tj_text(v);
    assert_non_null(want);
    if (strcmp(want, got) != 0) {
        size_t i = 0;
        while (want[i] && want[i] == got[i])
            i++;
        fail_msg("differs at byte %zu:\njansson: %.60s\nours:    %.60s", i, want + i, got + i);
    }
    free(want);
    free(got);
}

static void equals_json_dumps_on_random_trees(void **state)
{
    (void)state;
    json_object_seed(1);
    rng_state = 20261204;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(0);
        assert_same_text(v);
        json_decref(v);
    }
}

static void equals_json_dumps_on_edge_values(void **state)
{
    (void)state;
    json_t *o = json_pack("{s:[], s:{}, s:[[], {}], s:f, s:f, s:f, s:f, s:I, s:I}", "empty", "obj", "nest", "r1",
                          1e21, "r2", 1e-5, "r3", 100.0, "r4", 0.1 + 0.2, "imax", (json_int_t)INT64_MAX, "imin",
                          (json_int_t)INT64_MIN);
    assert_non_null(o);
    assert_same_text(o);
    json_decref(o);
    /* keys that sort by bytes: a prefix first, then UTF-8 after ASCII */
    o = json_object();
    const char *keys[] = {"ab", "a", "abc", "\xc3\xa9", "B", "b", "a\x01", "_", "A"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        json_object_set_new(o, keys[i], json_integer((json_int_t)i));
    assert_same_text(o);
    json_decref(o);
    /* deep nesting: indents beyond the 64 spaces written at once */
    json_t *root = json_array(), *cur = root;
    for (int d = 0; d < 50; d++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        json_array_append_new(cur, json_string("x"));
        cur = next;
    }
    json_array_append_new(cur, json_true());
    assert_same_text(root);
    json_decref(root);
    json_t *s = json_string("");
    assert_same_text(s);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equals_json_dumps_on_random_trees),
        cmocka_unit_test(equals_json_dumps_on_edge_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
