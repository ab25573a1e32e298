/* qwen3moe and gemma3 on tiny files made by infrac-mkmodel: batch vs
 * token-by-token consistency, only the chosen experts' weights read, the
 * router and gemma3's norms in use, hostile expert metadata refused by
 * name, and the context memory equal to both the engine's formula and the
 * compiler's estimate for `engine: infrac`. (Agreement with llama.cpp
 * itself: tests/cli/parity_models.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context_internal.h"
#include "engine.h"
#include "engine_memory.h"
#include "engine_support.h"
#include "estimate/estimate.h"
#include "ggml_types.h"
#include "gguf.h"
#include "model.h"

static const int32_t PROMPT[] = {1, 17, 42, 99, 7, 300, 5, 64, 250, 3, 77, 123, 8, 401, 19, 2, 360, 44};
#define NP (uint32_t)(sizeof PROMPT / sizeof PROMPT[0])

static ie_model *load_or_fail(loaded *L, const char *what)
{
    char err[512];
    ie_model *m = model_of(L, err, sizeof err);
    if (!m)
        fail_msg("%s: %s", what, err);
    return m;
}

/* A prompt in one batch (tokens grouped by expert) and one token at a time
 * give the same logits; the window of gemma3 (8 tokens) is shorter than
 * the prompt, so its masking is exercised on both paths. */
static void batch_matches_token_by_token(void **state)
{
    (void)state;
    static const struct {
        const char *args;
        double tol;
    } cases[] = {
        {"--arch qwen3moe --type f32", 1e-4},
        {"--arch qwen3moe --type f16 --experts 4 --experts-used 4", 1e-4},
        {"--arch qwen3moe --type q8_0 --experts 16 --experts-used 1 --ff-exp 64", 1e-3},
        {"--arch qwen3moe --type q4_k_m --embd 256 --ff 512 --ff-exp 256 --head-dim 64", 5e-2},
        {"--arch gemma3 --type f32 --layers 3 --swa-pattern 2", 1e-4},
        {"--arch gemma3 --type q4_0 --swa 4 --swa-pattern 0", 1e-3},
        {"--arch gemma4 --type f32 --layers 3 --swa 4 --kv-heads-swa 4 --k-eq-v --out-scale", 1e-4},
        {"--arch gemma4 --type f32 --moe --experts 8 --experts-used 2 --ff-exp 64 --swa 4 --out-scale", 1e-4},
        {"--arch gemma4 --type q8_0 --moe --experts 16 --experts-used 3 --ff-exp 32", 1e-3},
        {"--arch gemma4 --type q4_0 --moe --fused-exps --experts 8 --experts-used 2 --ff-exp 64", 1e-3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loaded L;
        make_model(&L, "consistency", cases[i].args);
        ie_model *m = load_or_fail(&L, cases[i].args);
        float *a = run_tokens(m, GGML_T_F32, GGML_T_F32, false, PROMPT, NP);
        float *b = run_tokens(m, GGML_T_F32, GGML_T_F32, true, PROMPT, NP);
        uint32_t nv = ie_model_n_vocab(m);
        double d = max_diff(a, b, nv), spread = 0;
        for (uint32_t k = 0; k < nv; k++) {
            assert_true(isfinite(a[k]));
            spread = fmax(spread, fabs((double)b[k]));
        }
        if (d > cases[i].tol * (1 + spread))
            fail_msg("%s: batch vs one-by-one logits differ by %g (max |logit| %g)", cases[i].args, d, spread);
        assert_true(spread > 0.1);
        free(a);
        free(b);
        ie_model_free(m);
        unload(&L);
    }
}

static void fill_nan(uint8_t *p, uint64_t bytes)
{
    float nan = NAN;
    for (uint64_t i = 0; i + 4 <= bytes; i += 4)
        memcpy(p + i, &nan, 4);
}

/* Poisons every expert of a one-layer model that the token does not
 * choose: the logits stay bit for bit the same (NaN would spread from any
 * row read). Poisoning a chosen one changes them (the test can see). */
static void only_chosen_experts_are_read(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "touch", "--arch qwen3moe --type f32 --layers 1 --experts 8 --experts-used 2");
    ie_model *m = load_or_fail(&L, "touch");
    const int32_t tok = 42;
    ie_context *c = context(m, GGML_T_F32, GGML_T_F32, 1);
    char err[256];
    assert_int_equal(ie_decode(c, 0, &tok, 1, 0, err, sizeof err), 0);
    uint32_t nv = ie_model_n_vocab(m);
    float *ref = malloc(nv * sizeof *ref);
    memcpy(ref, ie_logits(c, 0), nv * sizeof *ref);
    bool chosen[8] = {false};
    for (uint32_t k = 0; k < 2; k++) {
        assert_true(c->moe_ids[k] >= 0 && c->moe_ids[k] < 8);
        chosen[c->moe_ids[k]] = true;
    }
    assert_true(c->moe_ids[0] != c->moe_ids[1]);
    /* the chosen weights are renormalised: they sum to 1, best first */
    assert_true(fabsf(c->moe_w[0] + c->moe_w[1] - 1.0f) < 1e-6f && c->moe_w[0] >= c->moe_w[1]);
    ie_context_free(c);

    static const char *names[] = {"blk.0.ffn_gate_exps.weight", "blk.0.ffn_up_exps.weight",
                                  "blk.0.ffn_down_exps.weight"};
    int victim = -1;
    for (int e = 0; e < 8; e++) {
        if (chosen[e]) {
            victim = e;
            continue;
        }
        for (int n = 0; n < 3; n++) {
            const gguf_tensor *t = gguf_find_tensor(&L.f, names[n]);
            uint64_t per = t->nbytes / 8;
            fill_nan(tensor_bytes(&L, names[n]) + (uint64_t)e * per, per);
        }
    }
    c = context(m, GGML_T_F32, GGML_T_F32, 1);
    assert_int_equal(ie_decode(c, 0, &tok, 1, 0, err, sizeof err), 0);
    assert_memory_equal(ie_logits(c, 0), ref, nv * sizeof *ref);
    ie_context_free(c);

    const gguf_tensor *t = gguf_find_tensor(&L.f, names[2]);
    fill_nan(tensor_bytes(&L, names[2]) + (uint64_t)victim * (t->nbytes / 8), t->nbytes / 8);
    c = context(m, GGML_T_F32, GGML_T_F32, 1);
    assert_int_equal(ie_decode(c, 0, &tok, 1, 0, err, sizeof err), 0);
    assert_true(isnan(ie_logits(c, 0)[0]));
    ie_context_free(c);
    free(ref);
    ie_model_free(m);
    unload(&L);
}

/* By default the experts are copied into the repacked kernel's layout at
 * load (INFRAC_ENGINE_REPACK_EXPERTS=0 keeps them mmapped) (on AVX-512 VNNI CPUs; elsewhere nothing is
 * repacked): the same integer products, so the same logits up to float
 * summation order, in a batch and token by token. */
static void repacked_experts_agree(void **state)
{
    (void)state;
    static const char *cases[] = {"--arch qwen3moe --type q4_0 --experts 8 --experts-used 3 --ff-exp 96",
                                  "--arch qwen3moe --type q8_0 --embd 128 --experts 4 --experts-used 2"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loaded L;
        make_model(&L, "repack", cases[i]);
        setenv("INFRAC_ENGINE_REPACK_EXPERTS", "0", 1);
        ie_model *plain = load_or_fail(&L, cases[i]);
        unsetenv("INFRAC_ENGINE_REPACK_EXPERTS");
        ie_model *packed = load_or_fail(&L, cases[i]);
        assert_null(plain->layers[0].exp_up.rp);
        if (packed->n_repacked) /* a VNNI CPU: the experts were repacked too */
            assert_non_null(packed->layers[1].exp_down.rp);
        for (int one = 0; one < 2; one++) {
            float *a = run_tokens(plain, GGML_T_F16, GGML_T_F16, one, PROMPT, NP);
            float *b = run_tokens(packed, GGML_T_F16, GGML_T_F16, one, PROMPT, NP);
            double d = max_diff(a, b, ie_model_n_vocab(plain));
            if (d > 1e-3)
                fail_msg("%s: repacked experts change the logits by %g", cases[i], d);
            free(a);
            free(b);
        }
        ie_model_free(plain);
        ie_model_free(packed);
        unload(&L);
    }
}

/* How far the logits move when a tensor's first floats change. */
static double perturbation_effect(loaded *L, const char *tensor, size_t count)
{
    ie_model *m = load_or_fail(L, tensor);
    float *before = run_tokens(m, GGML_T_F32, GGML_T_F32, false, PROMPT, NP);
    float *w = (float *)tensor_bytes(L, tensor);
    for (size_t i = 0; i < count; i++)
        w[i] += 0.5f;
    float *after = run_tokens(m, GGML_T_F32, GGML_T_F32, false, PROMPT, NP);
    for (size_t i = 0; i < count; i++)
        w[i] -= 0.5f;
    double d = max_diff(before, after, ie_model_n_vocab(m));
    free(before);
    free(after);
    ie_model_free(m);
    return d;
}

static void router_and_gemma3_norms_are_used(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "router", "--arch qwen3moe --type f32");
    /* expert 0's row only: a shift of every row alike cancels in the softmax */
    assert_true(perturbation_effect(&L, "blk.0.ffn_gate_inp.weight", 64) > 1e-4);
    assert_true(perturbation_effect(&L, "blk.1.attn_q_norm.weight", 8) > 1e-4);
    unload(&L);
    make_model(&L, "gemma", "--arch gemma3 --type f32");
    assert_true(perturbation_effect(&L, "blk.0.post_attention_norm.weight", 16) > 1e-4);
    assert_true(perturbation_effect(&L, "blk.1.post_ffw_norm.weight", 16) > 1e-4);
    assert_true(perturbation_effect(&L, "blk.0.attn_k_norm.weight", 8) > 1e-4);
    unload(&L);
}

static uint32_t *u32_kv(loaded *L, const char *key)
{
    const gguf_kv *kv = gguf_find_kv(&L->f, key);
    assert_non_null(kv);
    return (uint32_t *)kv->data; /* unaligned in general: memcpy through it */
}

static void set_u32(uint32_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* Hostile expert metadata and tensors: refused by name, never a crash. */
static void bad_expert_files_are_refused_by_name(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "badmoe", "--arch qwen3moe --type f32 --experts 8 --experts-used 2");
    ie_model *ok = load_or_fail(&L, "badmoe");
    ie_model_free(ok);
    uint32_t *count = u32_kv(&L, "qwen3moe.expert_count"), *used = u32_kv(&L, "qwen3moe.expert_used_count");

    set_u32(used, 9);
    expect_refusal(&L, "qwen3moe.expert_used_count is 9 (must be 1..expert_count 8)");
    set_u32(used, 0);
    expect_refusal(&L, "qwen3moe.expert_used_count is 0");
    set_u32(used, 2);

    set_u32(count, 0);
    expect_refusal(&L, "qwen3moe.expert_count is 0");
    set_u32(count, 5000);
    expect_refusal(&L, "qwen3moe.expert_count is 5000");
    /* fewer experts than the tensors hold: the router names it */
    set_u32(count, 6);
    expect_refusal(&L, "blk.0.ffn_gate_inp.weight routes to 8 experts but expert_count is 6");
    set_u32(count, 8);

    /* a 3-D expert tensor holding fewer experts than expert_count */
    uint8_t *h = tensor_header(&L, "blk.1.ffn_up_exps.weight");
    uint64_t ne2, seven = 7;
    memcpy(&ne2, h + 4 + 16, 8);
    memcpy(h + 4 + 16, &seven, 8);
    expect_refusal(&L, "blk.1.ffn_up_exps.weight has shape [64, 128, 7], expected [64, 128, 8] "
                       "(its expert count does not match expert_count)");
    memcpy(h + 4 + 16, &ne2, 8);

    /* a missing router */
    const gguf_tensor *t = gguf_find_tensor(&L.f, "blk.1.ffn_gate_inp.weight");
    char *nm = (char *)t->name.ptr;
    nm[6] = 'X';
    expect_refusal(&L, "tensor blk.1.ffn_gate_inp.weight is missing");
    nm[6] = 'f';
    /* a missing expert tensor */
    t = gguf_find_tensor(&L.f, "blk.0.ffn_down_exps.weight");
    nm = (char *)t->name.ptr;
    nm[6] = 'X';
    expect_refusal(&L, "tensor blk.0.ffn_down_exps.weight is missing");
    nm[6] = 'f';

    ok = load_or_fail(&L, "every patch undone");
    ie_model_free(ok);
    unload(&L);
}

/* gemma3's window pattern as a per-layer array: the layers it names slide;
 * an array shorter than the model is refused by name. */
static void gemma3_pattern_array(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "pattern", "--arch gemma3 --type f32 --layers 4 --swa-layers 0,1,1,0");
    ie_model *m = load_or_fail(&L, "pattern");
    assert_false(m->layers[0].swa);
    assert_true(m->layers[1].swa && m->layers[2].swa);
    assert_false(m->layers[3].swa);
    /* sliding layers take rope.freq_base_swa, the others rope.freq_base */
    assert_true(m->layers[1].rope_theta_scale != m->layers[0].rope_theta_scale);
    ie_model_free(m);
    unload(&L);
    make_model(&L, "short", "--arch gemma3 --type f32 --layers 4 --swa-layers 0,1,1");
    expect_refusal(&L, "gemma3.attention.sliding_window_pattern has no entry for layer 3");
    unload(&L);
}

/* gemma3's sliding layers in a ring of window + batch cells: the logits
 * equal those of a full-size cache; a rewind inside the ring's reach
 * reproduces them, one behind it is refused by name (the server then
 * starts the prompt again), and a restart from 0 resets the reach. */
static void sliding_window_ring(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "ring", "--arch gemma3 --type f32 --layers 2 --swa 4 --swa-pattern 2");
    ie_model *m = load_or_fail(&L, "ring");
    assert_true(m->layers[0].swa && !m->layers[1].swa);
    uint32_t nv = ie_model_n_vocab(m);
    char err[256];
    ie_context *full = context(m, GGML_T_F32, GGML_T_F32, 64), *ring = context(m, GGML_T_F32, GGML_T_F32, 2);
    assert_int_equal(full->swa_cells, 64);
    assert_int_equal(ring->swa_cells, 4 + 2);
    assert_int_equal(ie_decode(full, 0, PROMPT, NP, 0, err, sizeof err), 0);
    assert_int_equal(ie_decode(ring, 0, PROMPT, NP, 0, err, sizeof err), 0);
    float *ref = malloc(nv * sizeof *ref);
    memcpy(ref, ie_logits(full, 0), nv * sizeof *ref);
    double spread = 0;
    for (uint32_t k = 0; k < nv; k++)
        spread = fmax(spread, fabs((double)ref[k]));
    double d = max_diff(ref, ie_logits(ring, 0), nv);
    if (d > 1e-4 * (1 + spread))
        fail_msg("the ring's logits differ from the full cache's by %g", d);

    /* NP = 18 written, the ring holds 12..17: the token at 15 needs 12.. */
    assert_true(ie_slot_can_resume(ring, 0, NP) && ie_slot_can_resume(ring, 0, 15) && ie_slot_can_resume(ring, 0, 0));
    assert_false(ie_slot_can_resume(ring, 0, 14));
    assert_false(ie_slot_can_resume(ring, 0, NP + 1));
    assert_true(ie_slot_can_resume(full, 0, 3));
    assert_int_equal(ie_decode(ring, 0, PROMPT + 14, NP - 14, 14, err, sizeof err), -1);
    assert_non_null(strstr(err, "needs sliding-window cells already overwritten"));
    assert_int_equal(ie_decode(ring, 0, PROMPT + 15, NP - 15, 15, err, sizeof err), 0);
    d = max_diff(ref, ie_logits(ring, 0), nv);
    if (d > 1e-4 * (1 + spread))
        fail_msg("a rewind to 15 gives logits %g away from the full run", d);

    /* from 0 again: 5 tokens, all still in the ring */
    assert_int_equal(ie_decode(ring, 0, PROMPT, 5, 0, err, sizeof err), 0);
    assert_true(ie_slot_can_resume(ring, 0, 2));
    free(ref);
    ie_context_free(full);
    ie_context_free(ring);
    ie_model_free(m);
    unload(&L);
}

/* ie_context_new allocates exactly ie_context_bytes, which is the shared
 * formula, which is what `infrac` estimates for engine: infrac on the same
 * file. */
static void memory_matches_formula_and_estimate(void **state)
{
    (void)state;
    static const char *cases[] = {
        "--arch qwen3moe --type q8_0 --embd 128 --experts 16 --experts-used 4 --ff-exp 96",
        "--arch qwen3moe --type f16 --embd 128 --ff 256", /* expert_feed_forward_length = --ff */
        "--arch gemma3 --type q4_0 --embd 128 --layers 3",
        /* sliding layers keep window + batch cells (8 + 32 of the 48 per slot) */
        "--arch gemma3 --type f16 --embd 128 --layers 4 --swa-layers 1,0,1,1",
        "--arch gemma3 --type f32 --embd 128 --layers 3 --swa 4 --swa-pattern 0",
        /* a window wider than the slot: every layer keeps the slot's cells */
        "--arch gemma3 --type f32 --embd 128 --layers 2 --swa 100",
        /* gemma4: sliding layers with their own KV heads and wider heads
         * than the global ones, and the reverse */
        "--arch gemma4 --type f16 --embd 128 --layers 4 --swa-layers 1,0,1,1 --kv-heads-swa 4 --head-dim-swa 64",
        "--arch gemma4 --type q8_0 --embd 128 --layers 3 --swa 4 --kv-heads-swa 1 --head-dim-swa 32 --head-dim 64",
        /* gemma4's MoE: the dense FFN wider than the chosen experts, and narrower */
        "--arch gemma4 --type f16 --embd 128 --moe --experts 8 --experts-used 2 --ff-exp 32 --ff 256 --head-dim-swa 32",
        "--arch gemma4 --type q8_0 --embd 128 --moe --experts 8 --experts-used 4 --ff-exp 128 --ff 64 --head-dim-swa 64"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loaded L;
        make_model(&L, "mem", cases[i]);
        ie_model *m = load_or_fail(&L, cases[i]);
        ie_context_params p;
        ie_context_params_default(&p);
        p.n_ctx = 96;
        p.n_slots = 2;
        p.n_threads = 3;
        p.n_batch = 32;
        p.cache_k = GGML_T_Q8_0;
        char err[256];
        ie_context *c = ie_context_new(m, &p, err, sizeof err);
        if (!c)
            fail_msg("%s: %s", cases[i], err);
        assert_int_equal(c->kv_bytes + c->scratch_bytes, ie_context_bytes(m, &p));
        const ie_hparams *hp = &m->hp;
        uint32_t n_layer_swa = 0;
        for (uint32_t l = 0; l < hp->n_layer; l++)
            n_layer_swa += m->layers[l].swa;
        if (n_layer_swa && hp->n_swa + 32 < 48)
            assert_int_equal(c->swa_cells, hp->n_swa + 32);
        else
            assert_int_equal(c->swa_cells, 48);
        engine_mem_shape s = {hp->n_layer, hp->n_embd, hp->n_head, hp->n_head_kv, hp->head_dim_k, hp->head_dim_v,
                              hp->n_ff, hp->n_vocab, hp->n_expert, hp->n_expert_used, hp->n_ff_exp,
                              hp->n_swa, n_layer_swa, hp->n_head_kv_swa, hp->head_dim_k_swa, hp->head_dim_v_swa,
                              hp->moe_shared};
        engine_mem_params mp = {96, 2, 32, 3, GGML_T_Q8_0, GGML_T_F16};
        assert_int_equal(engine_context_bytes(&s, &mp), ie_context_bytes(m, &p));
        if (hp->n_expert) {
            uint64_t w = (uint64_t)hp->n_expert_used * hp->n_ff_exp;
            assert_int_equal(engine_ffn_width(&s), hp->moe_shared && hp->n_ff > w ? hp->n_ff : w);
        }

        model_shape ms;
        assert_int_equal(model_shape_from_gguf(&L.f, &ms, err, sizeof err), 0);
        estimate_request req;
        estimate_request_defaults(&req, ENGINE_INFRAC);
        req.context = 96;
        req.parallel = 2;
        req.batch = 32;
        req.threads = 3;
        req.cache_k = GGML_T_Q8_0;
        req.cache_v = GGML_T_F16;
        estimate_result r;
        if (estimate_memory(&ms, &req, &r, err, sizeof err) != 0)
            fail_msg("%s: estimate: %s", cases[i], err);
        assert_int_equal(r.host.kv_cache, c->kv_bytes);
        assert_int_equal(r.host.compute, c->scratch_bytes);
        model_shape_free(&ms);
        ie_context_free(c);
        ie_model_free(m);
        unload(&L);
    }
}

/* A batch larger than the context: the engine runs with the context as its
 * batch (engine/context.c normalize), and the compiler's estimate of the
 * same service must size that, not the batch as written. */
static void batch_over_context_estimate_matches_engine(void **state)
{
    (void)state;
    static const char *cases[] = {"--arch gemma3 --type f16 --embd 128 --layers 4 --swa-layers 1,0,1,1",
                                  "--arch qwen3moe --type q8_0 --embd 128 --experts 16 --experts-used 4 --ff-exp 96"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loaded L;
        make_model(&L, "bigbatch", cases[i]);
        ie_model *m = load_or_fail(&L, cases[i]);
        ie_context_params p;
        ie_context_params_default(&p);
        p.n_ctx = 96;
        p.n_slots = 1;
        p.n_threads = 2;
        p.n_batch = 512;
        char err[256];
        ie_context *c = ie_context_new(m, &p, err, sizeof err);
        if (!c)
            fail_msg("%s: %s", cases[i], err);
        model_shape ms;
        assert_int_equal(model_shape_from_gguf(&L.f, &ms, err, sizeof err), 0);
        estimate_request req;
        estimate_request_defaults(&req, ENGINE_INFRAC);
        req.context = 96;
        req.parallel = 1;
        req.batch = 512;
        req.threads = 2;
        req.cache_k = p.cache_k;
        req.cache_v = p.cache_v;
        estimate_result r;
        if (estimate_memory(&ms, &req, &r, err, sizeof err) != 0)
            fail_msg("%s: estimate: %s", cases[i], err);
        assert_int_equal(r.host.kv_cache, c->kv_bytes);
        assert_int_equal(r.host.compute, c->scratch_bytes);
        model_shape_free(&ms);
        ie_context_free(c);
        ie_model_free(m);
        unload(&L);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_matches_token_by_token),
        cmocka_unit_test(only_chosen_experts_are_read),
        cmocka_unit_test(repacked_experts_agree),
        cmocka_unit_test(router_and_gemma3_norms_are_used),
        cmocka_unit_test(bad_expert_files_are_refused_by_name),
        cmocka_unit_test(gemma3_pattern_array),
        cmocka_unit_test(sliding_window_ring),
        cmocka_unit_test(batch_over_context_estimate_matches_engine),
        cmocka_unit_test(memory_matches_formula_and_estimate),
    };
    return cmocka_run_group_tests(tests, engine_tests_setup, engine_tests_teardown);
}
