/* The plan built from a checked fleet: defaults applied, sorted by name,
 * memory and peaks carried over, digest of the source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "checks_support.h"
#include "ggml_types.h"
#include "plan_build.h"

static void plan_resolves_defaults_and_sorts(void **state) {
    (void)state;
    cs_fleet *c = cs_new();
    fleet_host *z = cs_host(c, "zeta");
    cs_gpu(c, z, "rtx-4090");
    cs_gpu(c, z, "rtx-4090");
    fleet_host *a = cs_host(c, "alpha");
    cs_host_memory(c, a, 64 * GIB);
    cs_reserve_port(c, a, 22);
    fleet_model *m = cs_model(c, "m", "llama", 32, 4096, 32, 8, 32768, 4 * GIB);
    cs_set_size(c, &m->file_size, 4 * GIB + 123);
    fleet_service *s2 = cs_service(c, "web", "zeta", "m", 8081);
    cs_gpus(c, s2, 2, (int64_t[]){1, 0});
    cs_split(c, s2, 2, (double[]){3, 1});
    cs_set_str(c, &s2->opts.bind, "0.0.0.0");
    cs_set_str(c, &s2->opts.api_key_file, "/etc/k");
    cs_set_int(c, &s2->opts.context, 16384);
    cs_set_int(c, &s2->opts.cache_k, GGML_T_Q8_0);
    cs_set_bool(c, &s2->opts.kv_unified, true);
    cs_set_size(c, &s2->opts.cache_ram, 2 * GIB);
    fleet_service *s1 = cs_service(c, "chat", "zeta", "m", 8080);
    cs_gpus(c, s1, 1, (int64_t[]){0});
    fleet_service *s3 = cs_service(c, "cpu", "alpha", "m", 9000);
    (void)s3;
    cs_run(c, NULL);
    if (c->d.n) cs_dump(c);
    assert_int_equal(diag_count(&c->d, DIAG_ERROR), 0);
    plan p;
    assert_int_equal(plan_build(&c->f, &c->r, NULL, &p), 0);
    assert_int_equal(p.n_hosts, 2);
    assert_string_equal(p.hosts[0].name, "alpha");
    assert_string_equal(p.hosts[1].name, "zeta");
    assert_int_equal(p.n_services, 3);
    assert_string_equal(p.services[0].name, "chat");
    assert_string_equal(p.services[1].name, "cpu");
    assert_string_equal(p.services[2].name, "web");
    const plan_service *chat = &p.services[0], *web = &p.services[2];
    /* defaults */
    assert_int_equal(chat->cfg.mem.context, 8192); /* trained 32768, capped */
    assert_int_equal(chat->cfg.mem.parallel, 1);
    assert_int_equal(chat->cfg.mem.batch, 2048);
    assert_int_equal(chat->cfg.mem.ubatch, 512);
    assert_int_equal(chat->cfg.mem.cache_k, GGML_T_F16);
    assert_true(chat->cfg.mem.flash_attn);
    assert_int_equal(chat->cfg.mem.gpu_layers, -1);
    assert_string_equal(chat->cfg.bind, "127.0.0.1");
    assert_true(chat->cfg.autostart);
    assert_true(chat->cfg.metrics);
    assert_string_equal(chat->cfg.restart, "on-failure");
    assert_int_equal(chat->cfg.restart_sec, 5);
    assert_null(chat->cfg.api_key_file);
    assert_string_equal(chat->cfg.alias, "m");
    assert_int_equal(chat->model_file_bytes, 4 * GIB + 123);
    assert_false(chat->cfg.mem.kv_unified);
    /* pinned to what the host RAM check counted */
    assert_true(chat->cfg.cache_ram_set);
    assert_int_equal(chat->cfg.mem.cache_ram_bytes, 8192 * MIB);
    /* the catalog's runtime overhead for the card */
    assert_int_equal(chat->memory.gpu[0].overhead, gpu_catalog_find("rtx-4090")->runtime_overhead_bytes);
    assert_string_equal(chat->model_path, "/models/m.gguf");
    /* declared values */
    assert_int_equal(web->cfg.mem.context, 16384);
    assert_int_equal(web->cfg.mem.cache_k, GGML_T_Q8_0);
    assert_string_equal(web->cfg.bind, "0.0.0.0");
    assert_string_equal(web->cfg.api_key_file, "/etc/k");
    assert_true(web->cfg.mem.kv_unified);
    assert_true(web->cfg.cache_ram_set);
    assert_int_equal(web->cfg.mem.cache_ram_bytes, 2 * GIB);
    assert_int_equal(web->cfg.mem.n_gpus, 2);
    assert_int_equal(web->cfg.gpus[0], 1);
    assert_int_equal(web->cfg.gpus[1], 0);
    assert_true(web->cfg.mem.tensor_split[0] == 3.0);
    assert_ptr_equal(web->host, &p.hosts[1]);
    /* per-host services and peaks */
    const plan_host *zeta = &p.hosts[1];
    assert_int_equal(zeta->n_services, 2);
    assert_string_equal(zeta->services[0]->name, "chat");
    assert_string_equal(zeta->services[1]->name, "web");
    assert_int_equal(zeta->n_gpus, 2);
    assert_string_equal(zeta->gpus[0].model, "rtx-4090");
    assert_int_equal(zeta->gpus[0].margin_bytes, 512 * MIB);
    /* GPU 0 holds chat (slot 0) and web's second slot */
    uint64_t want = chat->memory.gpu[0].total + web->memory.gpu[1].total;
    assert_int_equal(zeta->gpus[0].peak_bytes, want);
    assert_int_equal(zeta->gpus[1].peak_bytes, web->memory.gpu[0].total);
    const plan_host *alpha = &p.hosts[0];
    assert_int_equal(alpha->memory_bytes, 64 * GIB);
    assert_int_equal(alpha->ram_peak_bytes, p.services[1].memory.host.total);
    assert_int_equal(alpha->n_reserved_ports, 1);
    assert_int_equal(alpha->reserved_ports[0], 22);
    assert_int_equal(strlen(p.source_sha256), 64);
    plan_free(&p);
    cs_free(c);
}

static void relative_model_path_becomes_absolute(void **state) {
    (void)state;
    cs_fleet *c = cs_new();
    cs_host(c, "demo");
    fleet_model *m = cs_model(c, "tiny", "llama", 2, 64, 4, 2, 2048, 200 * 1024);
    cs_set_str(c, &m->path, "../build/demo/model.gguf");
    cs_service(c, "tiny", "demo", "tiny", 8181);
    cs_run(c, NULL);
    plan p;
    assert_int_equal(plan_build(&c->f, &c->r, "/srv/fleet/examples", &p), 0);
    assert_string_equal(p.services[0].model_path, "/srv/fleet/build/demo/model.gguf");
    plan_free(&p);
    /* "." segments, repeated slashes and ".." past the root go too */
    cs_set_str(c, &m->path, ".//models/./../../../../m.gguf");
    assert_int_equal(plan_build(&c->f, &c->r, "/srv/fleet", &p), 0);
    assert_string_equal(p.services[0].model_path, "/m.gguf");
    plan_free(&p);
    cs_free(c);
}

static void plan_digest_is_sha256_of_source(void **state) {
    (void)state;
    cs_fleet *c = cs_new();
    cs_run(c, NULL);
    plan p;
    assert_int_equal(plan_build(&c->f, &c->r, NULL, &p), 0);
    /* sha256 of 1000 newlines */
    assert_string_equal(p.source_sha256, "a52ad6ba5827cf2912a96fa771220536457ff5bbb1733f8963aee8850a301d52");
    assert_int_equal(p.n_hosts, 0);
    assert_int_equal(p.n_services, 0);
    plan_free(&p);
    cs_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_resolves_defaults_and_sorts),
        cmocka_unit_test(plan_digest_is_sha256_of_source),
        cmocka_unit_test(relative_model_path_becomes_absolute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
