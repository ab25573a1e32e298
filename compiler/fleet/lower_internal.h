/* Shared by the lowering files: the context and the scalar converters. */
#ifndef INFRAC_LOWER_INTERNAL_H
#define INFRAC_LOWER_INTERNAL_H

#include "fleet/fleet.h"
#include "fleet_schema.h"
#include "util/arena.h"
#include "yaml/ytree.h"

typedef struct lower_ctx {
    const source_file *src;
    diag_list *diags;
    arena *ar;
    fleet *f;
} lower_ctx;

/* "a mapping", "a list", "the string \"x\"" ... for wrong-type messages. */
const char *lower_describe(const ynode *n, char *buf, size_t len);

/* Each converter reports its own errors (naming `what`, e.g. "port") and
 * returns false when the value is unusable; out is set only on success. */
bool lower_int(lower_ctx *c, const fs_key *k, const ynode *n, int64_t *out);
bool lower_number(lower_ctx *c, const fs_key *k, const ynode *n, double *out);
bool lower_bool(lower_ctx *c, const fs_key *k, const ynode *n, bool *out);
bool lower_size(lower_ctx *c, const fs_key *k, const ynode *n, uint64_t *out);
/* Index of the value in k->values (or the given list), -1 when not there (reported). */
int lower_enum(lower_ctx *c, const fs_key *k, const char *const *values, const ynode *n);
bool lower_string(lower_ctx *c, const fs_key *k, const ynode *n, const char **out);
/* Name syntax of hosts, models, services, groups. */
bool lower_check_name(lower_ctx *c, const ynode *n, const char *what);

/* Parses "16GiB", "4.7 GiB", "1000": false on a bad number or unit (then
 * *bad_unit says which), or on a well-formed size beyond 2^64-1 bytes (then
 * *out is UINT64_MAX). */
bool parse_size(const char *text, uint64_t *out, bool *bad_unit);

#endif
