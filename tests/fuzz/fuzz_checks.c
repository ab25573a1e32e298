/* libFuzzer target of the checks: bytes -> YAML tree -> typed fleet ->
 * every check -> plan -> `infrac plan` output. Whatever the fleet says
 * (absurd sizes, huge counts, dangling references), nothing may crash,
 * leak, hang or overflow. `gguf:` is dropped so the run stays hermetic
 * (hostile GGUF bytes have their own target, fuzz_estimate_gguf). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check/check.h"
#include "cli/plan_print.h"
#include "diag/diag.h"
#include "fleet/fleet.h"
#include "plan_build.h"
#include "yaml/ytree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    source_file src;
    if (source_from_buffer(&src, "fuzz.yaml", (const char *)data, size) != 0) return 0;
    diag_list diags;
    diag_list_init(&diags, &src);
    ytree tree;
    fleet fl;
    bool lowered = false, checked = false;
    check_result cr;
    if (ytree_parse(&src, &tree, &diags) == 0) {
        lowered = true;
        if (fleet_lower(tree.root, &src, &fl, &diags) == 0) {
            for (uint32_t i = 0; i < fl.n_models; i++) fl.models[i].gguf.set = false;
            check_fleet(&fl, "/nonexistent", &diags, &cr);
            checked = true;
        }
    }
    diag_sort(&diags);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out) {
        diag_render(&diags, DIAG_FORMAT_TEXT, false, out);
        if (checked && diag_count(&diags, DIAG_ERROR) == 0) {
            plan p;
            if (plan_build(&fl, &cr, "/nonexistent", &p) == 0) {
                plan_print_text(&p, out);
                plan_print_json(&p, out);
                plan_free(&p);
            }
        }
        fclose(out);
    }
    free(buf);
    if (checked) {
        check_result_free(&cr);
        check_fleet_release(&fl);
    }
    if (lowered) fleet_free(&fl);
    ytree_free(&tree);
    diag_list_free(&diags);
    source_free(&src);
    return 0;
}
