/* Option parsing shared by `infrac check`, `infrac plan` and `infrac build`. */
#ifndef INFRAC_CLI_ARGS_H
#define INFRAC_CLI_ARGS_H

#include <stdbool.h>

#include "driver.h"

/* Matches "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i past
 * the value. Returns true on a match; *value is NULL when it is missing. */
bool cli_option(int argc, char **argv, int *i, const char *name, const char **value);

/* The diagnostic options every compiling command takes: --format (text,
 * json, github, sarif), --color (auto, always, never) and --werror.
 * Returns 1 when argv[*i] was one of them (o updated), 0 when it was not,
 * -1 when its value is missing or unknown (*why says which). */
int cli_diag_option(int argc, char **argv, int *i, compile_options *o, const char **why);

/* What is left of an argument once a command has matched its own options:
 * -h/--help, an unknown option, or the fleet file (one only). */
typedef enum cli_arg_kind { CLI_ARG_OK, CLI_ARG_HELP, CLI_ARG_BAD } cli_arg_kind;
/* Sets *file on the first plain argument; CLI_ARG_BAD (with *why) on an
 * unknown option or a second file. */
cli_arg_kind cli_file_or_help(const char *arg, const char **file, const char **why);

#endif
