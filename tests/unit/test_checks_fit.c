/* The model fit checks and the model pass (declared shapes, gguf: copies,
 * hostile GGUF files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks_support.h"
#include "test_data.h"
#include "ggml_types.h"

static cs_fleet *one(const char *gpu_id, int64_t kv_heads) {
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    for (int i = 0; i < 4; i++) cs_gpu(c, h, gpu_id);
    cs_model(c, "m", "llama", 32, 4096, 32, kv_heads, 8192, 4 * GIB);
    return c;
}

static void context_above_trained(void **state) {
    (void)state;
    cs_fleet *c = one("rtx-4090", 8);
    fleet_service *s = cs_service(c, "a", "box", "m", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 16384);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0501"), 1);
    const diagnostic *d = cs_find(c, "E0501", 0);
    assert_int_equal(d->at.line, s->opts.context.at.line);
    assert_string_equal(d->message, "context 16384 exceeds the 8192 tokens model `m` was trained on");
    cs_free(c);
    c = one("rtx-4090", 8);
    cs_set_bool(c, &c->models[0].rope_scaling, true);
    s = cs_service(c, "a", "box", "m", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 16384);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0501"), 0);
    cs_free(c);
}

static void cpu_moe_layers_on_dense_model(void **state) {
    (void)state;
    cs_fleet *c = one("rtx-4090", 8);
    fleet_service *s = cs_service(c, "a", "box", "m", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 4096);
    cs_set_int(c, &s->opts.cpu_moe_layers, 10);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0507"), 1);
    const diagnostic *d = cs_find(c, "E0507", 0);
    assert_int_equal(d->at.line, s->opts.cpu_moe_layers.at.line);
    assert_string_equal(d->message, "`cpu_moe_layers` on `a`, but model `m` has no experts");
    cs_free(c);
    /* a MoE model takes it */
    c = one("rtx-4090", 8);
    cs_set_int(c, &c->models[0].shape.experts, 8);
    cs_set_int(c, &c->models[0].shape.experts_used, 2);
    cs_set_int(c, &c->models[0].shape.ff_expert, 1024);
    s = cs_service(c, "a", "box", "m", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 4096);
    cs_set_int(c, &s->opts.cpu_moe_layers, 10);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0507"), 0);
    cs_free(c);
}

/* `path:` readable here is read; a declared shape that disagrees with it is E0515. */
static void readable_path_is_read(void **state) {
    (void)state;
    char file[1200], cwd[1024];
    const char *src = getenv("SRC");
    if (!src || !*src) src = getcwd(cwd, sizeof cwd);
    assert_non_null(src);
    snprintf(file, sizeof file, "%s/tests/data/vram/qwen35-27b.gguf", src);
    cs_fleet *c = one("h200", 4);
    cs_set_str(c, &c->models[0].path, file);
    cs_set_int(c, &c->models[0].shape.layers, 40);
    cs_set_int(c, &c->models[0].shape.ctx_train, 262144);
    fleet_service *s = cs_service(c, "a", "box", "m", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 8192);
    cs_run(c, NULL);
    assert_true(c->models[0].loaded);
    assert_string_equal(c->models[0].shape_resolved.arch, "qwen35");
    assert_int_equal(cs_count(c, "E0515"), 3); /* layers 40/64, embd 4096/5120, heads 32/24 */
    const diagnostic *d = cs_find(c, "E0515", 0);
    assert_non_null(strstr(d->message, "declares layers: 40, but the GGUF at"));
    assert_non_null(strstr(d->message, "says 64"));
    cs_free(c);
}

static void per_slot_context(void **state) {
    (void)state;
    cs_fleet *c = one("rtx-4090", 8);
    fleet_service *s = cs_service(c, "a", "box", "m", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 4096);
    cs_set_int(c, &s->opts.parallel, 8);
    fleet_service *ok = cs_service(c, "b", "box", "m", 8081);
    cs_gpus(c, ok, 1, (int64_t[]){1});
    cs_set_int(c, &ok->opts.context, 8192);
    cs_set_int(c, &ok->opts.parallel, 4);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "W0501"), 1);
    const diagnostic *d = cs_find(c, "W0501", 0);
    assert_int_equal(d->at.line, s->opts.parallel.at.line);
    assert_string_equal(d->message, "each of the 8 slots of `a` gets only 512 tokens of context");
    assert_string_equal(d->help, "raise `context` to at least 8192, or lower `parallel`");
    cs_free(c);
}

static void quantized_v_needs_flash_attention(void **state) {
    (void)state;
    cs_fleet *c = one("rtx-4090", 8);
    fleet_service *s = cs_service(c, "a", "box", "m", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.cache_v, GGML_T_Q8_0);
    cs_set_bool(c, &s->opts.flash_attention, false);
    fleet_service *ok = cs_service(c, "b", "box", "m", 8081);
    cs_gpus(c, ok, 1, (int64_t[]){1});
    cs_set_int(c, &ok->opts.cache_v, GGML_T_Q8_0); /* flash attention on by default */
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0502"), 1);
    const diagnostic *d = cs_find(c, "E0502", 0);
    assert_int_equal(d->at.line, s->opts.cache_v.at.line);
    assert_string_equal(d->message, "quantized V cache (q8_0) needs flash attention");
    assert_int_equal(d->notes[0].at.line, s->opts.flash_attention.at.line);
    cs_free(c);
}

static void vllm_tensor_parallel_divides_heads(void **state) {
    (void)state;
    cs_fleet *c = one("h100-80gb", 8);
    fleet_service *s = cs_service(c, "v", "box", "m", 8000);
    cs_set_int(c, &s->opts.engine, ENGINE_VLLM);
    cs_gpus(c, s, 3, (int64_t[]){0, 1, 2});
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0503"), 1);
    assert_int_equal(cs_find(c, "E0503", 0)->at.line, s->gpus_at.line);
    cs_free(c);
    c = one("h100-80gb", 8);
    s = cs_service(c, "v", "box", "m", 8000);
    cs_set_int(c, &s->opts.engine, ENGINE_VLLM);
    cs_gpus(c, s, 2, (int64_t[]){0, 1});
    cs_run(c, NULL);
    if (c->d.n) cs_dump(c);
    assert_int_equal(c->d.n, 0);
    cs_free(c);
}

static void vllm_max_model_len_fits_kv(void **state) {
    (void)state;
    /* a 14 GiB model with utilization 0.7 of a 16 GB card leaves no room for 8K */
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-5060-ti-16gb");
    cs_model(c, "m", "llama", 32, 4096, 32, 32, 32768, 9 * GIB);
    fleet_service *s = cs_service(c, "v", "box", "m", 8000);
    cs_set_int(c, &s->opts.engine, ENGINE_VLLM);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 32768);
    cs_set_num(c, &s->opts.gpu_memory_utilization, 0.8);
    cs_run(c, NULL);
    if (cs_count(c, "E0504") != 1) cs_dump(c);
    assert_int_equal(cs_count(c, "E0504"), 1);
    const diagnostic *d = cs_find(c, "E0504", 0);
    assert_int_equal(d->at.line, s->opts.context.at.line);
    assert_non_null(strstr(d->message, "max-model-len 32768 needs"));
    const char *p = strstr(d->help, "lower `context` to ");
    assert_non_null(p);
    unsigned fit = (unsigned)strtoul(p + strlen("lower `context` to "), NULL, 10);
    assert_true(fit > 0 && fit < 32768);
    /* the suggested length is what the budget holds */
    uint64_t need = c->r.svc[0].est->kv_bytes_per_token * fit;
    assert_true(need <= c->r.svc[0].est->vllm_kv_budget[0]);
    cs_free(c);
}

static void two_vllm_on_one_gpu(void **state) {
    (void)state;
    cs_fleet *c = one("h100-80gb", 8);
    fleet_service *a = cs_service(c, "a", "box", "m", 8000);
    cs_set_int(c, &a->opts.engine, ENGINE_VLLM);
    cs_gpus(c, a, 1, (int64_t[]){0});
    cs_set_num(c, &a->opts.gpu_memory_utilization, 0.5);
    fleet_service *b = cs_service(c, "b", "box", "m", 8001);
    cs_set_int(c, &b->opts.engine, ENGINE_VLLM);
    cs_gpus(c, b, 1, (int64_t[]){0});
    cs_set_num(c, &b->opts.gpu_memory_utilization, 0.6);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0505"), 1);
    const diagnostic *d = cs_find(c, "E0505", 0);
    assert_int_equal(d->at.line, b->opts.gpu_memory_utilization.at.line);
    assert_int_equal(d->notes[0].at.line, a->opts.gpu_memory_utilization.at.line);
    cs_free(c);
    /* 0.45 + 0.45 is fine; an exclusive pair is fine whatever they claim */
    c = one("h100-80gb", 8);
    a = cs_service(c, "a", "box", "m", 8000);
    cs_set_int(c, &a->opts.engine, ENGINE_VLLM);
    cs_gpus(c, a, 1, (int64_t[]){0});
    cs_set_num(c, &a->opts.gpu_memory_utilization, 0.45);
    b = cs_service(c, "b", "box", "m", 8001);
    cs_set_int(c, &b->opts.engine, ENGINE_VLLM);
    cs_gpus(c, b, 1, (int64_t[]){0});
    cs_set_num(c, &b->opts.gpu_memory_utilization, 0.45);
    fleet_service *x = cs_service(c, "x", "box", "m", 8002);
    cs_set_int(c, &x->opts.engine, ENGINE_VLLM);
    cs_gpus(c, x, 1, (int64_t[]){1});
    cs_set_str(c, &x->exclusive, "g");
    fleet_service *y = cs_service(c, "y", "box", "m", 8003);
    cs_set_int(c, &y->opts.engine, ENGINE_VLLM);
    cs_gpus(c, y, 1, (int64_t[]){1});
    cs_set_str(c, &y->exclusive, "g");
    cs_run(c, NULL);
    if (c->d.n) cs_dump(c);
    assert_int_equal(cs_count(c, "E0505"), 0);
    assert_int_equal(cs_count(c, "E0401"), 0);
    cs_free(c);
}

static void shape_needs_fields(void **state) {
    (void)state;
    cs_fleet *c = cs_new();
    cs_host(c, "box");
    fleet_model *m = cs_model(c, "m", "llama", 32, 4096, 32, 8, 8192, 4 * GIB);
    m->shape.layers.set = false;
    m->shape.weights.set = false;
    cs_service(c, "a", "box", "m", 8080);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0512"), 1);
    const diagnostic *d = cs_find(c, "E0512", 0);
    assert_int_equal(d->at.line, m->shape.at.line);
    assert_non_null(strstr(d->help, "`layers:`, `weights:`"));
    assert_false(m->loaded);
    cs_free(c);
}

static void neither_gguf_nor_shape(void **state) {
    (void)state;
    cs_fleet *c = cs_new();
    cs_host(c, "box");
    fleet_model *m = cs_model(c, "m", "llama", 32, 4096, 32, 8, 8192, 4 * GIB);
    m->shape.set = false;
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0511"), 1);
    assert_int_equal(cs_find(c, "E0511", 0)->at.line, m->name.at.line);
    cs_free(c);
}

static void unknown_arch_is_conservative(void **state) {
    (void)state;
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-4090");
    fleet_model *m = cs_model(c, "m", "mamba9", 32, 4096, 32, 8, 8192, 4 * GIB);
    fleet_service *s = cs_service(c, "a", "box", "m", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "W0511"), 1);
    const diagnostic *d = cs_find(c, "W0511", 0);
    assert_int_equal(d->at.line, m->shape.arch.at.line);
    assert_non_null(strstr(d->notes[0].message, "conservative"));
    assert_true(c->r.svc[0].est->conservative);
    cs_free(c);
}

static void gguf_header_is_read(void **state) {
    (void)state;
    char dir[1024];
    test_data_path("reference", dir, sizeof dir);
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-4090");
    fleet_model *m = cs_model_gguf(c, "q", "qwen3-8b.gguf");
    fleet_service *s = cs_service(c, "a", "box", "q", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_run(c, dir);
    if (c->d.n) cs_dump(c);
    assert_true(m->loaded);
    assert_int_equal(c->d.n, 0);
    assert_string_equal(m->shape_resolved.arch, "qwen3");
    assert_int_equal(m->shape_resolved.n_layer, 36);
    assert_true(c->r.svc[0].estimated);
    assert_true(c->r.svc[0].est->gpu[0].weights > 3 * GIB);
    cs_free(c);
}

/* an encoder (bge-m3's header, arch bert): --embedding on by itself, the
 * batch follows the ubatch, an input longer than the ubatch is W0530 and
 * `embeddings: false` is E0531 */
static void encoder_serves_embeddings(void **state) {
    (void)state;
    char dir[1024];
    test_data_path("vram/2026g/headers", dir, sizeof dir);
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-4090");
    cs_model_gguf(c, "bge", "bge-m3.gguf");
    fleet_service *dflt = cs_service(c, "a", "box", "bge", 8080);
    cs_gpus(c, dflt, 1, (int64_t[]){0});
    fleet_service *whole = cs_service(c, "b", "box", "bge", 8081);
    cs_gpus(c, whole, 1, (int64_t[]){0});
    cs_set_int(c, &whole->opts.ubatch, 8192);
    fleet_service *off = cs_service(c, "c", "box", "bge", 8082);
    cs_gpus(c, off, 1, (int64_t[]){0});
    cs_set_bool(c, &off->opts.embeddings, false);
    cs_run(c, dir);
    assert_true(c->models[0].shape_resolved.encoder);
    const service_eval *a = &c->r.svc[0], *b = &c->r.svc[1];
    assert_true(a->cfg.mem.embeddings);
    assert_int_equal(a->cfg.mem.batch, 512); /* the ubatch, not llama-server's 2048 */
    assert_true(b->cfg.mem.embeddings);
    assert_int_equal(b->cfg.mem.batch, 8192);
    assert_false(c->r.svc[2].cfg.mem.embeddings);
    assert_int_equal(cs_count(c, "W0530"), 1);
    const diagnostic *w = cs_find(c, "W0530", 0);
    assert_string_equal(w->message, "`a` embeds inputs of at most 512 tokens (its ubatch), though a slot holds 8192");
    assert_int_equal(cs_count(c, "E0531"), 1);
    const diagnostic *e = cs_find(c, "E0531", 0);
    assert_int_equal(e->at.line, off->opts.embeddings.at.line);
    assert_string_equal(e->message, "model `bge` is an encoder (bert): llama-server serves only its embeddings");
    /* no KV cache; the attention of ub 8192 is 8192 x 8192 x 16 heads (set 2026-G) */
    assert_int_equal(b->est->gpu[0].kv_cache, 0);
    assert_true(b->est->gpu[0].compute > a->est->gpu[0].compute);
    cs_free(c);
}

static void hostile_gguf_is_a_diagnostic(void **state) {
    (void)state;
    char dir[] = "/tmp/checks-ggufXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    /* garbage */
    snprintf(path, sizeof path, "%s/garbage.gguf", dir);
    FILE *f = fopen(path, "wb");
    fputs("this is not a gguf file at all", f);
    fclose(f);
    /* a real header cut short */
    char src[1024];
    test_data_path("reference/llama3-1b.gguf", src, sizeof src);
    FILE *in = fopen(src, "rb");
    assert_non_null(in);
    snprintf(path, sizeof path, "%s/cut.gguf", dir);
    f = fopen(path, "wb");
    if (in) {
        char buf[700];
        size_t n = fread(buf, 1, sizeof buf, in);
        fwrite(buf, 1, n, f);
        fclose(in);
    } else {
        fwrite("GGUF\3\0\0\0\xff\xff\xff\xff\xff\xff\xff\x7f", 1, 16, f); /* absurd tensor count */
    }
    fclose(f);
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-4090");
    fleet_model *g = cs_model_gguf(c, "g", "garbage.gguf");
    fleet_model *t = cs_model_gguf(c, "t", "cut.gguf");
    fleet_model *missing = cs_model_gguf(c, "x", "nope.gguf");
    fleet_service *s = cs_service(c, "a", "box", "g", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_run(c, dir);
    assert_int_equal(cs_count(c, "E0510"), 3);
    assert_int_equal(cs_find(c, "E0510", 0)->at.line, g->gguf.at.line);
    assert_int_equal(cs_find(c, "E0510", 1)->at.line, t->gguf.at.line);
    assert_int_equal(cs_find(c, "E0510", 2)->at.line, missing->gguf.at.line);
    assert_non_null(strstr(cs_find(c, "E0510", 0)->message, "cannot read the GGUF of model `g`"));
    assert_false(c->r.svc[0].estimated);
    cs_free(c);
    snprintf(path, sizeof path, "%s/garbage.gguf", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/cut.gguf", dir);
    remove(path);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(context_above_trained),
        cmocka_unit_test(per_slot_context),
        cmocka_unit_test(readable_path_is_read),
        cmocka_unit_test(cpu_moe_layers_on_dense_model),
        cmocka_unit_test(quantized_v_needs_flash_attention),
        cmocka_unit_test(vllm_tensor_parallel_divides_heads),
        cmocka_unit_test(vllm_max_model_len_fits_kv),
        cmocka_unit_test(two_vllm_on_one_gpu),
        cmocka_unit_test(shape_needs_fields),
        cmocka_unit_test(neither_gguf_nor_shape),
        cmocka_unit_test(unknown_arch_is_conservative),
        cmocka_unit_test(gguf_header_is_read),
        cmocka_unit_test(encoder_serves_embeddings),
        cmocka_unit_test(hostile_gguf_is_a_diagnostic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
