/* The compile driver: fleet file -> positioned tree -> typed fleet ->
 * checks -> diagnostics (sorted, rendered) -> plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"
#include "diag/diag.h"
#include "driver.h"
#include "fleet/fleet.h"
#include "plan_build.h"
#include "source.h"
#include "yaml/ytree.h"

/* The directory `gguf:` paths are relative to: the fleet file's. */
static char *fleet_dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static bool want_color(const compile_options *o, FILE *out) {
    if (o->format != DIAG_FORMAT_TEXT) return false;
    if (o->color == 1) return true;
    if (o->color == 0) return false;
    const char *nc = getenv("NO_COLOR");
    if (nc && nc[0]) return false;
    /* A terminal that cannot show colour says so with TERM=dumb (terminfo). */
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0) return false;
    return isatty(fileno(out)) == 1;
}

/* A file that cannot be loaded is reported like any other diagnostic (E0111,
 * no position), in the chosen format, so JSON/SARIF consumers get a document. */
static int report_load_error(const char *path, const char *why, const compile_options *opts,
                             FILE *dout) {
    source_file empty;
    if (source_from_buffer(&empty, path, "", 0) != 0) {
        fprintf(stderr, "infrac: error: %s\n", why);
        return 2;
    }
    diag_list diags;
    diag_list_init(&diags, &empty);
    src_span none = {0, 0, 0, 0};
    diag_error(&diags, "E0111", none, "%s", why);
    diag_render(&diags, opts->format, want_color(opts, dout), dout);
    diag_list_free(&diags);
    source_free(&empty);
    return 2;
}

int infrac_compile(const char *path, const compile_options *opts, plan *out) {
    compile_options dflt = {DIAG_FORMAT_TEXT, -1, false, NULL, NULL, NULL};
    if (!opts) opts = &dflt;
    FILE *dout = opts->out ? opts->out : stderr;
    if (out) memset(out, 0, sizeof *out);

    source_file src;
    char err[512] = "";
    if (source_load(&src, path, err, sizeof err) != 0)
        return report_load_error(path, err[0] ? err : "cannot read the file", opts, dout);
    diag_list diags;
    diag_list_init(&diags, &src);
    ytree tree = {0};
    fleet f;
    memset(&f, 0, sizeof f);
    bool have_fleet = false, lowered = false;
    check_result cr;
    memset(&cr, 0, sizeof cr);
    char *dir = fleet_dir_of(path);

    if (ytree_parse(&src, &tree, &diags) == 0) {
        lowered = true; /* an empty document is the lowering's error (E0112) */
        if (fleet_lower(tree.root, &src, &f, &diags) == 0) {
            have_fleet = true;
            check_fleet(&f, dir, &diags, &cr);
        }
    }

    diag_sort(&diags); /* what `after` adds comes last, in its order */
    size_t errors = diag_count(&diags, DIAG_ERROR);
    size_t warnings = diag_count(&diags, DIAG_WARNING);
    int rc = errors || (opts->warnings_as_errors && warnings) ? 1 : 0;
    if (!have_fleet && rc == 0) rc = 1; /* an empty document is not a fleet */

    bool oom = false, planned = false;
    plan local;
    plan *pl = out ? out : &local;
    if (rc == 0 && (out || opts->after)) {
        if (plan_build(&f, &cr, dir, pl) != 0) {
            oom = true;
            rc = 2;
        } else {
            planned = true;
        }
    }
    if (rc == 0 && opts->after) rc = opts->after(pl, &diags, opts->after_ctx);
    if (planned && (pl == &local || rc != 0)) plan_free(pl);
    if (planned && rc != 0 && out) memset(out, 0, sizeof *out);

    diag_render(&diags, opts->format, want_color(opts, dout), dout);
    if (oom) fprintf(stderr, "infrac: error: out of memory building the plan\n");
    check_result_free(&cr);
    if (have_fleet) check_fleet_release(&f);
    if (lowered) fleet_free(&f);
    ytree_free(&tree);
    diag_list_free(&diags);
    source_free(&src);
    free(dir);
    return rc;
}
