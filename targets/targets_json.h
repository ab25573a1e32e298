/* JSON helpers shared by the engine config and plan.json writers, and by
 * `infrac plan --format json`. */
#ifndef INFRAC_TARGETS_JSON_H
#define INFRAC_TARGETS_JSON_H

#include <jansson.h>

#include "targets.h"

json_t *tj_str_or_null(const char *s);
json_t *tj_argv(const target_argv *a);
/* {weights, kv_cache, compute, overhead, other, total} in bytes. */
json_t *tj_breakdown(const memory_breakdown *m);
/* Serializes (sorted keys, 2-space indent, trailing newline) and releases root. */
char *tj_dump(json_t *root);
/* The JSON text json_dumps writes with tj_dump's flags (sorted keys, indent
 * 2, reals %.10g), without the final newline; malloc'ed (targets/json_text.c). */
char *tj_text(json_t *root);

#endif
