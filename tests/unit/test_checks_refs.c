/* The reference check: hosts, models, GPU indexes, tensor_split, exclusive groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "checks_support.h"

static cs_fleet *base(void) {
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "tower");
    cs_gpu(c, h, "rtx-4090");
    cs_model(c, "llama8b", "llama", 32, 4096, 32, 8, 8192, 4 * GIB);
    return c;
}

static void clean_fleet_has_no_diagnostics(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_service *s = cs_service(c, "chat", "tower", "llama8b", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_run(c, NULL);
    if (c->d.n) cs_dump(c);
    assert_int_equal(c->d.n, 0);
    assert_ptr_equal(s->host_ref, &c->hosts[0]);
    assert_ptr_equal(s->model_ref, &c->models[0]);
    cs_free(c);
}

static void unknown_host_and_model_suggest(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_service *s = cs_service(c, "chat", "towr", "llama8", 8080);
    cs_run(c, NULL);
    const diagnostic *h = cs_find(c, "E0701", 0), *m = cs_find(c, "E0702", 0);
    assert_non_null(h);
    assert_non_null(m);
    assert_int_equal(h->at.line, s->host.at.line);
    assert_int_equal(m->at.line, s->model.at.line);
    assert_string_equal(h->message, "unknown host `towr`");
    assert_non_null(h->help);
    assert_string_equal(h->help, "did you mean `tower`?");
    assert_string_equal(m->help, "did you mean `llama8b`?");
    assert_null(s->host_ref);
    cs_free(c);
}

static void gpu_index_must_exist(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_service *s = cs_service(c, "chat", "tower", "llama8b", 8080);
    cs_gpus(c, s, 2, (int64_t[]){0, 1});
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0703"), 1);
    const diagnostic *d = cs_find(c, "E0703", 0);
    assert_int_equal(d->at.line, s->gpus[1].at.line);
    assert_string_equal(d->message, "host `tower` has no GPU 1");
    assert_int_equal(d->n_notes, 1);
    cs_free(c);
}

static void gpu_listed_twice(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_service *s = cs_service(c, "chat", "tower", "llama8b", 8080);
    cs_gpus(c, s, 2, (int64_t[]){0, 0});
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0706"), 1);
    assert_int_equal(cs_find(c, "E0706", 0)->notes[0].at.line, s->gpus[0].at.line);
    cs_free(c);
}

static void tensor_split_length(void **state) {
    (void)state;
    cs_fleet *c = base();
    cs_gpu(c, &c->hosts[0], "rtx-4090");
    fleet_service *s = cs_service(c, "chat", "tower", "llama8b", 8080);
    cs_gpus(c, s, 2, (int64_t[]){0, 1});
    cs_split(c, s, 3, (double[]){1, 1, 1});
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0704"), 1);
    const diagnostic *d = cs_find(c, "E0704", 0);
    assert_int_equal(d->at.line, s->tensor_split_at.line);
    assert_string_equal(d->message, "tensor_split has 3 entries but the service uses 2 GPUs");
    cs_free(c);
    /* the right length passes */
    c = base();
    cs_gpu(c, &c->hosts[0], "rtx-4090");
    s = cs_service(c, "chat", "tower", "llama8b", 8080);
    cs_gpus(c, s, 2, (int64_t[]){0, 1});
    cs_split(c, s, 2, (double[]){3, 1});
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0704"), 0);
    cs_free(c);
}

static void exclusive_groups(void **state) {
    (void)state;
    cs_fleet *c = base();
    cs_host(c, "other");
    fleet_service *a = cs_service(c, "a", "tower", "llama8b", 8080);
    fleet_service *b = cs_service(c, "b", "other", "llama8b", 8081);
    fleet_service *x = cs_service(c, "x", "tower", "llama8b", 8082);
    fleet_service *y = cs_service(c, "y", "tower", "llama8b", 8083);
    cs_set_str(c, &a->exclusive, "big");
    cs_set_str(c, &b->exclusive, "big");
    cs_set_str(c, &x->exclusive, "pair");
    cs_set_str(c, &y->exclusive, "pair");
    cs_run(c, NULL);
    /* `big` is a group of one on each host; `pair` is fine */
    assert_int_equal(cs_count(c, "W0701"), 2);
    const diagnostic *d = cs_find(c, "W0701", 0);
    assert_int_equal(d->at.line, a->exclusive.at.line);
    assert_string_equal(d->message, "exclusive group `big` has only one service on host `tower`");
    assert_int_equal(d->notes[0].at.line, b->exclusive.at.line);
    assert_int_equal(cs_find(c, "W0701", 1)->at.line, b->exclusive.at.line);
    cs_free(c);
}

static void engine_devices(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_service *v = cs_service(c, "v", "tower", "llama8b", 8000);
    cs_set_int(c, &v->opts.engine, ENGINE_VLLM);
    fleet_service *i = cs_service(c, "i", "tower", "llama8b", 8001);
    cs_set_int(c, &i->opts.engine, ENGINE_INFRAC);
    cs_gpus(c, i, 1, (int64_t[]){0});
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0707"), 2);
    assert_int_equal(cs_find(c, "E0707", 0)->at.line, v->opts.engine.at.line);
    assert_int_equal(cs_find(c, "E0707", 1)->at.line, i->gpus_at.line);
    cs_free(c);
}

/* One vendor per service, and vLLM only on NVIDIA cards (issue 14). */
static void gpu_vendors(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_host *h = &c->hosts[0]; /* tower: rtx-4090 (0) */
    cs_gpu(c, h, "rx-7900-xtx"); /* 1 */
    fleet_gpu *custom = cs_gpu_custom(c, h, 24 * GIB); /* 2 */
    cs_set_str(c, &custom->vendor, "amd");
    fleet_service *ok = cs_service(c, "hip", "tower", "llama8b", 8000);
    cs_gpus(c, ok, 2, (int64_t[]){1, 2});
    fleet_service *mixed = cs_service(c, "mixed", "tower", "llama8b", 8001);
    cs_gpus(c, mixed, 2, (int64_t[]){0, 1});
    fleet_service *v = cs_service(c, "v", "tower", "llama8b", 8002);
    cs_set_int(c, &v->opts.engine, ENGINE_VLLM);
    cs_gpus(c, v, 1, (int64_t[]){2});
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0707"), 2);
    const diagnostic *d = cs_find(c, "E0707", 0);
    assert_int_equal(d->at.line, mixed->gpus[1].at.line);
    assert_string_equal(d->message, "service `mixed` mixes an nvidia GPU (0) with an amd GPU (1)");
    d = cs_find(c, "E0707", 1);
    assert_int_equal(d->at.line, v->opts.engine.at.line);
    assert_non_null(strstr(d->message, "on an AMD GPU"));
    cs_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_fleet_has_no_diagnostics),
        cmocka_unit_test(unknown_host_and_model_suggest),
        cmocka_unit_test(gpu_index_must_exist),
        cmocka_unit_test(gpu_listed_twice),
        cmocka_unit_test(tensor_split_length),
        cmocka_unit_test(exclusive_groups),
        cmocka_unit_test(engine_devices),
        cmocka_unit_test(gpu_vendors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
