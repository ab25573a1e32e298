/* Diagnostic renderers: exact text, JSON read back, GitHub escaping, SARIF
 * structure, sorting, and columns that count characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"

static const char *const TEXT =
    "fleet: homelab\n"
    "services:\n"
    "  chat: {port: 8081, prot: 1}\n"
    "  tab:\tx\n"
    "  héllo: {gpus: [0]}\n";

typedef struct fixture {
    source_file src;
    diag_list l;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    source_from_buffer(&f->src, "fleet.yaml", TEXT, strlen(TEXT));
    diag_list_init(&f->l, &f->src);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    diag_list_free(&f->l);
    source_free(&f->src);
    free(f);
    return 0;
}

static char *render(fixture *f, diag_format fmt, bool color)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    diag_render(&f->l, fmt, color, out);
    fclose(out);
    return buf;
}

/* Two diagnostics added out of order, one with a note and a help. */
static void add_sample(fixture *f)
{
    diagnostic *w = diag_warning(&f->l, "W0211", (src_span){5, 12, 5, 15}, "later warning");
    (void)w;
    diagnostic *d = diag_error(&f->l, "E0201", (src_span){3, 22, 3, 26}, "unknown key 'prot' in service 'chat'");
    diag_note(d, (src_span){3, 10, 3, 14}, "'port' is here");
    diag_help(d, "did you mean 'port'?");
    diag_sort(&f->l);
}

static void text_exact(void **state)
{
    fixture *f = *state;
    add_sample(f);
    char *s = render(f, DIAG_FORMAT_TEXT, false);
    const char *want =
        "fleet.yaml:3:22: error[E0201]: unknown key 'prot' in service 'chat'\n"
        " 3 |   chat: {port: 8081, prot: 1}\n"
        "   |                      ^~~~\n"
        "fleet.yaml:3:10: note: 'port' is here\n"
        " 3 |   chat: {port: 8081, prot: 1}\n"
        "   |          ^~~~\n"
        "  help: did you mean 'port'?\n"
        /* byte column 12 on a line with 'é' is character column 11 */
        "fleet.yaml:5:11: warning[W0211]: later warning\n"
        " 5 |   héllo: {gpus: [0]}\n"
        "   |           ^~~\n"
        "error: 1 error, 1 warning emitted\n";
    assert_string_equal(s, want);
    free(s);
}

static void text_tabs_and_color(void **state)
{
    fixture *f = *state;
    diag_error(&f->l, "E0202", (src_span){4, 8, 4, 9}, "tab");
    char *s = render(f, DIAG_FORMAT_TEXT, false);
    /* the underline repeats the tab so the caret sits under x */
    assert_non_null(strstr(s, " 4 |   tab:\tx\n   |       \t^\n"));
    assert_non_null(strstr(s, "error: 1 error emitted\n"));
    assert_null(strchr(s, '\033'));
    free(s);
    s = render(f, DIAG_FORMAT_TEXT, true);
    assert_non_null(strstr(s, "\033[1;31merror[E0202]"));
    free(s);
}

static void text_without_position_and_empty(void **state)
{
    fixture *f = *state;
    char *s = render(f, DIAG_FORMAT_TEXT, false);
    assert_string_equal(s, ""); /* nothing to say: no summary either */
    free(s);
    diag_warning(&f->l, "W0211", (src_span){0, 0, 0, 0}, "whole file");
    s = render(f, DIAG_FORMAT_TEXT, false);
    assert_string_equal(s, "fleet.yaml: warning[W0211]: whole file\nwarning: 1 warning emitted\n");
    free(s);
}

static void sort_is_stable(void **state)
{
    fixture *f = *state;
    diag_error(&f->l, "E0202", (src_span){2, 1, 2, 2}, "b1");
    diag_error(&f->l, "E0202", (src_span){1, 5, 1, 6}, "a");
    diag_error(&f->l, "E0202", (src_span){2, 1, 2, 2}, "b2");
    diag_error(&f->l, "E0202", (src_span){0, 0, 0, 0}, "nowhere");
    diag_sort(&f->l);
    assert_string_equal(f->l.items[0]->message, "nowhere");
    assert_string_equal(f->l.items[1]->message, "a");
    assert_string_equal(f->l.items[2]->message, "b1");
    assert_string_equal(f->l.items[3]->message, "b2");
    assert_int_equal(diag_count(&f->l, DIAG_ERROR), 4);
    assert_int_equal(diag_count(&f->l, DIAG_WARNING), 0);
}

static void json_reads_back(void **state)
{
    fixture *f = *state;
    add_sample(f);
    char *s = render(f, DIAG_FORMAT_JSON, false);
    json_error_t err;
    json_t *root = json_loads(s, 0, &err);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "errors")), 1);
    assert_int_equal(json_integer_value(json_object_get(root, "warnings")), 1);
    json_t *arr = json_object_get(root, "diagnostics");
    assert_int_equal(json_array_size(arr), 2);
    json_t *d = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(d, "code")), "E0201");
    assert_string_equal(json_string_value(json_object_get(d, "severity")), "error");
    assert_string_equal(json_string_value(json_object_get(d, "file")), "fleet.yaml");
    assert_int_equal(json_integer_value(json_object_get(d, "line")), 3);
    assert_int_equal(json_integer_value(json_object_get(d, "column")), 22);
    assert_int_equal(json_integer_value(json_object_get(d, "end_line")), 3);
    assert_int_equal(json_integer_value(json_object_get(d, "end_column")), 26);
    assert_string_equal(json_string_value(json_object_get(d, "help")), "did you mean 'port'?");
    json_t *note = json_array_get(json_object_get(d, "notes"), 0);
    assert_string_equal(json_string_value(json_object_get(note, "message")), "'port' is here");
    assert_int_equal(json_integer_value(json_object_get(note, "column")), 10);
    json_t *w = json_array_get(arr, 1);
    assert_true(json_is_null(json_object_get(w, "help")));
    assert_int_equal(json_integer_value(json_object_get(w, "column")), 11); /* characters */
    /* keys in a fixed order: the output is byte-stable */
    assert_true(strstr(s, "\"code\"") < strstr(s, "\"severity\""));
    assert_true(strstr(s, "\"diagnostics\"") < strstr(s, "\"errors\""));
    json_decref(root);
    free(s);
}

static void github_escaping(void **state)
{
    fixture *f = *state;
    source_free(&f->src);
    source_from_buffer(&f->src, "dir,1/fl:eet%.yaml", TEXT, strlen(TEXT));
    /* CR LF in a message (a value from the fleet file) is stored escaped (diag.c),
     * so the annotation shows it as \x0D\x0A instead of breaking the line. */
    diagnostic *d = diag_error(&f->l, "E0201", (src_span){3, 22, 3, 26}, "100%% bad: a, b\r\nnext");
    diag_note(d, (src_span){3, 10, 3, 14}, "here");
    diag_help(d, "fix it");
    diag_warning(&f->l, "W0211", (src_span){2, 1, 3, 2}, "multi-line");
    char *s = render(f, DIAG_FORMAT_GITHUB, false);
    const char *want =
        "::error file=dir%2C1/fl%3Aeet%25.yaml,line=3,col=22,endColumn=25,title=E0201::"
        "100%25 bad: a, b\\x0D\\x0Anext%0Anote (line 3, column 10): here%0Ahelp: fix it\n"
        "::warning file=dir%2C1/fl%3Aeet%25.yaml,line=2,endLine=3,title=W0211::multi-line\n";
    assert_string_equal(s, want);
    free(s);
}

static void sarif_structure(void **state)
{
    fixture *f = *state;
    add_sample(f);
    char *s = render(f, DIAG_FORMAT_SARIF, false);
    json_error_t err;
    json_t *root = json_loads(s, 0, &err);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "version")), "2.1.0");
    json_t *run = json_array_get(json_object_get(root, "runs"), 0);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    assert_string_equal(json_string_value(json_object_get(driver, "name")), "infrac");
    json_t *rules = json_object_get(driver, "rules");
    assert_int_equal(json_array_size(rules), diag_code_count());
    json_t *results = json_object_get(run, "results");
    assert_int_equal(json_array_size(results), 2);
    json_t *r = json_array_get(results, 0);
    assert_string_equal(json_string_value(json_object_get(r, "ruleId")), "E0201");
    assert_string_equal(json_string_value(json_object_get(r, "level")), "error");
    json_int_t idx = json_integer_value(json_object_get(r, "ruleIndex"));
    json_t *rule = json_array_get(rules, (size_t)idx);
    assert_string_equal(json_string_value(json_object_get(rule, "id")), "E0201");
    assert_non_null(json_object_get(json_object_get(rule, "shortDescription"), "text"));
    assert_non_null(json_object_get(json_object_get(rule, "fullDescription"), "text"));
    /* the installed reference (make install's DOCDIR), the rule's anchor in it */
    const char *info = json_string_value(json_object_get(driver, "informationUri"));
    assert_non_null(info);
    assert_true(strncmp(info, "file:///", 8) == 0);
    assert_non_null(strstr(info, "/diagnostics.md"));
    char want_help[600];
    snprintf(want_help, sizeof want_help, "%s#E0201", info);
    assert_string_equal(json_string_value(json_object_get(rule, "helpUri")), want_help);
    assert_string_equal(json_string_value(json_object_get(json_object_get(rule, "help"), "text")),
                        "infrac explain E0201");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(r, "message"), "text")), "help: did you mean"));
    json_t *loc = json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation");
    assert_string_equal(json_string_value(json_object_get(json_object_get(loc, "artifactLocation"), "uri")), "fleet.yaml");
    json_t *region = json_object_get(loc, "region");
    assert_int_equal(json_integer_value(json_object_get(region, "startLine")), 3);
    assert_int_equal(json_integer_value(json_object_get(region, "startColumn")), 22);
    assert_int_equal(json_integer_value(json_object_get(region, "endColumn")), 26);
    json_t *rel = json_array_get(json_object_get(r, "relatedLocations"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(rel, "message"), "text")), "'port' is here");
    assert_string_equal(json_string_value(json_object_get(json_array_get(results, 1), "level")), "warning");
    json_decref(root);
    free(s);
}

static void suggestions(void **state)
{
    (void)state;
    const char *keys[] = {"port", "gpus", "context", "parallel", "rtx-4090"};
    assert_string_equal(suggest_closest("prot", keys, 5), "port");      /* swap */
    assert_string_equal(suggest_closest("contxt", keys, 5), "context"); /* deletion */
    assert_string_equal(suggest_closest("GPUS", keys, 5), "gpus");      /* case */
    assert_string_equal(suggest_closest("paralel", keys, 5), "parallel");
    assert_string_equal(suggest_closest("rtx-4090-24gb", keys, 5), "rtx-4090"); /* known prefix */
    assert_null(suggest_closest("ab", keys, 5));
    assert_null(suggest_closest("memory", keys, 5));
    assert_null(suggest_closest("", keys, 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(text_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(text_tabs_and_color, setup, teardown),
        cmocka_unit_test_setup_teardown(text_without_position_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(sort_is_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(json_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(github_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(sarif_structure, setup, teardown),
        cmocka_unit_test(suggestions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
