/* infrac schema: the fleet language as JSON Schema (draft-07), for
 * yaml-language-server: `# yaml-language-server: $schema=fleet.schema.json`.
 * `--markdown` prints the key reference of docs/fleet.md instead. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "fleet_schema.h"

int cmd_schema(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: infrac schema [--markdown]   print the JSON Schema of the fleet language\n");
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--markdown")) {
        fs_write_markdown(stdout);
        return 0;
    }
    if (argc >= 2) {
        fprintf(stderr, "infrac schema: unknown argument '%s'\n", argv[1]);
        return 2;
    }
    return fs_write_json_schema(stdout) == 0 ? 0 : 2;
}
