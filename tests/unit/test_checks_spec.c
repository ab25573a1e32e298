/* Speculative decoding: a draft model's memory counted per GPU with its
 * service, and every refusal (E0520-E0525, an unknown draft E0702) at the
 * value it is about. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "check/passes.h"
#include "checks_support.h"
#include "gguf_write.h"
#include "ggml_types.h"

/* Two GPUs; a 32-layer target and an 8-layer draft with the same vocabulary. */
static cs_fleet *box(void) {
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-4090");
    cs_gpu(c, h, "rtx-5090");
    cs_model(c, "big", "llama", 32, 4096, 32, 8, 32768, 8 * GIB);
    cs_model(c, "small", "llama", 8, 2048, 16, 4, 32768, 1 * GIB);
    return c;
}

static fleet_service *two_gpu_service(cs_fleet *c) {
    fleet_service *s = cs_service(c, "chat", "box", "big", 8080);
    cs_gpus(c, s, 2, (int64_t[]){0, 1});
    cs_set_int(c, &s->opts.context, 8192);
    return s;
}

static const estimate_result *est_of(cs_fleet *c, uint32_t svc) {
    assert_true(c->r.svc[svc].estimated);
    return c->r.svc[svc].est;
}

/* The draft alone, as the checks must have estimated it: the service's
 * request with the draft's cache and GPU layers, no prompt cache. */
static void draft_alone(cs_fleet *c, uint32_t n_gpus, uint32_t cache, estimate_result *out) {
    estimate_request req = c->r.svc[0].cfg.mem;
    req.draft = NULL;
    req.mtp = false;
    req.cache_k = req.cache_v = cache;
    req.cache_ram_bytes = 0;
    req.cpu_moe_layers = 0;
    if (n_gpus == 1) {
        req.n_gpus = 1;
        req.gpu_total_bytes[0] = req.gpu_total_bytes[1];
        req.gpu_overhead_bytes[0] = req.gpu_overhead_bytes[1];
        req.gpu_total_bytes[1] = req.gpu_overhead_bytes[1] = 0;
    }
    char err[200];
    assert_int_equal(estimate_memory(&c->models[1].shape_resolved, &req, out, err, sizeof err), 0);
}

static uint64_t body(const memory_breakdown *m) { return m->weights + m->kv_cache + m->compute; }

static void draft_counted_on_its_gpu(void **state) {
    (void)state;
    cs_fleet *c = box();
    two_gpu_service(c);
    cs_run(c, NULL);
    estimate_result alone = *est_of(c, 0);
    cs_free(c);

    c = box();
    fleet_service *s = two_gpu_service(c);
    cs_set_str(c, &s->draft, "small");
    cs_set_int(c, &s->draft_gpu, 1);
    cs_set_str(c, &s->draft_cache, "q8_0");
    cs_run(c, NULL);
    assert_int_equal(diag_count(&c->d, DIAG_ERROR), 0);
    assert_true(c->r.svc[0].cfg.draft_counted);
    assert_int_equal(c->r.svc[0].cfg.draft_cache, GGML_T_Q8_0);
    const estimate_result *with = est_of(c, 0);
    estimate_result d;
    draft_alone(c, 1, GGML_T_Q8_0, &d);
    assert_true(d.gpu[0].kv_cache > 0 && d.gpu[0].weights > 0);
    /* GPU 0 is the model's alone; GPU 1 gains the draft's weights, KV and compute */
    assert_int_equal(with->gpu[0].total, alone.gpu[0].total);
    assert_int_equal(with->gpu[1].weights, alone.gpu[1].weights + d.gpu[0].weights);
    assert_int_equal(with->gpu[1].kv_cache, alone.gpu[1].kv_cache + d.gpu[0].kv_cache);
    assert_int_equal(with->gpu[1].compute, alone.gpu[1].compute + d.gpu[0].compute);
    assert_int_equal(with->gpu[1].total, alone.gpu[1].total + body(&d.gpu[0]));
    /* the runtime overhead is the process's: counted once */
    assert_int_equal(with->gpu[1].overhead, alone.gpu[1].overhead);
    assert_int_equal(with->host.total, alone.host.total + body(&d.host));
    cs_free(c);
}

static void draft_follows_the_model_split(void **state) {
    (void)state;
    cs_fleet *c = box();
    two_gpu_service(c);
    cs_run(c, NULL);
    estimate_result alone = *est_of(c, 0);
    cs_free(c);

    c = box();
    fleet_service *s = two_gpu_service(c);
    cs_set_str(c, &s->draft, "small");
    cs_run(c, NULL);
    assert_int_equal(diag_count(&c->d, DIAG_ERROR), 0);
    const estimate_result *with = est_of(c, 0);
    estimate_result d;
    draft_alone(c, 2, GGML_T_F16, &d); /* llama.cpp's default draft cache */
    for (int g = 0; g < 2; g++) {
        assert_true(d.gpu[g].weights > 0);
        assert_int_equal(with->gpu[g].total, alone.gpu[g].total + body(&d.gpu[g]));
    }
    cs_free(c);
}

static void draft_too_big_is_a_vram_error(void **state) {
    (void)state;
    cs_fleet *c = box();
    cs_model(c, "huge-draft", "llama", 8, 2048, 16, 4, 32768, 30 * GIB);
    fleet_service *s = cs_service(c, "chat", "box", "small", 8080);
    cs_gpus(c, s, 2, (int64_t[]){0, 1});
    cs_set_int(c, &s->opts.context, 4096);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0401"), 0);
    cs_free(c);
    c = box();
    cs_model(c, "huge-draft", "llama", 8, 2048, 16, 4, 32768, 30 * GIB);
    s = cs_service(c, "chat", "box", "small", 8080);
    cs_gpus(c, s, 2, (int64_t[]){0, 1});
    cs_set_int(c, &s->opts.context, 4096);
    cs_set_str(c, &s->draft, "huge-draft");
    cs_set_int(c, &s->draft_gpu, 0);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0401"), 1);
    cs_free(c);
}

/* infrac-engine has no speculative decoding; vLLM takes draft:, spec_type
 * and spec_draft_n_max but not llama.cpp's placement and cache keys. */
static void refused_on_other_engines(void **state) {
    (void)state;
    cs_fleet *c = box();
    fleet_service *v = cs_service(c, "v", "box", "big", 8080);
    cs_gpus(c, v, 1, (int64_t[]){1});
    cs_set_int(c, &v->opts.engine, ENGINE_VLLM);
    cs_set_int(c, &v->opts.context, 4096);
    cs_set_str(c, &v->draft, "small");
    cs_set_int(c, &v->spec_draft_n_max, 4);
    cs_set_int(c, &v->draft_gpu, 1);
    fleet_service *i = cs_service(c, "i", "box", "small", 8081);
    cs_set_int(c, &i->opts.engine, ENGINE_INFRAC);
    cs_set_int(c, &i->opts.context, 4096);
    cs_set_str(c, &i->spec_type, "ngram-mod");
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0520"), 2);
    const diagnostic *d = cs_find(c, "E0520", 0);
    assert_int_equal(d->at.line, v->draft_gpu.at.line);
    assert_string_equal(d->message, "`draft_gpu` on service `v`, but vLLM's --speculative-config has no such setting");
    d = cs_find(c, "E0520", 1);
    assert_int_equal(d->at.line, i->spec_type.at.line);
    assert_string_equal(d->message, "`spec_type` on service `i`, but infrac has no draft model here");
    cs_free(c);
}

/* vLLM: the draft's weights come out of the claim and its KV per token
 * joins the model's (one block pool), so the KV budget holds fewer tokens;
 * the method and its token count are checked. */
static void vllm_draft_in_the_budget(void **state) {
    (void)state;
    cs_fleet *c = box();
    fleet_service *v = cs_service(c, "v", "box", "big", 8080);
    cs_gpus(c, v, 1, (int64_t[]){1});
    cs_set_int(c, &v->opts.engine, ENGINE_VLLM);
    cs_set_int(c, &v->opts.context, 8192);
    cs_run(c, NULL);
    estimate_result alone = *est_of(c, 0);
    cs_free(c);

    c = box();
    v = cs_service(c, "v", "box", "big", 8080);
    cs_gpus(c, v, 1, (int64_t[]){1});
    cs_set_int(c, &v->opts.engine, ENGINE_VLLM);
    cs_set_int(c, &v->opts.context, 8192);
    cs_set_str(c, &v->draft, "small");
    cs_set_int(c, &v->spec_draft_n_max, 4);
    cs_run(c, NULL);
    assert_int_equal(diag_count(&c->d, DIAG_ERROR), 0);
    assert_true(c->r.svc[0].cfg.draft_counted);
    const estimate_result *with = est_of(c, 0);
    assert_int_equal(with->gpu[0].weights, alone.gpu[0].weights + c->models[1].shape_resolved.weights_bytes);
    assert_int_equal(with->vllm_kv_budget[0], alone.vllm_kv_budget[0] - c->models[1].shape_resolved.weights_bytes);
    assert_true(with->kv_bytes_per_token > alone.kv_bytes_per_token);
    assert_true(with->kv_cells < alone.kv_cells);
    cs_free(c);

    /* the methods: eagle is not modelled; draft_model needs a draft and a
     * token count; ngram takes no draft */
    c = box();
    const char *types[] = {"eagle3", "draft_model", "ngram", NULL};
    const char *names[] = {"v0", "v1", "v2"};
    for (int k = 0; types[k]; k++) {
        v = cs_service(c, names[k], "box", "big", (int64_t)(8080 + k));
        cs_set_str(c, &v->exclusive, "one");
        cs_gpus(c, v, 1, (int64_t[]){1});
        cs_set_int(c, &v->opts.engine, ENGINE_VLLM);
        cs_set_int(c, &v->opts.context, 4096);
        cs_set_str(c, &v->spec_type, types[k]);
        if (k == 2) {
            cs_set_str(c, &v->draft, "small");
            cs_set_int(c, &v->spec_draft_n_max, 3);
        }
    }
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0524"), 1);
    assert_non_null(strstr(cs_find(c, "E0524", 0)->message, "eagle3"));
    /* draft_model: no draft, no token count; ngram: a draft beside it */
    assert_int_equal(cs_count(c, "E0527"), 3);
    assert_non_null(strstr(cs_find(c, "E0527", 0)->message, "needs a draft model"));
    assert_non_null(strstr(cs_find(c, "E0527", 1)->message, "needs num_speculative_tokens"));
    assert_non_null(strstr(cs_find(c, "E0527", 2)->message, "drafts from the prompt"));
    cs_free(c);
}

/* The E0401 fit suggestion counts the draft: its context is the target's,
 * so the context that fits is the one at which target and draft fit
 * together, and with it the fleet checks clean. */
static cs_fleet *long_context(int64_t ctx) {
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-4090");
    cs_model(c, "big", "llama", 32, 4096, 32, 8, 131072, 8 * GIB);
    cs_model(c, "small", "llama", 8, 2048, 16, 4, 131072, 1 * GIB);
    fleet_service *s = cs_service(c, "chat", "box", "big", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, ctx);
    cs_set_str(c, &s->draft, "small");
    cs_run(c, NULL);
    return c;
}

static void fit_suggestion_counts_the_draft(void **state) {
    (void)state;
    cs_fleet *c = long_context(131072);
    assert_int_equal(cs_count(c, "E0401"), 1);
    const diagnostic *d = cs_find(c, "E0401", 0);
    assert_non_null(d->help);
    const char *at = strstr(d->help, "`context: ");
    assert_non_null(at);
    long fit = strtol(at + strlen("`context: "), NULL, 10);
    assert_true(fit >= 1024 && fit < 131072);
    cs_free(c);
    c = long_context(fit);
    assert_int_equal(cs_count(c, "E0401"), 0);
    assert_true(c->r.svc[0].cfg.draft_counted);
    cs_free(c);
    c = long_context(fit + 2048);
    assert_int_equal(cs_count(c, "E0401"), 1);
    cs_free(c);
}

static void settings_need_a_draft(void **state) {
    (void)state;
    cs_fleet *c = box();
    fleet_service *s = two_gpu_service(c);
    cs_set_int(c, &s->draft_gpu_layers, 4);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0521"), 1);
    const diagnostic *d = cs_find(c, "E0521", 0);
    assert_int_equal(d->at.line, s->draft_gpu_layers.at.line);
    assert_string_equal(d->message, "`draft_gpu_layers` on service `chat`, which has no `draft:`");
    cs_free(c);
    /* spec_type alone is fine: the n-gram kinds need no draft model */
    c = box();
    s = two_gpu_service(c);
    cs_set_str(c, &s->spec_type, "ngram-mod");
    cs_run(c, NULL);
    assert_int_equal(diag_count(&c->d, DIAG_ERROR), 0);
    cs_free(c);
}

static void n_min_at_most_n_max(void **state) {
    (void)state;
    cs_fleet *c = box();
    fleet_service *s = two_gpu_service(c);
    cs_set_str(c, &s->draft, "small");
    cs_set_int(c, &s->spec_draft_n_max, 4);
    cs_set_int(c, &s->spec_draft_n_min, 5);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0522"), 1);
    const diagnostic *d = cs_find(c, "E0522", 0);
    assert_int_equal(d->at.line, s->spec_draft_n_min.at.line);
    assert_string_equal(d->message, "`spec_draft_n_min: 5` is above `spec_draft_n_max: 4`");
    cs_free(c);
    c = box();
    s = two_gpu_service(c);
    cs_set_str(c, &s->draft, "small");
    cs_set_int(c, &s->spec_draft_n_max, 4);
    cs_set_int(c, &s->spec_draft_n_min, 4);
    cs_run(c, NULL);
    assert_int_equal(diag_count(&c->d, DIAG_ERROR), 0);
    cs_free(c);
}

static void vocabulary_must_match(void **state) {
    (void)state;
    cs_fleet *c = box();
    cs_set_int(c, &c->models[1].shape.vocab, 32064);
    fleet_service *s = two_gpu_service(c);
    cs_set_str(c, &s->draft, "small");
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0523"), 1);
    const diagnostic *d = cs_find(c, "E0523", 0);
    assert_int_equal(d->at.line, s->draft.at.line);
    assert_string_equal(d->message, "draft `small` has a vocabulary of 32064 tokens, model `big` has 32000");
    /* not counted: the estimate is the model's alone */
    assert_false(c->r.svc[0].cfg.draft_counted);
    cs_free(c);
}

static void spec_type_names(void **state) {
    (void)state;
    cs_fleet *c = box();
    fleet_service *s = two_gpu_service(c);
    cs_set_str(c, &s->draft, "small");
    cs_set_str(c, &s->spec_type, "draft-simple,ngram-mod,draft-mtp");
    cs_run(c, NULL);
    assert_int_equal(diag_count(&c->d, DIAG_ERROR), 0);
    cs_free(c);
    const char *bad[] = {"eagle", "draft-simple,", ",ngram-mod", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = box();
        s = two_gpu_service(c);
        cs_set_str(c, &s->draft, "small");
        cs_set_str(c, &s->spec_type, bad[i]);
        cs_run(c, NULL);
        assert_int_equal(cs_count(c, "E0524"), 1);
        assert_int_equal(cs_find(c, "E0524", 0)->at.line, s->spec_type.at.line);
        cs_free(c);
    }
}

static void draft_gpu_among_the_services(void **state) {
    (void)state;
    cs_fleet *c = box();
    fleet_service *s = cs_service(c, "chat", "box", "big", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 4096);
    cs_set_str(c, &s->draft, "small");
    cs_set_int(c, &s->draft_gpu, 1);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0525"), 1);
    const diagnostic *d = cs_find(c, "E0525", 0);
    assert_int_equal(d->at.line, s->draft_gpu.at.line);
    assert_string_equal(d->message, "`draft_gpu: 1` is not one of service `chat`'s GPUs");
    assert_false(c->r.svc[0].cfg.draft_counted);
    cs_free(c);
}

static void unknown_draft_model(void **state) {
    (void)state;
    cs_fleet *c = box();
    fleet_service *s = two_gpu_service(c);
    cs_set_str(c, &s->draft, "smal");
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0702"), 1);
    const diagnostic *d = cs_find(c, "E0702", 0);
    assert_int_equal(d->at.line, s->draft.at.line);
    assert_string_equal(d->message, "unknown draft model `smal`");
    assert_null(s->draft_ref);
    cs_free(c);
}

/* A small header: qwen3, with or without MTP heads, a tokenizer named. */
static void write_header(const char *path, uint32_t nextn, const char *tokenizer) {
    gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_true(gguf_w_str(w, "general.architecture", "qwen3"));
    assert_true(gguf_w_u32(w, "qwen3.block_count", 2));
    assert_true(gguf_w_u32(w, "qwen3.embedding_length", 256));
    assert_true(gguf_w_u32(w, "qwen3.attention.head_count", 4));
    assert_true(gguf_w_u32(w, "qwen3.attention.head_count_kv", 4));
    assert_true(gguf_w_u32(w, "qwen3.feed_forward_length", 512));
    assert_true(gguf_w_u32(w, "qwen3.context_length", 8192));
    assert_true(gguf_w_u32(w, "qwen3.vocab_size", 1000));
    if (nextn) assert_true(gguf_w_u32(w, "qwen3.nextn_predict_layers", nextn));
    assert_true(gguf_w_str(w, "tokenizer.ggml.model", tokenizer));
    assert_true(gguf_w_tensor_info(w, "token_embd.weight", GGML_T_F16, 2, (uint64_t[]){256, 1000}));
    char err[200];
    assert_int_equal(gguf_writer_write(w, path, true, err, sizeof err), 0);
    gguf_writer_free(w);
}

static void mtp_needs_nextn_layers(void **state) {
    (void)state;
    char dir[] = "/tmp/checks-mtpXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof path, "%s/plain.gguf", dir);
    write_header(path, 0, "gpt2");
    snprintf(path, sizeof path, "%s/mtp.gguf", dir);
    write_header(path, 1, "gpt2");
    const char *files[] = {"plain.gguf", "mtp.gguf"};
    for (int i = 0; i < 2; i++) {
        cs_fleet *c = cs_new();
        fleet_host *h = cs_host(c, "box");
        cs_gpu(c, h, "rtx-4090");
        fleet_model *m = cs_model_gguf(c, "m", files[i]);
        fleet_service *s = cs_service(c, "chat", "box", "m", 8080);
        cs_gpus(c, s, 1, (int64_t[]){0});
        cs_set_int(c, &s->opts.context, 4096);
        cs_set_str(c, &s->spec_type, "draft-mtp");
        cs_set_int(c, &s->spec_draft_n_max, 3); /* MTP takes n_max without a draft model */
        cs_run(c, dir);
        assert_true(m->loaded);
        assert_int_equal(m->shape_resolved.n_nextn, (uint32_t)i);
        assert_string_equal(m->shape_resolved.tokenizer, "gpt2");
        assert_int_equal(cs_count(c, "E0521"), 0);
        assert_int_equal(cs_count(c, "E0526"), i == 0 ? 1 : 0);
        if (i == 0) {
            const diagnostic *d = cs_find(c, "E0526", 0);
            assert_int_equal(d->at.line, s->spec_type.at.line);
            assert_string_equal(d->message, "`spec_type` asks for draft-mtp, but model `m` has no MTP heads");
        }
        cs_free(c);
    }
    /* a declared shape cannot say: not refused */
    cs_fleet *c = box();
    fleet_service *s = two_gpu_service(c);
    cs_set_str(c, &s->spec_type, "ngram-mod,draft-mtp");
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0526"), 0);
    cs_free(c);
    /* the draft's devices are a draft model's: with MTP alone they are E0521 */
    c = box();
    s = two_gpu_service(c);
    cs_set_str(c, &s->spec_type, "draft-mtp");
    cs_set_int(c, &s->draft_gpu, 1);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0521"), 1);
    assert_int_equal(cs_find(c, "E0521", 0)->at.line, s->draft_gpu.at.line);
    cs_free(c);
    snprintf(path, sizeof path, "%s/plain.gguf", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/mtp.gguf", dir);
    remove(path);
    rmdir(dir);
}

static void tokenizer_must_match(void **state) {
    (void)state;
    char dir[] = "/tmp/checks-tokXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof path, "%s/a.gguf", dir);
    write_header(path, 0, "gpt2");
    snprintf(path, sizeof path, "%s/b.gguf", dir);
    write_header(path, 0, "llama");
    cs_fleet *c = cs_new();
    fleet_host *h = cs_host(c, "box");
    cs_gpu(c, h, "rtx-4090");
    cs_model_gguf(c, "a", "a.gguf");
    cs_model_gguf(c, "b", "b.gguf");
    fleet_service *s = cs_service(c, "chat", "box", "a", 8080);
    cs_gpus(c, s, 1, (int64_t[]){0});
    cs_set_int(c, &s->opts.context, 4096);
    cs_set_str(c, &s->draft, "b");
    cs_run(c, dir);
    assert_int_equal(cs_count(c, "E0523"), 1);
    assert_int_equal(cs_find(c, "E0523", 0)->at.line, s->draft.at.line);
    cs_free(c);
    remove(path);
    snprintf(path, sizeof path, "%s/a.gguf", dir);
    remove(path);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(draft_counted_on_its_gpu),
        cmocka_unit_test(draft_follows_the_model_split),
        cmocka_unit_test(draft_too_big_is_a_vram_error),
        cmocka_unit_test(refused_on_other_engines),
        cmocka_unit_test(vllm_draft_in_the_budget),
        cmocka_unit_test(fit_suggestion_counts_the_draft),
        cmocka_unit_test(settings_need_a_draft),
        cmocka_unit_test(n_min_at_most_n_max),
        cmocka_unit_test(vocabulary_must_match),
        cmocka_unit_test(spec_type_names),
        cmocka_unit_test(draft_gpu_among_the_services),
        cmocka_unit_test(unknown_draft_model),
        cmocka_unit_test(mtp_needs_nextn_layers),
        cmocka_unit_test(tokenizer_must_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
