/* The VRAM and host RAM checks: residency, exclusive groups, the error's
 * breakdown and its suggested fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks_support.h"
#include "ggml_types.h"

/* Two llama 8B (q4-sized) services at 32K context on one 16 GB card. */
static cs_fleet *two_on_one(uint32_t ctx_a, uint32_t ctx_b, const char *group) {
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "tower");
    cs_gpu(c, h, "rtx-5060-ti-16gb");
    cs_model(c, "llama8b", "llama", 32, 4096, 32, 8, 131072, (uint64_t)(4.6 * GIB));
    fleet_service *a = cs_service(c, "chat", "tower", "llama8b", 8080);
    cs_gpus(c, a, 1, (int64_t[]){0});
    cs_set_int(c, &a->opts.context, ctx_a);
    fleet_service *b = cs_service(c, "code", "tower", "llama8b", 8081);
    cs_gpus(c, b, 1, (int64_t[]){0});
    cs_set_int(c, &b->opts.context, ctx_b);
    if (group) {
        cs_set_str(c, &a->exclusive, group);
        cs_set_str(c, &b->exclusive, group);
    }
    return c;
}

static void overcommit_is_reported_with_breakdown(void **state) {
    (void)state;
    cs_fleet *c = two_on_one(32768, 32768, NULL);
    cs_run(c, NULL);
    if (cs_count(c, "E0401") != 1) cs_dump(c);
    assert_int_equal(cs_count(c, "E0401"), 1);
    const diagnostic *d = cs_find(c, "E0401", 0);
    assert_int_equal(d->at.line, c->hosts[0].gpus[0].at.line);
    assert_non_null(strstr(d->message, "GPU 0 of host `tower` (rtx-5060-ti-16gb) is overcommitted"));
    /* one note per service, at the service, then the usable memory */
    assert_int_equal(d->n_notes, 3);
    assert_int_equal(d->notes[0].at.line, c->services[0].name.at.line);
    assert_int_equal(d->notes[1].at.line, c->services[1].name.at.line);
    const memory_breakdown *m = &c->r.svc[0].est->gpu[0];
    char want[256], w[32], k[32];
    snprintf(want, sizeof want, "weights %.2f GiB, KV cache %.2f GiB", (double)m->weights / GIB,
             (double)m->kv_cache / GIB);
    (void)w;
    (void)k;
    assert_non_null(strstr(d->notes[0].message, want));
    assert_non_null(strstr(d->notes[0].message, "compute"));
    assert_non_null(strstr(d->notes[0].message, "runtime"));
    assert_non_null(strstr(d->notes[2].message, "15.48 GiB minus the 512 MiB margin"));
    /* the total in the message is the sum of both shares */
    uint64_t total = c->r.svc[0].est->gpu[0].total + c->r.svc[1].est->gpu[0].total;
    assert_int_equal(c->r.gpu_peak[0], total);
    assert_non_null(d->help);
    assert_non_null(strstr(d->help, "exclusive"));
    cs_free(c);
}

static void suggested_context_fits(void **state) {
    (void)state;
    cs_fleet *c = two_on_one(32768, 32768, NULL);
    cs_run(c, NULL);
    const diagnostic *d = cs_find(c, "E0401", 0);
    assert_non_null(d);
    const char *p = strstr(d->help, "`context: ");
    assert_non_null(p);
    unsigned ctx = (unsigned)strtoul(p + strlen("`context: "), NULL, 10);
    assert_true(ctx > 0 && ctx < 32768 && ctx % 256 == 0);
    const char *on = strstr(p, "` on `");
    assert_non_null(on);
    bool first = strncmp(on + 6, "chat", 4) == 0;
    cs_free(c);
    /* apply the suggestion: the fleet now fits */
    c = first ? two_on_one(ctx, 32768, NULL) : two_on_one(32768, ctx, NULL);
    cs_run(c, NULL);
    if (cs_count(c, "E0401")) cs_dump(c);
    assert_int_equal(cs_count(c, "E0401"), 0);
    cs_free(c);
}

static cs_fleet *moe_on_4090(int64_t cpu_moe) {
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-4090");
    fleet_model *m = cs_model(c, "moe", "qwen3moe", 48, 2048, 32, 4, 32768, 30 * GIB);
    cs_set_int(c, &m->shape.experts, 128);
    cs_set_int(c, &m->shape.experts_used, 8);
    cs_set_int(c, &m->shape.ff_expert, 768);
    fleet_service *s = cs_service(c, "chat", "box", "moe", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 8192);
    if (cpu_moe) cs_set_int(c, &s->opts.cpu_moe_layers, cpu_moe);
    return c;
}

/* On a MoE model the help names the fewest layers whose experts must stay
 * on the CPU, and that number fits. */
static void moe_overcommit_suggests_cpu_moe_layers(void **state) {
    (void)state;
    cs_fleet *c = moe_on_4090(0);
    cs_run(c, NULL);
    const diagnostic *d = cs_find(c, "E0401", 0);
    assert_non_null(d);
    const char *p = strstr(d->help, "`cpu_moe_layers: ");
    assert_non_null(p);
    assert_non_null(strstr(p, "keeps the experts of layers 0-"));
    unsigned n = (unsigned)strtoul(p + strlen("`cpu_moe_layers: "), NULL, 10);
    assert_true(n > 0 && n <= 48);
    cs_free(c);
    c = moe_on_4090(n);
    cs_run(c, NULL);
    if (cs_count(c, "E0401")) cs_dump(c);
    assert_int_equal(cs_count(c, "E0401"), 0);
    cs_free(c);
}

static void exclusive_group_counts_once(void **state) {
    (void)state;
    cs_fleet *c = two_on_one(32768, 16384, "gpu0");
    cs_run(c, NULL);
    if (cs_count(c, "E0401")) cs_dump(c);
    assert_int_equal(cs_count(c, "E0401"), 0);
    uint64_t a = c->r.svc[0].est->gpu[0].total, b = c->r.svc[1].est->gpu[0].total;
    assert_true(a > b);
    assert_int_equal(c->r.gpu_peak[0], a);
    cs_free(c);
}

static void autostart_off_still_counts(void **state) {
    (void)state;
    cs_fleet *c = two_on_one(32768, 32768, NULL);
    cs_set_bool(c, &c->services[1].opts.autostart, false);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0401"), 1);
    assert_non_null(strstr(cs_find(c, "E0401", 0)->notes[1].message, "not started at boot, counted"));
    cs_free(c);
}

static void margin_is_configurable(void **state) {
    (void)state;
    /* one service that fits by itself; a margin as large as the card does not */
    cs_fleet *c = two_on_one(4096, 4096, NULL);
    c->f.n_services = 1;
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0401"), 0);
    cs_free(c);
    c = two_on_one(4096, 4096, NULL);
    c->f.n_services = 1;
    cs_set_size(c, &c->f.vram_margin, 15 * GIB);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0401"), 1);
    cs_free(c);
}

static void cpu_service_host_ram(void **state) {
    (void)state;
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "mini");
    cs_host_memory(c, h, 16 * GIB);
    cs_model(c, "big", "llama", 40, 5120, 40, 8, 32768, 14 * GIB);
    fleet_service *s = cs_service(c, "chat", "mini", "big", 8080);
    cs_run(c, NULL);
    if (cs_count(c, "E0402") != 1) cs_dump(c);
    assert_int_equal(cs_count(c, "E0402"), 1);
    const diagnostic *d = cs_find(c, "E0402", 0);
    assert_int_equal(d->at.line, h->memory.at.line);
    assert_int_equal(d->notes[0].at.line, s->name.at.line);
    assert_non_null(strstr(d->notes[0].message, "prompt cache 8.00 GiB"));
    cs_free(c);
    /* a smaller prompt cache makes it fit */
    c = cs_new();
    h = cs_host(c, "mini");
    cs_host_memory(c, h, 24 * GIB);
    cs_model(c, "big", "llama", 40, 5120, 40, 8, 32768, 14 * GIB);
    s = cs_service(c, "chat", "mini", "big", 8080);
    cs_set_size(c, &s->opts.cache_ram, 512 * MIB);
    cs_run(c, NULL);
    if (cs_count(c, "E0402")) cs_dump(c);
    assert_int_equal(cs_count(c, "E0402"), 0);
    assert_true(c->r.ram_peak[0] > 14 * GIB);
    cs_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overcommit_is_reported_with_breakdown),
        cmocka_unit_test(suggested_context_fits),
        cmocka_unit_test(exclusive_group_counts_once),
        cmocka_unit_test(moe_overcommit_suggests_cpu_moe_layers),
        cmocka_unit_test(autostart_off_still_counts),
        cmocka_unit_test(margin_is_configurable),
        cmocka_unit_test(cpu_service_host_ram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
