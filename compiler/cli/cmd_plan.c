/* infrac plan FILE [--format text|json]
 * Checks the fleet, then prints what it would deploy: per host and GPU,
 * the services and their estimated memory, the headroom, the ports.
 * Diagnostics go to stderr; the plan to stdout. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/plan_print.h"
#include "driver.h"

static int usage(const char *why) {
    /* Asked-for help goes to stdout (exit 0); a usage error to stderr (exit 2). */
    FILE *out = why ? stderr : stdout;
    if (why) fprintf(stderr, "infrac plan: %s\n", why);
    fprintf(out, "usage: infrac plan FILE [--format text|json]\n");
    return 2;
}

int cmd_plan(int argc, char **argv) {
    const char *file = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *v, *why;
        if (cli_option(argc, argv, &i, "--format", &v)) {
            if (!v) return usage("--format needs a value");
            if (strcmp(v, "json") == 0) json = true;
            else if (strcmp(v, "text") == 0) json = false;
            else return usage("unknown format (text, json)");
        } else {
            cli_arg_kind kind = cli_file_or_help(argv[i], &file, &why);
            if (kind == CLI_ARG_HELP) return usage(NULL), 0;
            if (kind == CLI_ARG_BAD) return usage(why);
        }
    }
    if (!file) return usage("no fleet file given");
    compile_options o = {DIAG_FORMAT_TEXT, -1, false, stderr, NULL, NULL};
    plan p;
    int rc = infrac_compile(file, &o, &p);
    if (rc != 0) return rc;
    if (json) {
        if (plan_print_json(&p, stdout) != 0) rc = 2;
    } else {
        plan_print_text(&p, stdout);
    }
    plan_free(&p);
    return rc;
}
