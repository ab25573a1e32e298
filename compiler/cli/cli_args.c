#include <string.h>

#include "cli/cli_args.h"

bool cli_option(int argc, char **argv, int *i, const char *name, const char **value) {
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return false;
    if (a[n] == '=') {
        *value = a + n + 1;
        return true;
    }
    if (a[n] != '\0') return false;
    *value = (*i + 1 < argc) ? argv[++*i] : NULL;
    return true;
}

int cli_diag_option(int argc, char **argv, int *i, compile_options *o, const char **why) {
    const char *v;
    if (cli_option(argc, argv, i, "--format", &v)) {
        if (!v) return *why = "--format needs a value", -1;
        if (strcmp(v, "text") == 0) o->format = DIAG_FORMAT_TEXT;
        else if (strcmp(v, "json") == 0) o->format = DIAG_FORMAT_JSON;
        else if (strcmp(v, "github") == 0) o->format = DIAG_FORMAT_GITHUB;
        else if (strcmp(v, "sarif") == 0) o->format = DIAG_FORMAT_SARIF;
        else return *why = "unknown format (text, json, github, sarif)", -1;
        return 1;
    }
    if (cli_option(argc, argv, i, "--color", &v)) {
        if (!v) return *why = "--color needs a value", -1;
        if (strcmp(v, "auto") == 0) o->color = -1;
        else if (strcmp(v, "always") == 0) o->color = 1;
        else if (strcmp(v, "never") == 0) o->color = 0;
        else return *why = "unknown --color (auto, always, never)", -1;
        return 1;
    }
    if (strcmp(argv[*i], "--werror") == 0) {
        o->warnings_as_errors = true;
        return 1;
    }
    return 0;
}

cli_arg_kind cli_file_or_help(const char *arg, const char **file, const char **why) {
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) return CLI_ARG_HELP;
    if (arg[0] == '-' && arg[1] != '\0') return *why = "unknown option", CLI_ARG_BAD;
    if (*file) return *why = "one fleet file at a time", CLI_ARG_BAD;
    *file = arg;
    return CLI_ARG_OK;
}
