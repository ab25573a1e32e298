/* libFuzzer target of the front end: bytes -> source -> YAML tree -> typed
 * fleet -> diagnostics rendered in every format. Nothing may crash, leak,
 * hang or read out of bounds, whatever the bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag/diag.h"
#include "fleet/fleet.h"
#include "yaml/ytree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    source_file src;
    if (source_from_buffer(&src, "fuzz.yaml", (const char *)data, size) != 0) return 0;
    diag_list diags;
    diag_list_init(&diags, &src);
    ytree tree;
    fleet fl;
    bool lowered = false;
    if (ytree_parse(&src, &tree, &diags) == 0) {
        fleet_lower(tree.root, &src, &fl, &diags);
        lowered = true;
    }
    diag_sort(&diags);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out) {
        for (int fmt = DIAG_FORMAT_TEXT; fmt <= DIAG_FORMAT_SARIF; fmt++) diag_render(&diags, (diag_format)fmt, fmt == 0, out);
        fclose(out);
    }
    free(buf);
    if (lowered) fleet_free(&fl);
    ytree_free(&tree);
    diag_list_free(&diags);
    source_free(&src);
    return 0;
}
