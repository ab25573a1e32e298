/* The positioned YAML tree: spans, duplicate keys, aliases and their
 * budget, merge keys, depth, tags, documents, bad bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "front_support.h"

typedef struct parsed {
    source_file src;
    diag_list diags;
    ytree tree;
    int rc;
} parsed;

static void parse_n(parsed *p, const char *text, size_t len)
{
    source_from_buffer(&p->src, "t.yaml", text, len);
    diag_list_init(&p->diags, &p->src);
    p->rc = ytree_parse(&p->src, &p->tree, &p->diags);
    diag_sort(&p->diags);
}

static void parse(parsed *p, const char *text) { parse_n(p, text, strlen(text)); }

static void done(parsed *p)
{
    ytree_free(&p->tree);
    diag_list_free(&p->diags);
    source_free(&p->src);
}

static const diagnostic *first(parsed *p, const char *code)
{
    for (size_t i = 0; i < p->diags.n; i++)
        if (!strcmp(p->diags.items[i]->code, code)) return p->diags.items[i];
    return NULL;
}

static void spans_are_one_based_bytes(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "a: 1\nnämé: välue\nlist:\n  - x\n  - 'q'\n");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.diags.n, 0);
    const ynode *r = p.tree.root;
    assert_int_equal(r->kind, YNODE_MAPPING);
    assert_int_equal(r->n_pairs, 3);
    const ynode *k = r->pairs[1].key, *v = r->pairs[1].value;
    assert_string_equal(k->text, "nämé");
    assert_int_equal(k->at.line, 2);
    assert_int_equal(k->at.col, 1);
    assert_int_equal(k->at.end_col, 7); /* 6 bytes */
    assert_int_equal(v->at.col, 9);     /* after "nämé: " (8 bytes) */
    assert_int_equal(v->at.end_col, 15);
    const ynode *list = ymap_get(r, "list");
    assert_non_null(list);
    assert_int_equal(list->kind, YNODE_SEQUENCE);
    assert_int_equal(list->n_items, 2);
    assert_int_equal(list->items[0]->at.line, 4);
    assert_int_equal(list->items[0]->at.col, 5);
    assert_false(list->items[0]->quoted);
    assert_true(list->items[1]->quoted);
    assert_null(ymap_get(r, "missing"));
    done(&p);
}

static void null_scalars(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "a: ~\nb:\nc: null\nd: 'null'\ne: x\n");
    const ynode *r = p.tree.root;
    assert_true(yscalar_is_null(ymap_get(r, "a")));
    assert_true(yscalar_is_null(ymap_get(r, "b")));
    assert_true(yscalar_is_null(ymap_get(r, "c")));
    assert_false(yscalar_is_null(ymap_get(r, "d")));
    assert_false(yscalar_is_null(ymap_get(r, "e")));
    done(&p);
}

static void duplicate_key_has_both_positions(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "hosts:\n  t: {}\n  u: {}\n  t: {memory: 1GiB}\n");
    assert_int_equal(p.rc, 0);
    const diagnostic *d = first(&p, "E0109");
    assert_non_null(d);
    assert_int_equal(d->at.line, 4);
    assert_int_equal(d->n_notes, 1);
    assert_int_equal(d->notes[0].at.line, 2);
    /* the first one is kept */
    const ynode *hosts = ymap_get(p.tree.root, "hosts");
    assert_int_equal(hosts->n_pairs, 2);
    assert_int_equal(ymap_get(hosts, "t")->kind, YNODE_MAPPING);
    assert_int_equal(ymap_get(hosts, "t")->n_pairs, 0);
    done(&p);
}

static void aliases_and_merge_keys(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "base: &b {host: t, port: 1}\n"
              "more: &m {model: m}\n"
              "s: {<<: *b, port: 2}\n"
              "r: {<<: [*b, *m]}\n"
              "l: *b\n");
    assert_int_equal(p.rc, 0);
    assert_int_equal(p.diags.n, 0);
    const ynode *s = ymap_get(p.tree.root, "s");
    assert_int_equal(s->n_pairs, 2);
    assert_string_equal(ymap_get(s, "port")->text, "2"); /* written wins over merged */
    assert_string_equal(ymap_get(s, "host")->text, "t");
    const ynode *r = ymap_get(p.tree.root, "r");
    assert_int_equal(r->n_pairs, 3);
    assert_string_equal(ymap_get(r, "model")->text, "m");
    assert_ptr_equal(ymap_get(p.tree.root, "l"), ymap_get(p.tree.root, "base")); /* shared, not copied */
    done(&p);
}

static void unknown_alias_and_bad_merge(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "a: *nope\nb: &x [*x]\nc: {<<: 5}\n");
    assert_non_null(first(&p, "E0107"));
    assert_int_equal(first(&p, "E0107")->at.line, 1);
    size_t n = 0;
    for (size_t i = 0; i < p.diags.n; i++) n += !strcmp(p.diags.items[i]->code, "E0107");
    assert_int_equal(n, 2); /* a node cannot contain itself */
    assert_non_null(first(&p, "E0113"));
    done(&p);
}

static void billion_laughs_hits_the_budget_fast(void **state)
{
    (void)state;
    char buf[4096];
    size_t used = (size_t)snprintf(buf, sizeof buf, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int lvl = 1; lvl < 10; lvl++) {
        char prev = (char)('a' + lvl - 1), cur = (char)('a' + lvl);
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%c: &%c [", cur, cur);
        for (int i = 0; i < 10; i++) used += (size_t)snprintf(buf + used, sizeof buf - used, "%s*%c", i ? ", " : "", prev);
        used += (size_t)snprintf(buf + used, sizeof buf - used, "]\n");
    }
    clock_t t0 = clock();
    parsed p;
    parse(&p, buf);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    const diagnostic *d = first(&p, "E0106");
    assert_non_null(d);
    assert_non_null(strstr(d->message, "alias bomb"));
    assert_true(secs < 1.0);
    size_t n = 0;
    for (size_t i = 0; i < p.diags.n; i++) n += !strcmp(p.diags.items[i]->code, "E0106");
    assert_int_equal(n, 1); /* reported once */
    done(&p);
}

static void deep_nesting_is_refused(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *buf = malloc(2 * depth + 8);
    memcpy(buf, "x: ", 3);
    memset(buf + 3, '[', depth);
    memset(buf + 3 + depth, ']', depth);
    buf[3 + 2 * depth] = '\n';
    parsed p;
    parse_n(&p, buf, 3 + 2 * depth + 1);
    const diagnostic *d = first(&p, "E0105");
    assert_non_null(d);
    assert_int_equal(d->at.line, 1);
    done(&p);
    free(buf);
}

static void binary_garbage(void **state)
{
    (void)state;
    static const char bin[] = "GGUF\x03\x00\x00\x00\x01\xff\xfe";
    parsed p;
    parse_n(&p, bin, sizeof bin - 1);
    assert_int_equal(p.rc, -1);
    const diagnostic *d = first(&p, "E0103");
    assert_non_null(d);
    assert_non_null(strstr(d->message, "binary"));
    assert_int_equal(d->at.line, 1);
    assert_int_equal(d->at.col, 6);
    done(&p);
    /* a control character without NUL */
    parse(&p, "a: b\x01\n");
    assert_int_equal(p.rc, -1);
    assert_non_null(first(&p, "E0103"));
    done(&p);
}

static void invalid_utf8(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "fleet: x\n# Ger\xe4t\n");
    assert_int_equal(p.rc, -1);
    const diagnostic *d = first(&p, "E0102");
    assert_non_null(d);
    assert_int_equal(d->at.line, 2);
    assert_int_equal(d->at.col, 6);
    done(&p);
}

static void empty_file_and_comments(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "");
    assert_int_equal(p.rc, 0);
    assert_null(p.tree.root);
    assert_int_equal(p.diags.n, 0);
    done(&p);
    parse(&p, "# only a comment\n");
    assert_int_equal(p.rc, 0);
    assert_null(p.tree.root);
    done(&p);
}

static void multiple_documents(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "fleet: a\n---\nfleet: b\n");
    const diagnostic *d = first(&p, "E0104");
    assert_non_null(d);
    assert_int_equal(d->at.line, 2);
    assert_non_null(p.tree.root);
    assert_string_equal(ymap_get(p.tree.root, "fleet")->text, "a");
    done(&p);
    parse(&p, "---\nfleet: a\n...\n"); /* one document with markers is fine */
    assert_int_equal(p.diags.n, 0);
    done(&p);
}

static void tags(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "a: !include x.yaml\nb: !!str 5\nc: !!int 7\n");
    const diagnostic *d = first(&p, "E0108");
    assert_non_null(d);
    assert_int_equal(d->at.line, 1);
    assert_int_equal(p.diags.n, 1);
    assert_true(ymap_get(p.tree.root, "b")->quoted); /* !!str forces a string */
    done(&p);
}

static void syntax_errors(void **state)
{
    (void)state;
    parsed p;
    parse(&p, "services:\n  s:\n    port: 1\n   host: t\n");
    assert_int_equal(p.rc, -1);
    const diagnostic *d = first(&p, "E0101");
    assert_non_null(d);
    assert_int_equal(d->at.line, 4);
    assert_non_null(d->help);
    assert_true(d->n_notes >= 1);
    done(&p);
    parse(&p, "hosts:\n\tt: {}\n");
    d = first(&p, "E0101");
    assert_non_null(d);
    assert_non_null(strstr(d->help, "tabs"));
    done(&p);
    parse(&p, "a: [1, 2\n");
    assert_non_null(first(&p, "E0101"));
    done(&p);
    parse(&p, "? [a, b]\n: c\n");
    assert_non_null(first(&p, "E0110"));
    done(&p);
}

static void large_flat_mapping_is_linear(void **state)
{
    (void)state;
    /* 200k keys, one duplicate at the end: sorted duplicate detection */
    size_t n = 200000;
    char *buf = malloc(n * 16 + 32);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) used += (size_t)sprintf(buf + used, "k%zu: %zu\n", i, i);
    used += (size_t)sprintf(buf + used, "k7: dup\n");
    clock_t t0 = clock();
    parsed p;
    parse_n(&p, buf, used);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(p.tree.root->n_pairs, n);
    assert_non_null(first(&p, "E0109"));
    assert_true(secs < 5.0);
    done(&p);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spans_are_one_based_bytes),
        cmocka_unit_test(null_scalars),
        cmocka_unit_test(duplicate_key_has_both_positions),
        cmocka_unit_test(aliases_and_merge_keys),
        cmocka_unit_test(unknown_alias_and_bad_merge),
        cmocka_unit_test(billion_laughs_hits_the_budget_fast),
        cmocka_unit_test(deep_nesting_is_refused),
        cmocka_unit_test(binary_garbage),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(empty_file_and_comments),
        cmocka_unit_test(multiple_documents),
        cmocka_unit_test(tags),
        cmocka_unit_test(syntax_errors),
        cmocka_unit_test(large_flat_mapping_is_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
