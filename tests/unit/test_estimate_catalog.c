/* The GPU catalog embedded from schema/gpus.yaml. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gpu_catalog.h"

#define MIB_ (1024ull * 1024ull)

static void finds_cards_with_facts_figures(void **state)
{
    (void)state;
    const gpu_spec *g = gpu_catalog_find("rtx-4090");
    assert_non_null(g);
    assert_string_equal(g->vendor, "nvidia");
    assert_int_equal(g->usable_bytes, 24080ull * MIB_);
    g = gpu_catalog_find("h200");
    assert_non_null(g);
    assert_int_equal(g->usable_bytes, 143771ull * MIB_);
    assert_int_equal(g->runtime_overhead_bytes, 600ull * MIB_);
    g = gpu_catalog_find("rtx-5060-ti-16gb");
    assert_non_null(g);
    assert_int_equal(g->usable_bytes, (uint64_t)(15.48 * 1024 * MIB_));
    g = gpu_catalog_find("h100-80gb");
    assert_non_null(g);
    assert_true(g->usable_bytes >= 81090ull * MIB_ && g->usable_bytes < 81091ull * MIB_);
}

static void every_required_card_is_present_and_sane(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "rtx-5060-ti-16gb", "rtx-4060-ti-16gb", "rtx-3060-12gb", "rtx-3090", "rtx-4090", "rtx-5090",
        "rtx-4080", "rtx-a4000", "rtx-a5000", "rtx-a6000", "rtx-6000-ada", "l4", "l40s",
        "a100-40gb", "a100-80gb", "h100-80gb", "h200",
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const gpu_spec *g = gpu_catalog_find(ids[i]);
        assert_non_null(g);
        assert_string_equal(g->id, ids[i]);
        assert_true(strlen(g->name) > 0);
        assert_true(g->usable_bytes >= 8ull * 1024 * MIB_);
        assert_true(g->usable_bytes <= 160ull * 1024 * MIB_);
        assert_true(g->runtime_overhead_bytes >= 400 * MIB_ && g->runtime_overhead_bytes <= 1024 * MIB_);
    }
    assert_true(gpu_catalog_count() >= sizeof ids / sizeof ids[0]);
}

static void enumerates_and_rejects_unknown(void **state)
{
    (void)state;
    assert_null(gpu_catalog_find("rtx-9999"));
    assert_null(gpu_catalog_find(""));
    assert_null(gpu_catalog_find(NULL));
    size_t n = gpu_catalog_count();
    for (size_t i = 0; i < n; i++) {
        const gpu_spec *g = gpu_catalog_at(i);
        assert_non_null(g);
        assert_ptr_equal(gpu_catalog_find(g->id), g);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(gpu_catalog_at(j)->id, g->id);
    }
    assert_null(gpu_catalog_at(n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finds_cards_with_facts_figures),
        cmocka_unit_test(every_required_card_is_present_and_sane),
        cmocka_unit_test(enumerates_and_rejects_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
