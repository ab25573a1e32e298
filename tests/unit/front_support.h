/* Test helpers of the front end: run bytes through source -> YAML tree ->
 * typed fleet and look at the diagnostics. */
#ifndef FRONT_SUPPORT_H
#define FRONT_SUPPORT_H

#include <stdbool.h>

#include "diag/diag.h"
#include "fleet/fleet.h"
#include "yaml/ytree.h"

typedef struct front_result {
    source_file src;
    ytree tree;
    fleet fl;
    diag_list diags;
    int parse_rc, lower_rc;
    bool lowered;
} front_result;

/* Parses and (when the tree is usable) lowers len bytes of text. */
void front_run_n(front_result *r, const char *text, size_t len);
void front_run(front_result *r, const char *text);
/* Runs the checks that judge a service's values together and its
 * references (check/service_values.c, check/references.c) on the lowered
 * fleet, adding their diagnostics (sorted again). */
void front_check_values(front_result *r);
/* Rendered diagnostics (sorted), malloc'ed. */
char *front_render(front_result *r, diag_format fmt, bool color);
/* How many diagnostics carry code. */
size_t front_count(const front_result *r, const char *code);
/* The first diagnostic with code, or NULL. */
const diagnostic *front_find(const front_result *r, const char *code);
void front_free(front_result *r);

#endif
