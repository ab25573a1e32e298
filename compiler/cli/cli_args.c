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
