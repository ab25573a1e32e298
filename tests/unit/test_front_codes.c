/* The diagnostic registry: unique, well-formed codes with a title and an
 * explanation, every one documented in docs/diagnostics.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static void codes_are_well_formed_and_unique(void **state)
{
    (void)state;
    size_t n = diag_code_count();
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        const diag_code_info *c = diag_code_at(i);
        assert_non_null(c);
        assert_int_equal(strlen(c->code), 5);
        assert_true(c->code[0] == 'E' || c->code[0] == 'W');
        assert_int_equal(c->code[0] == 'W', c->severity == DIAG_WARNING);
        for (int k = 1; k < 5; k++) assert_true(isdigit((unsigned char)c->code[k]));
        assert_true(strlen(c->title) > 3);
        bool front = c->code[1] == '0' && (c->code[2] == '1' || c->code[2] == '2');
        if (front) assert_non_null(strstr(c->explanation, "\n\n")); /* several paragraphs, an example */
        assert_ptr_equal(diag_code_lookup(c->code), c);
        for (size_t j = i + 1; j < n; j++) assert_string_not_equal(c->code, diag_code_at(j)->code);
    }
    assert_null(diag_code_at(n));
    assert_null(diag_code_lookup("E9999"));
    assert_null(diag_code_lookup(NULL));
}

static void every_code_is_documented(void **state)
{
    (void)state;
    const char *src = getenv("SRC");
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/diagnostics.md", src ? src : ".");
    char *doc = read_file(path);
    assert_non_null(doc);
    size_t n = diag_code_count();
    for (size_t i = 0; i < n; i++) {
        const diag_code_info *c = diag_code_at(i);
        char heading[128];
        snprintf(heading, sizeof heading, "### %s ", c->code);
        if (!strstr(doc, heading)) fprintf(stderr, "%s is missing from docs/diagnostics.md\n", c->code);
        assert_non_null(strstr(doc, heading));
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_are_well_formed_and_unique),
        cmocka_unit_test(every_code_is_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
