#include "check/passes.h"
#include "front_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void front_run_n(front_result *r, const char *text, size_t len)
{
    memset(r, 0, sizeof *r);
    if (source_from_buffer(&r->src, "fleet.yaml", text, len) != 0) abort();
    diag_list_init(&r->diags, &r->src);
    r->parse_rc = ytree_parse(&r->src, &r->tree, &r->diags);
    if (r->parse_rc == 0) {
        r->lower_rc = fleet_lower(r->tree.root, &r->src, &r->fl, &r->diags);
        r->lowered = true;
    }
    diag_sort(&r->diags);
}

void front_run(front_result *r, const char *text) { front_run_n(r, text, strlen(text)); }

void front_check_values(front_result *r)
{
    if (r->lower_rc != 0) return;
    check_result res = {0};
    check_ctx c = {.f = &r->fl, .d = &r->diags, .fleet_dir = ".", .r = &res, .n_lowering_diags = r->diags.n};
    c.values_refused = calloc(r->fl.n_services ? r->fl.n_services : 1, sizeof *c.values_refused);
    check_gpu_values(&c);
    check_service_values(&c);
    check_references(&c);
    free(c.values_refused);
    diag_sort(&r->diags);
}

char *front_render(front_result *r, diag_format fmt, bool color)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    diag_render(&r->diags, fmt, color, f);
    fclose(f);
    return buf;
}

size_t front_count(const front_result *r, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < r->diags.n; i++)
        if (!strcmp(r->diags.items[i]->code, code)) n++;
    return n;
}

const diagnostic *front_find(const front_result *r, const char *code)
{
    for (size_t i = 0; i < r->diags.n; i++)
        if (!strcmp(r->diags.items[i]->code, code)) return r->diags.items[i];
    return NULL;
}

void front_free(front_result *r)
{
    if (r->lowered) fleet_free(&r->fl);
    ytree_free(&r->tree);
    diag_list_free(&r->diags);
    source_free(&r->src);
}
