/* Calibration: the estimator against 48 llama-server processes measured on
 * an H200 (tests/data/reference/vram-llamacpp-h200.json). Every row must be
 * within 3% and none under-estimated by more than 1%. Prints the table as
 * TAP comments; with ESTIMATE_TABLE=FILE also writes it as markdown (used
 * by tests/golden/refresh-estimate.sh for docs/vram-table.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "estimate/estimate.h"
#include "ggml_types.h"
#include "gpu_catalog.h"
#include "test_data.h"

static void reference_rows_within_bounds(void **state)
{
    (void)state;
    char path[1024], err[512];
    test_data_path("reference/vram-llamacpp-h200.json", path, sizeof path);
    assert_int_equal(access(path, R_OK), 0);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    assert_non_null(root);
    json_t *rows = json_object_get(root, "rows");
    assert_true(json_is_array(rows));
    assert_int_equal(json_array_size(rows), 48);

    const char *table_path = getenv("ESTIMATE_TABLE");
    FILE *table = table_path ? fopen(table_path, "w") : NULL;
    if (table) {
        fprintf(table, "| model | ctx | K | V | ubatch | batch | slots | FA | estimate MiB | measured MiB | error %% |\n");
        fprintf(table, "|---|---:|---|---|---:|---:|---:|---|---:|---:|---:|\n");
    }
    double worst_over = 0, worst_under = 0;
    int failures = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        const char *model = json_string_value(json_object_get(row, "model"));
        assert_non_null(model);
        char gguf[1200], rel[200];
        snprintf(rel, sizeof rel, "reference/%s.gguf", model);
        test_data_path(rel, gguf, sizeof gguf);
        model_shape shape;
        assert_int_equal(model_shape_load(gguf, &shape, err, sizeof err), 0);
        assert_true(shape.arch_known);

        estimate_request req;
        estimate_request_defaults(&req, ENGINE_LLAMACPP);
        req.context = (uint32_t)json_integer_value(json_object_get(row, "ctx_size"));
        const char *ck = json_string_value(json_object_get(row, "cache_type_k"));
        const char *cv = json_string_value(json_object_get(row, "cache_type_v"));
        req.cache_k = (uint32_t)ggml_type_from_name(ck);
        req.cache_v = (uint32_t)ggml_type_from_name(cv);
        req.ubatch = (uint32_t)json_integer_value(json_object_get(row, "ubatch_size"));
        req.batch = (uint32_t)json_integer_value(json_object_get(row, "batch_size"));
        req.parallel = (uint32_t)json_integer_value(json_object_get(row, "parallel"));
        const char *fa = json_string_value(json_object_get(row, "flash_attn"));
        req.flash_attn = fa && strcmp(fa, "on") == 0;
        req.n_gpus = 1;
        req.gpu_layers = -1;
        const gpu_spec *h200 = gpu_catalog_find("h200");
        assert_non_null(h200);
        req.gpu_total_bytes[0] = h200->usable_bytes;
        req.gpu_overhead_bytes[0] = h200->runtime_overhead_bytes;

        estimate_result res;
        assert_int_equal(estimate_memory(&shape, &req, &res, err, sizeof err), 0);
        double est = (double)res.gpu[0].total / MIB;
        double measured = (double)json_integer_value(json_object_get(row, "measured_process_vram_mib"));
        double pct = (est - measured) / measured * 100.0;
        bool ok = pct <= 3.0 && pct >= -1.0;
        if (!ok)
            failures++;
        if (pct > worst_over)
            worst_over = pct;
        if (pct < worst_under)
            worst_under = pct;
        printf("# %-10s ctx %6u %-4s/%-4s ub %4u b %4u np %u fa %-3s est %8.0f MiB measured %6.0f MiB %+6.2f%%%s\n",
               model, req.context, ck, cv, req.ubatch, req.batch, req.parallel, fa, est, measured, pct,
               ok ? "" : "  <-- out of bounds");
        if (table)
            fprintf(table, "| %s | %u | %s | %s | %u | %u | %u | %s | %.0f | %.0f | %+.2f |\n",
                    model, req.context, ck, cv, req.ubatch, req.batch, req.parallel, fa, est, measured, pct);
        model_shape_free(&shape);
    }
    printf("# worst over-estimate %+.2f%%, worst under-estimate %+.2f%%\n", worst_over, worst_under);
    if (table) {
        fprintf(table, "\nWorst over-estimate %+.2f%%, worst under-estimate %+.2f%%.\n", worst_over, worst_under);
        fclose(table);
    }
    json_decref(root);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_rows_within_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
