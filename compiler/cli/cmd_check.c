/* infrac check FILE [--format text|json|github|sarif] [--color auto|always|never] [--werror]
 * Type-checks a fleet file and prints every diagnostic (on stdout). */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "driver.h"

static int usage(const char *why) {
    if (why) fprintf(stderr, "infrac check: %s\n", why);
    fprintf(stderr, "usage: infrac check FILE [--format text|json|github|sarif] [--color auto|always|never] [--werror]\n");
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
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(NULL);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage("unknown option");
        } else if (!file) {
            file = argv[i];
        } else {
            return usage("one fleet file at a time");
        }
    }
    if (!file) return usage("no fleet file given");
    return infrac_compile(file, &o, NULL);
}
