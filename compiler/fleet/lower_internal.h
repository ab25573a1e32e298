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

/* Called for keys the table marks as lowered by hand. */
typedef void (*custom_fn)(lower_ctx *c, const fs_key *k, const ynode *key, const ynode *value, void *user);

#define MAX_KEYS 64

typedef struct object_walk {
    const fs_object *obj;
    void *base;       /* struct holding obj's own fields */
    void *also_base;  /* struct holding obj->also's fields */
    const char *owner; /* "service `chat`" for messages */
    src_span owner_at; /* where missing keys are reported */
    custom_fn custom;
    void *user;
    bool seen[MAX_KEYS], seen_also[MAX_KEYS];
} object_walk;

/* Lowers the keys of map into w's structs: unknown keys (did-you-mean),
 * scalar fields by the table, the rest through w->custom; missing required
 * keys reported at w->owner_at. */
void lower_walk_object(lower_ctx *c, object_walk *w, const ynode *map);

/* A list value (else reported: E0202). */
bool lower_want_list(lower_ctx *c, const fs_key *k, const ynode *n);

/* `engines:` (lower_engines.c): lowered before everything that names a build. */
void lower_engines(lower_ctx *c, const fs_key *k, const ynode *v);
/* After hosts are known: the hosts `binaries:` names (E0803). */
void lower_engines_check_hosts(lower_ctx *c);
/* A `NAME: value` mapping (env:), checked; appended in order. */
void lower_env_map(lower_ctx *c, const fs_key *k, const ynode *v, fleet_env **out, uint32_t *n);
/* The build or kind named by `engine:` into o (E0801 when neither). */
void lower_engine_choice(lower_ctx *c, const ynode *v, fleet_service_opts *o);
/* Fleet id of a declared cache type name; -1 when no build declares it. */
int lower_declared_cache_id(const lower_ctx *c, const char *name, size_t len);

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
