/* Macs (`platform: macos`): the Apple Silicon catalog and its default GPU
 * share, the VRAM and RAM checks on unified memory, gpu_wired_limit
 * (E0808), GPUs a Mac cannot drive (E0807) and keys launchd cannot honour
 * (E0806). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks_support.h"
#include "gpu_catalog.h"

/* A Mac with chip `chip`, one llama 8B (q4-sized) service on its GPU at ctx. */
static cs_fleet *mac(const char *chip, uint32_t ctx, fleet_service **out)
{
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "studio");
    cs_set_str(c, &h->platform, "macos");
    cs_gpu(c, h, chip);
    cs_model(c, "llama8b", "llama", 32, 4096, 32, 8, 131072, (uint64_t)(4.6 * GIB));
    fleet_service *s = cs_service(c, "chat", "studio", "llama8b", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, ctx);
    cs_set_size(c, &s->opts.cache_ram, 0);
    if (out) *out = s;
    return c;
}

static void default_share_is_two_thirds_then_three_quarters(void **state)
{
    (void)state;
    /* the figures llama.cpp printed (schema/gpu_catalog.c) */
    assert_int_equal(gpu_unified_default_share(16 * GIB), 16 * GIB / 3 * 2); /* 10922.67 MiB */
    assert_int_equal(gpu_unified_default_share(32 * GIB), 32 * GIB / 3 * 2); /* 21845.33 MiB */
    assert_int_equal(gpu_unified_default_share(64 * GIB), 48 * GIB);         /* 49152.00 MiB */
    assert_int_equal(gpu_unified_default_share(36 * GIB), 24 * GIB);
    assert_int_equal(gpu_unified_default_share(48 * GIB), 36 * GIB);
    const gpu_spec *g = gpu_catalog_find("m4-max-128gb");
    assert_non_null(g);
    assert_string_equal(g->vendor, "apple");
    assert_int_equal(g->unified_bytes, 128 * GIB);
    assert_int_equal(g->usable_bytes, 96 * GIB);
    assert_int_equal(gpu_catalog_find("m3-ultra-512gb")->usable_bytes, 384 * GIB);
    assert_int_equal(gpu_catalog_find("m1-8gb")->unified_bytes, 8 * GIB);
    /* every Apple entry: unified memory, the share below it; no card has unified memory */
    size_t apple = 0;
    for (size_t i = 0; i < gpu_catalog_count(); i++) {
        const gpu_spec *e = gpu_catalog_at(i);
        if (strcmp(e->vendor, "apple")) {
            assert_int_equal(e->unified_bytes, 0);
            continue;
        }
        apple++;
        assert_true(e->unified_bytes > 0);
        assert_int_equal(e->usable_bytes, gpu_unified_default_share(e->unified_bytes));
        assert_non_null(strstr(e->name, "Apple M"));
    }
    assert_true(apple >= 40);
    /* the size in an Apple id is its RAM: another RAM is another machine, never proposed in silence */
    assert_false(gpu_catalog_same_card("m4-max-96gb", g));
    assert_true(gpu_catalog_same_card("m4max-128gb", g));
}

/* A 24 GB M4 Pro gives its GPU 16 GiB by default: what fits 24 GiB does not fit there. */
static void vram_check_uses_the_default_share(void **state)
{
    (void)state;
    cs_fleet *c = mac("m4-pro-24gb", 98304, NULL);
    cs_run(c, NULL);
    if (cs_count(c, "E0401") != 1) cs_dump(c);
    assert_int_equal(cs_count(c, "E0401"), 1);
    const diagnostic *d = cs_find(c, "E0401", 0);
    assert_non_null(strstr(d->notes[d->n_notes - 1].message, "16.00 GiB minus the 512 MiB margin"));
    cs_free(c);
}

/* gpu_wired_limit raises the share: the same service fits at 20 GiB. */
static void wired_limit_is_the_usable_memory(void **state)
{
    (void)state;
    cs_fleet *c = mac("m4-pro-24gb", 98304, NULL);
    cs_set_size(c, &c->hosts[0].gpu_wired_limit, 20 * GIB);
    cs_run(c, NULL);
    if (c->d.n) cs_dump(c);
    assert_int_equal(c->d.n, 0);
    cs_free(c);
}

/* On unified memory the GPU's share comes out of the RAM: with a prompt
 * cache beside it, a 16 GB M4 runs out of RAM (E0402), its note says so. */
static void host_ram_counts_the_gpu_share(void **state)
{
    (void)state;
    fleet_service *s;
    cs_fleet *c = mac("m4-16gb", 16384, &s);
    cs_set_size(c, &s->opts.cache_ram, 8 * GIB);
    cs_run(c, NULL);
    if (cs_count(c, "E0402") != 1) cs_dump(c);
    assert_int_equal(cs_count(c, "E0401"), 0);
    assert_int_equal(cs_count(c, "E0402"), 1);
    const diagnostic *d = cs_find(c, "E0402", 0);
    bool said = false;
    for (uint32_t i = 0; i < d->n_notes; i++)
        said |= strstr(d->notes[i].message, "shares the RAM (unified memory)") != NULL;
    assert_true(said);
    assert_true(c->r.ram_peak[0] > c->r.gpu_peak[0]);
    cs_free(c);
}

static void wired_limit_above_ram_or_leaving_too_little(void **state)
{
    (void)state;
    cs_fleet *c = mac("m4-max-128gb", 8192, NULL);
    cs_set_size(c, &c->hosts[0].gpu_wired_limit, 130 * GIB);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0808"), 1);
    const diagnostic *d = cs_find(c, "E0808", 0);
    assert_int_equal(d->at.line, c->hosts[0].gpu_wired_limit.at.line);
    assert_non_null(strstr(d->message, "is more than its RAM (128.00 GiB)"));
    assert_non_null(strstr(d->help, "iogpu.wired_limit_mb=126976"));
    cs_free(c);

    c = mac("m4-max-128gb", 8192, NULL);
    cs_set_size(c, &c->hosts[0].gpu_wired_limit, 125 * GIB);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0808"), 1);
    assert_non_null(strstr(cs_find(c, "E0808", 0)->message, "leaves macOS 3.00 GiB"));
    cs_free(c);

    c = mac("m4-max-128gb", 8192, NULL); /* exactly 4 GiB left: fine */
    cs_set_size(c, &c->hosts[0].gpu_wired_limit, 124 * GIB);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0808"), 0);
    cs_free(c);
}

static void memory_other_than_the_chips_is_refused(void **state)
{
    (void)state;
    cs_fleet *c = mac("m3-max-36gb", 8192, NULL);
    cs_host_memory(c, &c->hosts[0], 64 * GIB);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0808"), 1);
    assert_int_equal(cs_find(c, "E0808", 0)->at.line, c->hosts[0].memory.at.line);
    cs_free(c);
}

static void vllm_on_a_mac_is_refused_by_name(void **state)
{
    (void)state;
    fleet_service *s;
    cs_fleet *c = mac("m2-ultra-192gb", 8192, &s);
    cs_set_int(c, &s->opts.engine, ENGINE_VLLM);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0806"), 1);
    const diagnostic *d = cs_find(c, "E0806", 0);
    assert_int_equal(d->at.line, s->opts.engine.at.line);
    assert_non_null(strstr(d->message, "`engine: vllm`"));
    assert_non_null(strstr(d->help, "engine: llama.cpp"));
    cs_free(c);
}

/* (after:, cpu_affinity: and the rest: examples/broken/macos-launchd-keys.yaml,
 * whose lists and CPU lists need the YAML front end's arena) */
static void keys_launchd_cannot_honour_are_refused_where_written(void **state)
{
    (void)state;
    fleet_service *s;
    cs_fleet *c = mac("m2-ultra-192gb", 8192, &s);
    cs_set_str(c, &s->opts.numa, "distribute");
    fleet_service *t = cs_service(c, "wide", "studio", "llama8b", 8081);
    cs_gpus(c, t, 1, (int64_t[]){0});
    cs_set_str(c, &s->exclusive, "big");
    cs_set_str(c, &t->exclusive, "big");
    cs_run(c, NULL);
    if (cs_count(c, "E0806") != 3) cs_dump(c);
    assert_int_equal(cs_count(c, "E0806"), 3);
    assert_int_equal(cs_find(c, "E0806", 0)->at.line, s->opts.numa.at.line);
    assert_non_null(strstr(cs_find(c, "E0806", 0)->message, "sets `numa`"));
    assert_int_equal(cs_find(c, "E0806", 1)->at.line, s->exclusive.at.line);
    assert_non_null(strstr(cs_find(c, "E0806", 1)->message, "no Conflicts="));
    assert_int_equal(cs_find(c, "E0806", 2)->at.line, t->exclusive.at.line);
    cs_free(c);
}

static void nvidia_card_on_a_mac_and_apple_gpu_on_linux(void **state)
{
    (void)state;
    cs_fleet *c = cs_new();
    fleet_host *m = cs_host(c, "studio");
    cs_set_str(c, &m->platform, "macos");
    fleet_gpu *g = cs_gpu(c, m, "rtx-4090");
    fleet_host *l = cs_host(c, "tower");
    cs_host_memory(c, l, 128 * GIB);
    fleet_gpu *a = cs_gpu(c, l, "m4-max-128gb");
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0807"), 2);
    assert_int_equal(cs_find(c, "E0807", 0)->at.line, g->at.line);
    assert_non_null(strstr(cs_find(c, "E0807", 0)->message, "is an NVIDIA card, which a Mac cannot drive"));
    assert_int_equal(cs_find(c, "E0807", 1)->at.line, a->at.line);
    assert_non_null(strstr(cs_find(c, "E0807", 1)->help, "platform: macos"));
    cs_free(c);
}

static void a_clean_mac_has_no_diagnostics(void **state)
{
    (void)state;
    cs_fleet *c = mac("m3-ultra-256gb", 32768, NULL);
    cs_set_size(c, &c->hosts[0].gpu_wired_limit, 224 * GIB);
    cs_run(c, NULL);
    if (c->d.n) cs_dump(c);
    assert_int_equal(c->d.n, 0);
    cs_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_share_is_two_thirds_then_three_quarters),
        cmocka_unit_test(vram_check_uses_the_default_share),
        cmocka_unit_test(wired_limit_is_the_usable_memory),
        cmocka_unit_test(host_ram_counts_the_gpu_share),
        cmocka_unit_test(wired_limit_above_ram_or_leaving_too_little),
        cmocka_unit_test(memory_other_than_the_chips_is_refused),
        cmocka_unit_test(vllm_on_a_mac_is_refused_by_name),
        cmocka_unit_test(keys_launchd_cannot_honour_are_refused_where_written),
        cmocka_unit_test(nvidia_card_on_a_mac_and_apple_gpu_on_linux),
        cmocka_unit_test(a_clean_mac_has_no_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
