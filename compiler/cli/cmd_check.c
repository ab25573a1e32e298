/* infrac check FILE [--format text|json|github|sarif] [--color auto|always|never] [--werror]
 * Type-checks a fleet file and prints every diagnostic (on stdout). */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "driver.h"

static int usage(const char *why) {
    /* Asked-for help goes to stdout (exit 0); a usage error to stderr (exit 2). */
    FILE *out = why ? stderr : stdout;
    if (why) fprintf(stderr, "infrac check: %s\n", why);
    fprintf(out, "usage: infrac check FILE [--format text|json|github|sarif] [--color auto|always|never] [--werror]\n");
    return 2;
}

int cmd_check(int argc, char **argv) {
    compile_options o = {DIAG_FORMAT_TEXT, -1, false, stdout, NULL, NULL};
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *why;
        int got = cli_diag_option(argc, argv, &i, &o, &why);
        if (got < 0) return usage(why);
        if (got > 0) {
            continue;
        } else {
            cli_arg_kind kind = cli_file_or_help(argv[i], &file, &why);
            if (kind == CLI_ARG_HELP) return usage(NULL), 0;
            if (kind == CLI_ARG_BAD) return usage(why);
        }
    }
    if (!file) return usage("no fleet file given");
    return infrac_compile(file, &o, NULL);
}
