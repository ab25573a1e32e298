/* The registry: one table per owner (codes_table.h), searched together. */
#include <string.h>

#include "diag/codes_table.h"

static const diag_code_info *const tables[] = {diag_codes_front, diag_codes_checks, diag_codes_build};
#define N_TABLES (sizeof tables / sizeof tables[0])

static size_t table_len(const diag_code_info *t)
{
    size_t n = 0;
    while (t[n].code) n++;
    return n;
}

const diag_code_info *diag_code_lookup(const char *code)
{
    if (!code) return NULL;
    for (size_t t = 0; t < N_TABLES; t++)
        for (const diag_code_info *c = tables[t]; c->code; c++)
            if (strcmp(c->code, code) == 0) return c;
    return NULL;
}

size_t diag_code_count(void)
{
    size_t n = 0;
    for (size_t t = 0; t < N_TABLES; t++) n += table_len(tables[t]);
    return n;
}

const diag_code_info *diag_code_at(size_t i)
{
    for (size_t t = 0; t < N_TABLES; t++) {
        size_t n = table_len(tables[t]);
        if (i < n) return &tables[t][i];
        i -= n;
    }
    return NULL;
}
