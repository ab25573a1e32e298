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
    compile_options o = {DIAG_FORMAT_TEXT, -1, false, stdout};
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (cli_option(argc, argv, &i, "--format", &v)) {
            if (!v) return usage("--format needs a value");
            if (strcmp(v, "text") == 0) o.format = DIAG_FORMAT_TEXT;
            else if (strcmp(v, "json") == 0) o.format = DIAG_FORMAT_JSON;
            else if (strcmp(v, "github") == 0) o.format = DIAG_FORMAT_GITHUB;
            else if (strcmp(v, "sarif") == 0) o.format = DIAG_FORMAT_SARIF;
            else return usage("unknown format (text, json, github, sarif)");
        } else if (cli_option(argc, argv, &i, "--color", &v)) {
            if (!v) return usage("--color needs a value");
            if (strcmp(v, "auto") == 0) o.color = -1;
            else if (strcmp(v, "always") == 0) o.color = 1;
            else if (strcmp(v, "never") == 0) o.color = 0;
            else return usage("unknown --color (auto, always, never)");
        } else if (strcmp(argv[i], "--werror") == 0) {
            o.warnings_as_errors = true;
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
