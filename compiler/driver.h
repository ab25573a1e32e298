/* One call from a fleet file to a checked plan: YAML -> positioned tree ->
 * typed fleet -> checks -> plan. Diagnostics are rendered as they are
 * collected, in the chosen format, on opts->out. */
#ifndef INFRAC_DRIVER_H
#define INFRAC_DRIVER_H

#include <stdbool.h>
#include <stdio.h>

#include "diag/diag.h"
#include "plan.h"


/* Called with the checked plan before the diagnostics are rendered, so a
 * command can add its own (e.g. `infrac build`'s output errors) and every
 * diagnostic of the run comes out as one document. Returns the exit status
 * the command wants (0 to keep going). */
typedef int (*compile_after_fn)(const plan *p, struct diag_list *diags, void *ctx);

typedef struct compile_options {
    diag_format format;
    int color;            /* 1 on, 0 off, -1 auto (a terminal and no NO_COLOR) */
    bool warnings_as_errors;
    FILE *out;            /* where diagnostics go; stderr when NULL */
    compile_after_fn after; /* optional; only called when the fleet has no errors */
    void *after_ctx;
} compile_options;

/* Returns 0 when the fleet has no errors (then *out holds the plan when out
 * is not NULL; free it with plan_free), 1 when errors were reported, 2 when
 * the file could not be read (reported too, as E0111), or what opts->after
 * returned when it is not 0 (then no plan is handed back). */
int infrac_compile(const char *path, const compile_options *opts, plan *out);

#endif
