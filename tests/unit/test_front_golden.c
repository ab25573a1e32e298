/* End-to-end rendering of the front end in every format against golden
 * files (tests/golden/front/). FRONT_GOLDEN_WRITE=1 rewrites them
 * (tests/golden/refresh-front.sh); review the diff before committing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front_support.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 > cap) buf = realloc(buf, cap = cap * 2 + 8192);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

static void golden_formats(void **state)
{
    (void)state;
    const char *src = getenv("SRC");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/golden/front", src ? src : ".");
    if (chdir(dir) != 0) fail_msg("cannot enter %s", dir);
    size_t len;
    char *yaml = slurp("errors.yaml", &len);
    assert_non_null(yaml);
    front_result r;
    memset(&r, 0, sizeof r);
    /* the path as a user would type it, so the goldens hold no absolute path */
    if (source_from_buffer(&r.src, "errors.yaml", yaml, len) != 0) fail();
    diag_list_init(&r.diags, &r.src);
    r.parse_rc = ytree_parse(&r.src, &r.tree, &r.diags);
    assert_int_equal(r.parse_rc, 0);
    r.lower_rc = fleet_lower(r.tree.root, &r.src, &r.fl, &r.diags);
    r.lowered = true;
    diag_sort(&r.diags);
    static const struct { diag_format fmt; const char *file; } outs[] = {
        {DIAG_FORMAT_TEXT, "errors.txt"},
        {DIAG_FORMAT_JSON, "errors.json"},
        {DIAG_FORMAT_GITHUB, "errors.github"},
        {DIAG_FORMAT_SARIF, "errors.sarif"},
    };
    bool write = getenv("FRONT_GOLDEN_WRITE") != NULL;
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        char *got = front_render(&r, outs[i].fmt, false);
        if (write) {
            FILE *f = fopen(outs[i].file, "wb");
            assert_non_null(f);
            fputs(got, f);
            fclose(f);
        } else {
            char *want = slurp(outs[i].file, NULL);
            if (!want) fail_msg("missing golden %s: run tests/golden/refresh-front.sh", outs[i].file);
            if (outs[i].fmt == DIAG_FORMAT_SARIF) {
                /* the rules list every owner's codes: compare the results,
                 * so that a code added elsewhere does not break this test */
                json_t *g = json_loads(got, 0, NULL), *w = json_loads(want, 0, NULL);
                assert_non_null(g);
                assert_non_null(w);
                json_t *gr = json_object_get(json_array_get(json_object_get(g, "runs"), 0), "results");
                json_t *wr = json_object_get(json_array_get(json_object_get(w, "runs"), 0), "results");
                /* ruleIndex depends on the registry's order: drop it */
                size_t k;
                json_t *r;
                json_array_foreach(gr, k, r) json_object_del(r, "ruleIndex");
                json_array_foreach(wr, k, r) json_object_del(r, "ruleIndex");
                if (!json_equal(gr, wr)) fprintf(stderr, "%s results differ; got:\n%s", outs[i].file, got);
                assert_true(json_equal(gr, wr));
                json_decref(g);
                json_decref(w);
            } else {
                if (strcmp(got, want) != 0) fprintf(stderr, "%s differs; got:\n%s", outs[i].file, got);
                assert_string_equal(got, want);
            }
            free(want);
        }
        free(got);
    }
    front_free(&r);
    free(yaml);
}

/* The fleet that uses every key (also validated against `infrac schema`). */
static void full_fleet_is_clean(void **state)
{
    (void)state;
    const char *src = getenv("SRC");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/front/valid.yaml", src ? src : ".");
    size_t len;
    char *yaml = slurp(path, &len);
    assert_non_null(yaml);
    front_result r;
    front_run_n(&r, yaml, len);
    assert_int_equal(r.diags.n, 0); /* the lowering finds nothing */
    front_check_values(&r);
    if (r.diags.n != 1) {
        char *t = front_render(&r, DIAG_FORMAT_TEXT, false);
        fprintf(stderr, "%s", t);
        free(t);
    }
    assert_int_equal(r.diags.n, 1); /* only extra_args' warning, by design */
    assert_int_equal(front_count(&r, "W0211"), 1);
    assert_int_equal(r.fl.n_services, 3);
    assert_string_equal(r.fl.services[2].host.v, "tower"); /* from the x- anchor */
    front_free(&r);
    free(yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(full_fleet_is_clean), cmocka_unit_test(golden_formats)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
