/* The Jinja subset: the real chat templates of tests/data/chat_templates
 * rendered for fixed conversations against the text Python's jinja2 renders
 * with transformers' settings (tests/golden/refresh-chat-templates.py), and
 * the language's corners one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/jinja.h"
#include "test_data.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = 0;
    fclose(f);
    return b;
}

/* Renders src with the variables of vars_json; NULL and err on failure. */
static char *render(const char *src, const char *vars_json, char *err, size_t errlen)
{
    jinja_template *t = jinja_compile(src, err, errlen);
    if (!t)
        return NULL;
    json_t *vars = json_loads(vars_json ? vars_json : "{}", 0, NULL);
    assert_non_null(vars);
    size_t len;
    char *out = jinja_render(t, vars, 0, &len, err, errlen);
    json_decref(vars);
    jinja_free(t);
    return out;
}

static void expect(const char *src, const char *vars, const char *want)
{
    char err[512];
    char *got = render(src, vars, err, sizeof err);
    if (!got)
        fail_msg("%s: %s", src, err);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  got  [%s]\n  want [%s]", src, got, want);
    free(got);
}

static void expect_error(const char *src, const char *vars, const char *fragment)
{
    char err[512];
    char *got = render(src, vars, err, sizeof err);
    if (got)
        fail_msg("%s rendered [%s], expected an error with '%s'", src, got, fragment);
    if (!strstr(err, fragment))
        fail_msg("%s: error [%s] lacks '%s'", src, err, fragment);
}

static void whitespace_control(void **state)
{
    (void)state;
    /* trim_blocks drops the newline after a block tag; lstrip_blocks the
     * indentation before it */
    expect("{% if true %}\nyes\n{% endif %}\n", NULL, "yes\n");
    expect("  {% if true %}x{% endif %}", NULL, "x");
    expect("a  {% if true %}x{% endif %}", NULL, "a  x");
    expect("a \n  {{- 'b' -}}  \n c", NULL, "abc");
    expect("{# note #}\nx", NULL, "x");
    expect("  {#- c -#}  x", NULL, "x");
    expect("{{ 'a' }}\n{{ 'b' }}", NULL, "a\nb"); /* not after {{ }} */
    expect("  {%+ if true %}x{% endif %}", NULL, "  x");
}

static void expressions(void **state)
{
    (void)state;
    expect("{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }}", NULL,
           "7 3 -4 1 1024 3.5");
    expect("{{ 'a' ~ 1 ~ none }} {{ 'x' + 'y' }} {{ [1] + [2] }}", NULL, "a1None xy [1, 2]");
    expect("{{ 'yes' if x else 'no' }}{{ 'z' if false }}", "{\"x\": 1}", "yes");
    expect("{{ x or 'd' }} {{ 0 and 1 }} {{ not y }}", "{\"x\": \"\"}", "d 0 True");
    expect("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in d }} {{ 'q' not in d }}",
           "{\"d\": {\"k\": 1}}", "True True True True");
    expect("{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }}", NULL, "True True True");
    expect("{{ s[1:3] }} {{ s[::-1] }} {{ s[-2:] }} {{ l[1:] }} {{ l[-1] }}",
           "{\"s\": \"h\\u00e9llo\", \"l\": [1, 2, 3]}", "\xc3\xa9l oll\xc3\xa9h lo [2, 3] 3");
    expect("{{ d.a.b }}{{ d['a']['b'] }}{{ d.missing }}|{{ l.0 }}",
           "{\"d\": {\"a\": {\"b\": 5}}, \"l\": [9]}", "55|9");
    expect("{{ {'a': 1, 'b': [true, none]} }} {{ (1, 2) }} {{ 1.5 }} {{ 2.0 }} {{ 1e20 }}", NULL,
           "{'a': 1, 'b': [True, None]} (1, 2) 1.5 2.0 1e+20");
    expect("{{ 'a' 'b' }}{{ \"it's\" }}{{ 'x\\ny' }}", NULL, "abit'sx\ny");
}

static void statements(void **state)
{
    (void)state;
    expect("{% for x in l %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}",
           "{\"l\": [\"a\", \"b\", \"c\"]}", "1a,2b,3c");
    expect("{% for x in l if x > 1 %}{{ loop.index0 }}:{{ x }}/{{ loop.length }} {% endfor %}",
           "{\"l\": [1, 2, 3]}", "0:2/2 1:3/2 ");
    expect("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "{\"d\": {\"z\": 1, \"a\": 2}}",
           "z=1;a=2;");
    expect("{% for x in [] %}x{% else %}empty{% endfor %}", NULL, "empty");
    expect("{% for x in [1,2,3,4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}"
           "{% break %}{% endif %}{{ x }}{% endfor %}",
           NULL, "13");
    /* set in a loop stays there; namespace attributes carry out */
    expect("{% set n = 0 %}{% set ns = namespace(n=0) %}{% for x in [1, 2] %}{% set n = n + x %}"
           "{% set ns.n = ns.n + x %}{% endfor %}{{ n }} {{ ns.n }}",
           NULL, "0 3");
    expect("{% if a %}A{% elif b %}B{% else %}C{% endif %}", "{\"b\": 1}", "B");
    expect("{% set x %}in {{ 1 }}{% endset %}[{{ x }}]", NULL, "[in 1]");
    expect("{% macro m(a, b='d') %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(1, b=2) }}", NULL,
           "1-d 1-2");
    expect("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(3) }}",
           NULL, "321");
    expect("{% set a, b = 1, 2 %}{{ a }}{{ b }}", NULL, "12");
    expect("{% for i in range(3) %}{{ i }}{% endfor %}{{ range(1, 7, 2) | list }}", NULL, "012[1, 3, 5]");
}

static void filters_and_tests(void **state)
{
    (void)state;
    expect("{{ '  x  ' | trim }}|{{ 'ab' | upper }}{{ 'AB' | lower }}|{{ l | length }}|"
           "{{ l | first }}{{ l | last }}|{{ l | join(', ') }}|{{ 'aXbX' | replace('X', '-') }}",
           "{\"l\": [1, 2, 3]}", "x|ABab|3|13|1, 2, 3|a-b-");
    expect("{{ u | default('d') }} {{ n | default('d') }} {{ '' | default('d', true) }}",
           "{\"n\": null}", "d None d");
    expect("{{ d | tojson }} {{ d | tojson(indent=2) }} {{ 'é\"' | tojson }} {{ 'é' | tojson(true) }}",
           "{\"d\": {\"b\": [1, 2.5], \"a\": null}}",
           "{\"b\": [1, 2.5], \"a\": null} {\n  \"b\": [\n    1,\n    2.5\n  ],\n  \"a\": null\n} "
           "\"é\\\"\" \"\\u00e9\"");
    expect("{{ d | dictsort }} {{ d | items | list }}", "{\"d\": {\"b\": 1, \"A\": 2}}",
           "[('A', 2), ('b', 1)] [('b', 1), ('A', 2)]");
    expect("{{ l | selectattr('r', 'equalto', 'u') | map(attribute='c') | join }}"
           "{{ l | rejectattr('r', 'equalto', 'u') | list | length }}",
           "{\"l\": [{\"r\": \"u\", \"c\": \"x\"}, {\"r\": \"a\", \"c\": \"y\"}, {\"r\": \"u\", \"c\": \"z\"}]}",
           "xz1");
    expect("{{ ['a', 'code', 'b'] | reject('equalto', 'code') | join(',') }} "
           "{{ ['a', 'b'] | map('upper') | list }} {{ 3 | string }}{{ [3, 1, 2] | sort }}",
           NULL, "a,b ['A', 'B'] 3[1, 2, 3]");
    expect("{{ x is defined }}{{ y is defined }}{{ n is none }}{{ s is string }}{{ d is mapping }}"
           "{{ l is iterable }}{{ s is sequence }}{{ n is not none }}{{ f is false }}{{ 3 is odd }}"
           "{{ 1 is integer }}{{ t is boolean }}",
           "{\"x\": 1, \"n\": null, \"s\": \"a\", \"d\": {}, \"l\": [], \"f\": false, \"t\": true}",
           "TrueFalseTrueTrueTrueTrueTrueFalseTrueTrueTrueTrue");
    expect("{{ 'a,b,,c'.split(',') }} {{ 'a b  c'.split() }} {{ 'a.b.c'.rsplit('.', 1) }} "
           "{{ 'xxhixx'.strip('x') }} {{ '\\n hi'.lstrip() }} {{ 'hi\\n'.rstrip('\\n') }} "
           "{{ 'hello'.startswith('he') }} {{ 'hello'.endswith(('x', 'lo')) }} {{ 'abc'.title() }}",
           NULL,
           "['a', 'b', '', 'c'] ['a', 'b', 'c'] ['a.b', 'c'] hi hi hi True True Abc");
    expect("{{ d.get('a') }} {{ d.get('z', 'no') }} {{ d.get('z') }} {{ d.keys() | list }} "
           "{{ d.values() | list }}",
           "{\"d\": {\"a\": 1}}", "1 no None ['a'] [1]");
}

static void errors(void **state)
{
    (void)state;
    char err[256];
    /* refused at compile time, naming the construct and the line */
    assert_null(jinja_compile("ok\n{% include 'x' %}", err, sizeof err));
    assert_string_equal(err, "line 2: unsupported statement '{% include %}'");
    assert_null(jinja_compile("{{ x | wordwrap }}", err, sizeof err));
    assert_string_equal(err, "line 1: unsupported filter 'wordwrap'");
    assert_null(jinja_compile("\n\n{% if x is prime %}{% endif %}", err, sizeof err));
    assert_string_equal(err, "line 3: unsupported test 'prime'");
    assert_null(jinja_compile("{{ cycler(1) }}", err, sizeof err));
    assert_string_equal(err, "line 1: unsupported function 'cycler'");
    assert_null(jinja_compile("{% for x in y %}", err, sizeof err));
    assert_string_equal(err, "line 1: 'for' block is never closed (expected 'else')");
    assert_null(jinja_compile("{{ 'abc }}", err, sizeof err));
    assert_null(jinja_compile("{% endif %}", err, sizeof err));
    assert_null(jinja_compile("{% for x in y recursive %}{% endfor %}", err, sizeof err));
    assert_string_equal(err, "line 1: unsupported: recursive for loops");
    /* at render time */
    expect_error("{{ raise_exception('roles must alternate') }}", NULL, "roles must alternate");
    expect_error("{{ x.y.z }}", NULL, "line 1: 'x' is undefined");
    expect_error("{{ later(2) }}{% macro later(x) %}{% endmacro %}", NULL, "'later' is undefined");
    expect_error("\n{{ 1 + 'a' }}", NULL, "line 2: unsupported operand types for +: int and string");
    expect_error("{{ 'a'.nosuch() }}", NULL, "unsupported method 'nosuch' of a string");
    expect_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", NULL, "nest deeper");
    expect_error("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                 NULL, "line 1: the template "); /* runs too long, or needs too much memory */
}

/* ---- the real templates ---- */

static void real_templates(void **state)
{
    (void)state;
    char path[1024], err[1024];
    json_t *fixture = json_load_file(test_data_path("chat_templates/conversations.json", path,
                                                    sizeof path),
                                     0, NULL);
    json_t *tokens = json_load_file(test_data_path("chat_templates/tokens.json", path, sizeof path),
                                    0, NULL);
    assert_non_null(fixture);
    assert_non_null(tokens);
    /* strftime_now sees the fixture's date (the generator uses the same) */
    struct tm tm = {0};
    assert_non_null(strptime(json_string_value(json_object_get(fixture, "now")), "%Y-%m-%d", &tm));
    tm.tm_hour = 12;
    tm.tm_isdst = -1;
    time_t now = mktime(&tm);
    const char *name;
    json_t *tok;
    int rendered = 0, refused = 0;
    json_object_foreach(tokens, name, tok)
    {
        char rel[256];
        snprintf(rel, sizeof rel, "chat_templates/%s.jinja", name);
        char *src = slurp(test_data_path(rel, path, sizeof path));
        assert_non_null(src);
        jinja_template *t = jinja_compile(src, err, sizeof err);
        if (!t)
            fail_msg("%s: %s", name, err);
        const char *cname;
        json_t *conv;
        json_object_foreach(json_object_get(fixture, "cases"), cname, conv)
        {
            json_t *vars = json_object();
            json_object_set(vars, "messages", json_object_get(conv, "messages"));
            if (json_is_true(json_object_get(conv, "tools")))
                json_object_set(vars, "tools", json_object_get(fixture, "tools"));
            json_object_set_new(vars, "add_generation_prompt", json_true());
            json_object_set(vars, "bos_token", json_object_get(tok, "bos"));
            json_object_set(vars, "eos_token", json_object_get(tok, "eos"));
            size_t got_len;
            char *got = jinja_render(t, vars, now, &got_len, err, sizeof err);
            json_decref(vars);
            snprintf(rel, sizeof rel, "chat_templates/expected/%s.%s.txt", name, cname);
            char *want = slurp(test_data_path(rel, path, sizeof path));
            if (want) {
                if (!got)
                    fail_msg("%s.%s: %s", name, cname, err);
                if (strcmp(got, want) != 0) {
                    size_t i = 0;
                    while (got[i] && got[i] == want[i])
                        i++;
                    fail_msg("%s.%s differs at byte %zu:\n  got  [%.80s]\n  want [%.80s]", name,
                             cname, i, got + i, want + i);
                }
                rendered++;
            } else {
                snprintf(rel, sizeof rel, "chat_templates/expected/%s.%s.error", name, cname);
                want = slurp(test_data_path(rel, path, sizeof path));
                assert_non_null(want);
                want[strcspn(want, "\n")] = 0;
                if (got)
                    fail_msg("%s.%s rendered, jinja2 raised: %s", name, cname, want);
                if (!strstr(err, want))
                    fail_msg("%s.%s: error [%s], jinja2 raised [%s]", name, cname, err, want);
                refused++;
            }
            free(got);
            free(want);
        }
        jinja_free(t);
        free(src);
    }
    print_message("# %d renders equal to jinja2's, %d refusals equal\n", rendered, refused);
    assert_true(rendered >= 20);
    json_decref(fixture);
    json_decref(tokens);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whitespace_control), cmocka_unit_test(expressions),
        cmocka_unit_test(statements),         cmocka_unit_test(filters_and_tests),
        cmocka_unit_test(errors),             cmocka_unit_test(real_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
