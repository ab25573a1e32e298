/* Models and the forward pass on tiny files made by infrac-mkmodel: batch
 * vs token-by-token consistency, tied/untied output, qwen2 biases and
 * qwen3 norms in use, KV cache types, memory formula == allocation, and
 * bad files refused by name. Models are read into memory so tests can
 * patch weights and headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context_internal.h"
#include "engine.h"
#include "engine_memory.h"
#include "ggml_types.h"
#include "gguf.h"
#include "model.h"

#include "engine_support.h"

static const int32_t PROMPT[] = {1, 17, 42, 99, 7, 300, 5, 64, 250, 3};
#define NP (sizeof PROMPT / sizeof PROMPT[0])

#define NLONG 48
static float *run_prompt(ie_model *m, uint32_t ck, uint32_t cv, bool one_by_one)
{
    return run_tokens(m, ck, cv, one_by_one, PROMPT, NP);
}

static void batch_matches_token_by_token(void **state)
{
    (void)state;
    static const char *cases[] = {
        "--arch llama --type f32", "--arch llama --type q8_0 --embd 256 --ff 512", "--arch qwen2 --type q4_0",
        "--arch qwen3 --type q4_k_m --embd 256 --ff 512 --head-dim 64", "--arch llama --type f16 --tied",
        "--arch llama --type bf16", "--arch llama --type q6_k --embd 256 --ff 256", "--arch llama --type q5_k --embd 256 --ff 256"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loaded L;
        make_model(&L, "consistency", cases[i]);
        char err[256];
        ie_model *m = model_of(&L, err, sizeof err);
        if (!m)
            fail_msg("%s: %s", cases[i], err);
        float *a = run_prompt(m, GGML_T_F32, GGML_T_F32, false);
        float *b = run_prompt(m, GGML_T_F32, GGML_T_F32, true);
        double d = max_diff(a, b, ie_model_n_vocab(m));
        if (d > 1e-3)
            fail_msg("%s: batch vs one-by-one logits differ by %g", cases[i], d);
        /* Logits are not degenerate: finite and spread out. */
        float lo = a[0], hi = a[0];
        for (uint32_t k = 0; k < ie_model_n_vocab(m); k++) {
            assert_true(isfinite(a[k]));
            lo = fminf(lo, a[k]);
            hi = fmaxf(hi, a[k]);
        }
        assert_true(hi - lo > 0.5f && hi - lo < 60.0f);
        free(a);
        free(b);
        ie_model_free(m);
        unload(&L);
    }
}

/* With INFRAC_ENGINE_BLAS=1 (set in main) a prompt of 48 tokens takes
 * matmul.c's sgemm path (dequantized tiles times activations rounded to
 * the 8-bit grid) on weights without repacked kernels; one token at a time
 * takes the integer kernels on K-quants and the float dot on f16. f16 must
 * agree to float rounding. On K-quants the products are the same up to
 * float summation order, which can flip a later activation's 8-bit
 * rounding: measured 1e-6 (q4_k_m, q5_k) and 1% of the largest logit
 * (q6_k) on these two-layer random models, so 5%. */
static void long_batch_matches_token_by_token(void **state)
{
    (void)state;
    static const struct {
        const char *args;
        double tol;
    } cases[] = {{"--arch llama --type q4_k_m --embd 256 --ff 512", 0.05},
                 {"--arch llama --type q5_k --embd 256 --ff 256", 0.05},
                 {"--arch qwen2 --type q6_k --embd 256 --ff 256", 0.05},
                 {"--arch qwen2 --type f16", 1e-5},
                 {"--arch llama --type f16 --tied", 1e-5}};
    int32_t toks[NLONG];
    for (uint32_t i = 0; i < NLONG; i++)
        toks[i] = (int32_t)((i * 37 + 11) % 400);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        loaded L;
        make_model(&L, "long", cases[i].args);
        char err[256];
        ie_model *m = model_of(&L, err, sizeof err);
        if (!m)
            fail_msg("%s: %s", cases[i].args, err);
        float *a = run_tokens(m, GGML_T_F32, GGML_T_F32, false, toks, NLONG);
        float *b = run_tokens(m, GGML_T_F32, GGML_T_F32, true, toks, NLONG);
        uint32_t nv = ie_model_n_vocab(m);
        double d = max_diff(a, b, nv), spread = 0;
        for (uint32_t k = 0; k < nv; k++)
            spread = fmax(spread, fabs((double)b[k]));
        print_message("%s: max |batch - one-by-one| %g of max |logit| %g\n", cases[i].args, d, spread);
        if (d > cases[i].tol * spread)
            fail_msg("%s: batch vs one-by-one logits differ by %g (max |logit| %g)", cases[i].args, d, spread);
        free(a);
        free(b);
        ie_model_free(m);
        unload(&L);
    }
}

static void kv_cache_types_agree(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "cache", "--arch llama --type f32 --embd 128 --heads 4 --kv-heads 2");
    char err[256];
    ie_model *m = model_of(&L, err, sizeof err);
    assert_non_null(m);
    float *ref = run_prompt(m, GGML_T_F32, GGML_T_F32, false);
    static const struct { uint32_t k, v; double tol; } cases[] = {
        {GGML_T_F16, GGML_T_F16, 0.02}, {GGML_T_Q8_0, GGML_T_F16, 0.1}, {GGML_T_F16, GGML_T_Q8_0, 0.1},
        {GGML_T_Q4_0, GGML_T_Q4_0, 1.0}, {GGML_T_Q8_0, GGML_T_Q4_0, 1.0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float *got = run_prompt(m, cases[i].k, cases[i].v, i % 2 == 0);
        double d = max_diff(ref, got, ie_model_n_vocab(m));
        if (d > cases[i].tol)
            fail_msg("cache %s/%s: logits differ by %g", ggml_type_get(cases[i].k)->name,
                     ggml_type_get(cases[i].v)->name, d);
        free(got);
    }
    free(ref);
    ie_model_free(m);
    unload(&L);
}

/* Perturbs a tensor's first floats and reports how far the logits moved. */
static double perturbation_effect(loaded *L, const char *tensor, size_t count)
{
    char err[256];
    ie_model *m = model_of(L, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    float *before = run_prompt(m, GGML_T_F32, GGML_T_F32, false);
    float *w = (float *)tensor_bytes(L, tensor);
    for (size_t i = 0; i < count; i++)
        w[i] += 0.5f;
    float *after = run_prompt(m, GGML_T_F32, GGML_T_F32, false);
    for (size_t i = 0; i < count; i++)
        w[i] -= 0.5f;
    double d = max_diff(before, after, ie_model_n_vocab(m));
    free(before);
    free(after);
    ie_model_free(m);
    return d;
}

static void qwen2_biases_and_qwen3_norms_are_used(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "qwen2", "--arch qwen2 --type f32");
    assert_true(perturbation_effect(&L, "blk.0.attn_q.bias", 16) > 1e-4);
    assert_true(perturbation_effect(&L, "blk.1.attn_k.bias", 16) > 1e-4);
    assert_true(perturbation_effect(&L, "blk.0.attn_v.bias", 16) > 1e-4);
    unload(&L);
    make_model(&L, "qwen3", "--arch qwen3 --type f32");
    assert_true(perturbation_effect(&L, "blk.0.attn_q_norm.weight", 8) > 1e-4);
    assert_true(perturbation_effect(&L, "blk.1.attn_k_norm.weight", 8) > 1e-4);
    unload(&L);
}

/* Changes one row of a [n_embd, n_vocab] f32 matrix: only that token's
 * logit may move when the matrix is the output projection. */
static void tied_and_untied_output(void **state)
{
    (void)state;
    const int32_t row = 500; /* not in PROMPT */
    for (int tied = 0; tied < 2; tied++) {
        loaded L;
        make_model(&L, "tied", tied ? "--arch llama --type f32 --tied" : "--arch llama --type f32");
        char err[256];
        ie_model *m = model_of(&L, err, sizeof err);
        assert_non_null(m);
        assert_int_equal(m->tied, tied);
        uint32_t nv = ie_model_n_vocab(m), E = m->hp.n_embd;
        float *before = run_prompt(m, GGML_T_F32, GGML_T_F32, false);
        float *emb = (float *)tensor_bytes(&L, "token_embd.weight") + (size_t)row * E;
        for (uint32_t i = 0; i < E; i++)
            emb[i] *= 2;
        float *after = run_prompt(m, GGML_T_F32, GGML_T_F32, false);
        for (uint32_t i = 0; i < nv; i++) {
            if (tied && (int32_t)i == row)
                assert_true(fabsf(after[i] - 2 * before[i]) < 1e-3f * (1 + fabsf(before[i])));
            else
                assert_true(fabsf(after[i] - before[i]) < 1e-5f);
        }
        free(before);
        free(after);
        ie_model_free(m);
        unload(&L);
    }
}

static void memory_formula_is_the_allocation(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "mem", "--arch qwen3 --type q8_0 --embd 128 --heads 4 --kv-heads 2 --head-dim 64 --ff 256");
    char err[256];
    ie_model *m = model_of(&L, err, sizeof err);
    assert_non_null(m);
    ie_context_params p;
    ie_context_params_default(&p);
    p.n_ctx = 100;
    p.n_slots = 3;
    p.n_threads = 2;
    p.n_batch = 16;
    p.cache_k = GGML_T_Q8_0;
    p.cache_v = GGML_T_Q4_0;
    ie_context *c = ie_context_new(m, &p, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(ie_slot_n_ctx(c), 33);
    assert_int_equal(c->kv_bytes + c->scratch_bytes, ie_context_bytes(m, &p));
    engine_mem_shape s = {2, 128, 4, 2, 64, 64, 256, 512, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    engine_mem_params mp = {100, 3, 16, 2, GGML_T_Q8_0, GGML_T_Q4_0};
    /* KV: layers x cells x (K row + V row): 2 x 99 x (128/32*34 + 128/32*18) */
    assert_int_equal(engine_kv_bytes(&s, &mp), (2 * 99 * (4 * 34 + 4 * 18) + 63) / 64 * 64);
    assert_int_equal(engine_context_bytes(&s, &mp), ie_context_bytes(m, &p));
    assert_int_equal(c->kv_bytes, engine_kv_bytes(&s, &mp));
    /* Slots are independent: decoding slot 2 leaves slot 0 empty. */
    assert_int_equal(ie_decode(c, 2, PROMPT, NP, 0, err, sizeof err), 0);
    assert_int_equal(ie_slot_n_past(c, 0), 0);
    assert_int_equal(ie_slot_n_past(c, 2), NP);
    /* Errors: past the slot context, holes, bad ids, bad slot. */
    assert_int_equal(ie_decode(c, 0, PROMPT, NP, 30, err, sizeof err), -1);
    assert_non_null(strstr(err, "past the"));
    int32_t many[40] = {0};
    assert_int_equal(ie_decode(c, 1, many, 40, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "exceed"));
    int32_t bad = 100000;
    assert_int_equal(ie_decode(c, 0, &bad, 1, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(ie_decode(c, 3, PROMPT, 1, 0, err, sizeof err), -1);
    assert_int_equal(ie_decode(c, 0, PROMPT, 0, 0, err, sizeof err), -1);
    ie_context_free(c);
    p.cache_k = GGML_T_Q4_K;
    assert_null(ie_context_new(m, &p, err, sizeof err));
    assert_non_null(strstr(err, "q4_k"));
    ie_model_free(m);
    unload(&L);
}

static void bad_files_are_refused_by_name(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "bad", "--arch llama --type f32");
    char err[256];
    ie_model *ok = model_of(&L, err, sizeof err);
    assert_non_null(ok);
    ie_model_free(ok);

    /* Wrong architecture. */
    const gguf_kv *kv = gguf_find_kv(&L.f, "general.architecture");
    uint8_t *arch = (uint8_t *)kv->data;
    memcpy(arch, "gpt99", 5);
    expect_refusal(&L, "gpt99");
    memcpy(arch, "llama", 5);

    /* Missing tensor: rename blk.1.ffn_up.weight. */
    const gguf_tensor *t = gguf_find_tensor(&L.f, "blk.1.ffn_up.weight");
    char *nm = (char *)t->name.ptr;
    nm[10] = 'X';
    expect_refusal(&L, "blk.1.ffn_up.weight is missing");
    nm[10] = 'u';

    /* Wrong shape: ffn_gate with fewer rows. */
    uint8_t *h = tensor_header(&L, "blk.0.ffn_gate.weight");
    uint64_t ne1, smaller = 96;
    memcpy(&ne1, h + 4 + 8, 8);
    memcpy(h + 4 + 8, &smaller, 8);
    expect_refusal(&L, "blk.0.ffn_gate.weight has shape [64, 96], expected [64, 128]");
    memcpy(h + 4 + 8, &ne1, 8);

    /* Unsupported type: attn_q as q5_0 (smaller, so still inside the file). */
    h = tensor_header(&L, "blk.0.attn_q.weight");
    uint32_t type, q5_0 = GGML_T_Q5_0;
    memcpy(&type, h + 4 + 16, 4);
    memcpy(h + 4 + 16, &q5_0, 4);
    expect_refusal(&L, "blk.0.attn_q.weight has type q5_0");
    memcpy(h + 4 + 16, &type, 4);

    /* Norms must be f32 vectors of n_embd. */
    h = tensor_header(&L, "output_norm.weight");
    uint64_t n0, n_bad = 32;
    memcpy(&n0, h + 4, 8);
    memcpy(h + 4, &n_bad, 8);
    expect_refusal(&L, "output_norm.weight has shape [32]");
    memcpy(h + 4, &n0, 8);

    /* Inconsistent metadata: head count that does not divide. */
    kv = gguf_find_kv(&L.f, "llama.attention.head_count_kv");
    uint32_t three = 3, orig;
    memcpy(&orig, kv->data, 4);
    memcpy((uint8_t *)kv->data, &three, 4);
    expect_refusal(&L, "head_count_kv");
    memcpy((uint8_t *)kv->data, &orig, 4);

    ok = model_of(&L, err, sizeof err);
    assert_non_null(ok); /* every patch was undone */
    ie_model_free(ok);
    unload(&L);

    /* A header-only file parses but has no weights. */
    make_model(&L, "header", "--arch llama --type q8_0 --header-only");
    expect_refusal(&L, "not in the file");
    unload(&L);
    /* A file path that does not exist. */
    assert_null(ie_model_load("/nonexistent/model.gguf", err, sizeof err));
    assert_true(strlen(err) > 0);
}

/* K-quant tensors whose header no longer matches their bytes: a clear
 * error naming the tensor, never a crash or a read past the data. */
static void hostile_k_quant_tensors_are_refused(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "kq", "--arch llama --type q4_k_m --embd 256 --ff 512");
    char err[256];
    ie_model *ok = model_of(&L, err, sizeof err);
    if (!ok)
        fail_msg("%s", err);
    ie_model_free(ok);

    /* Retyped to a larger K-quant: its blocks no longer fit its bytes. */
    uint8_t *h = tensor_header(&L, "blk.0.attn_q.weight");
    uint32_t type, q6_k = GGML_T_Q6_K;
    memcpy(&type, h + 4 + 16, 4);
    assert_int_equal(type, GGML_T_Q4_K);
    memcpy(h + 4 + 16, &q6_k, 4);
    expect_refusal(&L, "tensor 'blk.0.attn_q.weight' (q6_k, 53760 bytes for its shape) runs into tensor");
    memcpy(h + 4 + 16, &type, 4);

    /* More rows than its bytes hold (and than the model's shape). */
    h = tensor_header(&L, "blk.0.ffn_down.weight");
    uint64_t ne1, more = 512;
    memcpy(&ne1, h + 4 + 8, 8);
    memcpy(h + 4 + 8, &more, 8);
    expect_refusal(&L, "blk.0.ffn_down.weight");
    memcpy(h + 4 + 8, &ne1, 8);

    /* A row that is not a whole number of 256-element super-blocks. */
    h = tensor_header(&L, "blk.1.ffn_gate.weight");
    uint64_t ne0, odd = 288;
    memcpy(&ne0, h + 4, 8);
    memcpy(h + 4, &odd, 8);
    expect_refusal(&L, "not a multiple of its block of 256");
    memcpy(h + 4, &ne0, 8);

    /* The last tensor's blocks reach past the end of the file. */
    size_t full = L.size;
    L.size -= 4096;
    expect_refusal(&L, "not in the file");
    L.size = full;

    ok = model_of(&L, err, sizeof err);
    assert_non_null(ok); /* every patch was undone */
    ie_model_free(ok);
    unload(&L);
}

/* Repacked K-quant weights (Q4_K, Q5_K, Q6_K tiles) give the logits of the
 * plain row kernels, in one batch and token by token. Not bit-equal: the
 * float sums run in another order, and a 1e-7 difference can move one
 * activation's 8-bit code in a later layer (this 3-layer model has such a
 * code: 0.9% of the largest logit); a wrong layout would be off by the
 * logits' whole size. The kernels themselves are compared strictly in
 * test_engine_kernels. */
static void repacked_weights_match_rows(void **state)
{
    (void)state;
    const char *models[] = {"--arch qwen3 --type q4_k_m --embd 256 --ff 512 --layers 3",
                            "--arch llama --type q5_k --embd 256 --ff 512 --layers 2"};
    for (int mi = 0; mi < 2; mi++) {
    loaded L;
    make_model(&L, "kqm", models[mi]);
    char err[256];
    for (int one = 0; one < 2; one++) {
        setenv("INFRAC_ENGINE_REPACK", "0", 1);
        ie_model *plain = model_of(&L, err, sizeof err);
        unsetenv("INFRAC_ENGINE_REPACK");
        ie_model *packed = model_of(&L, err, sizeof err);
        assert_non_null(plain);
        assert_non_null(packed);
        float *a = run_prompt(plain, GGML_T_F32, GGML_T_F32, one), *b = run_prompt(packed, GGML_T_F32, GGML_T_F32, one);
        uint32_t nv = ie_model_n_vocab(plain);
        double mag = 0;
        for (uint32_t i = 0; i < nv; i++)
            mag = fmax(mag, fabs((double)a[i]));
        if (max_diff(a, b, nv) > 0.02 * mag)
            fail_msg("%s: repacked logits differ by %g (largest %g)", models[mi], max_diff(a, b, nv), mag);
        free(a);
        free(b);
        ie_model_free(plain);
        ie_model_free(packed);
    }
    unload(&L);
    }
}

/* ie_matmul for every token count 1..17 (the tiled kernels take up to
 * IE_RDOT_COLS tokens a call, K-quant ones IE_MAX_COLS, so every tail)
 * under each kernel set the CPU has (INFRAC_ENGINE_ISA), on a repacked
 * matrix (q, 16-row tiles), one whose row count is not a multiple of 16
 * (the output, 700 rows: row kernels) and a wide one (down, 512 columns),
 * against the portable row kernel on the same 8-bit activations. */
static void matmul_every_token_count_and_isa(void **state)
{
    (void)state;
    static const char *types[] = {"q4_0", "q8_0", "q4_k", "q5_k", "q6_k"};
    static const char *isas[] = {"portable", "avx2", "avxvnni", NULL};
    enum { MAXT = 17 };
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        char args[160];
        snprintf(args, sizeof args, "--arch llama --type %s --embd 256 --ff 512 --vocab 700 --layers 1", types[ti]);
        loaded L;
        make_model(&L, "tok17", args);
        char err[256];
        ie_model *m = model_of(&L, err, sizeof err);
        if (!m)
            fail_msg("%s: %s", args, err);
        const ie_weight *ws[] = {&m->layers[0].wq, &m->output, &m->layers[0].w_down};
        /* Where the CPU has a tiled kernel, q and down are repacked; the
         * output never is (700 rows). */
        assert_null(m->output.rp);
        if (ie_rdot_avx2())
            assert_true(m->layers[0].wq.rp && m->layers[0].w_down.rp);
        for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
            if (isas[ii])
                setenv("INFRAC_ENGINE_ISA", isas[ii], 1);
            else
                unsetenv("INFRAC_ENGINE_ISA");
            ie_context *c = context(m, GGML_T_F32, GGML_T_F32, 32);
            for (size_t wi = 0; wi < sizeof ws / sizeof ws[0]; wi++) {
                const ie_weight *w = ws[wi];
                size_t nb = w->cols / 32;
                float *x = malloc(MAXT * w->cols * sizeof *x), *y = malloc(MAXT * w->rows * sizeof *y);
                ie_block_q8a *xq = malloc(MAXT * nb * sizeof *xq);
                uint64_t seed = 12345 + wi;
                for (uint32_t n = 1; n <= MAXT; n++) {
                    for (size_t i = 0; i < n * w->cols; i++) {
                        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                        x[i] = (float)((int64_t)(seed >> 33) % 2001 - 1000) / 500.0f;
                    }
                    for (uint32_t t = 0; t < n; t++)
                        (ggml_type_get(w->type)->block_elems == 256 ? ie_quantize_act_k : ie_quantize_act)(
                            x + t * w->cols, xq + t * nb, w->cols);
                    c->xq_of = NULL; /* x is new each time */
                    ie_matmul(c, w, x, n, y, w->rows, NULL, false);
                    for (uint64_t r = 0; r < w->rows; r++)
                        for (uint32_t t = 0; t < n; t++) {
                            float ref;
                            ie_qdot_portable(w->type)(nb, w->data + r * w->row_bytes, xq + t * nb, nb, 1, &ref);
                            float got = y[(size_t)t * w->rows + r];
                            if (fabsf(got - ref) > 1e-3f * (1 + fabsf(ref)))
                                fail_msg("%s isa %s weight %zu (%llu x %llu%s) n=%u row %llu token %u: %g, "
                                         "row kernel %g",
                                         types[ti], isas[ii] ? isas[ii] : "best", wi, (unsigned long long)w->rows,
                                         (unsigned long long)w->cols, w->rp ? ", tiled" : "", n,
                                         (unsigned long long)r, t, got, ref);
                        }
                }
                free(x);
                free(y);
                free(xq);
            }
            ie_context_free(c);
        }
        unsetenv("INFRAC_ENGINE_ISA");
        ie_model_free(m);
        unload(&L);
    }
}

static void public_loader_reads_files(void **state)
{
    (void)state;
    loaded L;
    make_model(&L, "pub", "--arch qwen2 --type q8_0 --vocab 700");
    unload(&L);
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/pub.gguf", engine_tmpdir);
    ie_model *m = ie_model_load(path, err, sizeof err);
    assert_non_null(m);
    assert_string_equal(ie_model_arch(m), "qwen2");
    assert_int_equal(ie_model_n_vocab(m), 700);
    assert_int_equal(ie_model_n_ctx_train(m), 2048);
    assert_true(ie_model_weight_bytes(m) > 0);
    ie_model_free(m);
}

int main(void)
{
    setenv("INFRAC_ENGINE_BLAS", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_matches_token_by_token),
        cmocka_unit_test(long_batch_matches_token_by_token),
        cmocka_unit_test(kv_cache_types_agree),
        cmocka_unit_test(qwen2_biases_and_qwen3_norms_are_used),
        cmocka_unit_test(tied_and_untied_output),
        cmocka_unit_test(memory_formula_is_the_allocation),
        cmocka_unit_test(bad_files_are_refused_by_name),
        cmocka_unit_test(hostile_k_quant_tensors_are_refused),
        cmocka_unit_test(repacked_weights_match_rows),
        cmocka_unit_test(matmul_every_token_count_and_isa),
        cmocka_unit_test(public_loader_reads_files),
    };
    return cmocka_run_group_tests(tests, engine_tests_setup, engine_tests_teardown);
}
