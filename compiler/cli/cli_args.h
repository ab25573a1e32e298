/* Option parsing shared by `infrac check` and `infrac plan`. */
#ifndef INFRAC_CLI_ARGS_H
#define INFRAC_CLI_ARGS_H

#include <stdbool.h>

/* Matches "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i past
 * the value. Returns true on a match; *value is NULL when it is missing. */
bool cli_option(int argc, char **argv, int *i, const char *name, const char **value);

#endif
