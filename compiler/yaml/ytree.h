/* The positioned YAML tree: libyaml events turned into mappings, sequences
 * and scalars that each keep their source span. Duplicate keys, aliases
 * beyond a budget (alias bombs), tags, invalid UTF-8 and syntax errors are
 * reported as diagnostics with positions. */
#ifndef INFRAC_YTREE_H
#define INFRAC_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag/diag.h"
#include "source.h"

typedef enum ynode_kind { YNODE_SCALAR, YNODE_MAPPING, YNODE_SEQUENCE } ynode_kind;

typedef struct ynode ynode;

typedef struct ypair {
    ynode *key;              /* always a scalar */
    ynode *value;
} ypair;

struct ynode {
    ynode_kind kind;
    src_span at;
    /* scalar */
    const char *text;        /* NUL-terminated (may contain no NUL: those are rejected) */
    size_t len;
    bool quoted;             /* written with quotes or as a block: never a number/bool/null */
    /* mapping */
    ypair *pairs;
    size_t n_pairs;
    /* sequence */
    ynode **items;
    size_t n_items;
};

typedef struct ytree {
    ynode *root;             /* NULL for an empty document */
    void *arena;
} ytree;

/* Parses src. Returns 0 when a tree was built (diagnostics may still hold
 * warnings), -1 when the YAML is unusable (errors reported). */
int ytree_parse(const source_file *src, ytree *out, diag_list *diags);
void ytree_free(ytree *t);

/* Lookups for the lowering pass. */
const ynode *ymap_get(const ynode *map, const char *key);
bool yscalar_is_null(const ynode *n); /* ~, null, Null, NULL or empty, unquoted */

#endif
