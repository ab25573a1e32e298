/* Properties of the memory model that the 48 reference rows do not cover:
 * mixture-of-experts offload, partial offload, tied outputs, sliding-window
 * caches, multi-GPU splits, declared shapes, vLLM's claim, the infrac
 * engine, and hostile GGUF input. Models are small header-only GGUFs
 * written by the shared writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_memory.h"
#include "estimate/estimate.h"
#include "ggml_types.h"
#include "gguf_write.h"
#include "test_data.h"

typedef struct synth {
    const char *arch;
    uint32_t n_layer, n_embd, n_head, n_head_kv, n_ff, n_vocab;
    uint32_t n_expert, n_expert_used, n_ff_exp;
    uint32_t n_swa;
    bool tied;
} synth;

static void key(char *buf, size_t n, const char *arch, const char *suffix)
{
    snprintf(buf, n, "%s.%s", arch, suffix);
}

static void add_matrix(gguf_writer *w, const char *name, uint64_t in, uint64_t out)
{
    uint64_t ne[2] = {in, out};
    assert_true(gguf_w_tensor(w, name, GGML_T_Q4_0, 2, ne, NULL));
}

static void add_vector(gguf_writer *w, const char *name, uint64_t n)
{
    uint64_t ne[1] = {n};
    assert_true(gguf_w_tensor(w, name, GGML_T_F32, 1, ne, NULL));
}

/* Writes a header-only GGUF of the given shape and loads its model_shape. */
static void synth_load(const synth *s, model_shape *shape)
{
    char path[] = "/tmp/estimate-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gguf_writer *w = gguf_writer_new();
    char k[128], name[96];
    assert_true(gguf_w_str(w, "general.architecture", s->arch));
    key(k, sizeof k, s->arch, "block_count");
    assert_true(gguf_w_u32(w, k, s->n_layer));
    key(k, sizeof k, s->arch, "embedding_length");
    assert_true(gguf_w_u32(w, k, s->n_embd));
    key(k, sizeof k, s->arch, "feed_forward_length");
    assert_true(gguf_w_u32(w, k, s->n_ff));
    key(k, sizeof k, s->arch, "attention.head_count");
    assert_true(gguf_w_u32(w, k, s->n_head));
    key(k, sizeof k, s->arch, "attention.head_count_kv");
    assert_true(gguf_w_u32(w, k, s->n_head_kv));
    key(k, sizeof k, s->arch, "context_length");
    assert_true(gguf_w_u32(w, k, 8192));
    if (s->n_expert) {
        key(k, sizeof k, s->arch, "expert_count");
        assert_true(gguf_w_u32(w, k, s->n_expert));
        key(k, sizeof k, s->arch, "expert_used_count");
        assert_true(gguf_w_u32(w, k, s->n_expert_used));
        key(k, sizeof k, s->arch, "expert_feed_forward_length");
        assert_true(gguf_w_u32(w, k, s->n_ff_exp));
    }
    if (s->n_swa) {
        key(k, sizeof k, s->arch, "attention.sliding_window");
        assert_true(gguf_w_u32(w, k, s->n_swa));
    }
    uint64_t hd = s->n_embd / s->n_head;
    add_matrix(w, "token_embd.weight", s->n_embd, s->n_vocab);
    for (uint32_t il = 0; il < s->n_layer; il++) {
        snprintf(name, sizeof name, "blk.%u.attn_norm.weight", il);
        add_vector(w, name, s->n_embd);
        snprintf(name, sizeof name, "blk.%u.attn_q.weight", il);
        add_matrix(w, name, s->n_embd, s->n_head * hd);
        snprintf(name, sizeof name, "blk.%u.attn_k.weight", il);
        add_matrix(w, name, s->n_embd, s->n_head_kv * hd);
        snprintf(name, sizeof name, "blk.%u.attn_v.weight", il);
        add_matrix(w, name, s->n_embd, s->n_head_kv * hd);
        snprintf(name, sizeof name, "blk.%u.attn_output.weight", il);
        add_matrix(w, name, s->n_head * hd, s->n_embd);
        if (s->n_expert) {
            uint64_t ne[3] = {s->n_embd, s->n_ff_exp, s->n_expert};
            uint64_t router[2] = {s->n_embd, s->n_expert}; /* F32, as GGUFs keep it */
            snprintf(name, sizeof name, "blk.%u.ffn_gate_inp.weight", il);
            assert_true(gguf_w_tensor(w, name, GGML_T_F32, 2, router, NULL));
            snprintf(name, sizeof name, "blk.%u.ffn_gate_exps.weight", il);
            assert_true(gguf_w_tensor(w, name, GGML_T_Q4_0, 3, ne, NULL));
            snprintf(name, sizeof name, "blk.%u.ffn_up_exps.weight", il);
            assert_true(gguf_w_tensor(w, name, GGML_T_Q4_0, 3, ne, NULL));
            uint64_t nd[3] = {s->n_ff_exp, s->n_embd, s->n_expert};
            snprintf(name, sizeof name, "blk.%u.ffn_down_exps.weight", il);
            assert_true(gguf_w_tensor(w, name, GGML_T_Q4_0, 3, nd, NULL));
        } else {
            snprintf(name, sizeof name, "blk.%u.ffn_gate.weight", il);
            add_matrix(w, name, s->n_embd, s->n_ff);
            snprintf(name, sizeof name, "blk.%u.ffn_up.weight", il);
            add_matrix(w, name, s->n_embd, s->n_ff);
            snprintf(name, sizeof name, "blk.%u.ffn_down.weight", il);
            add_matrix(w, name, s->n_ff, s->n_embd);
        }
    }
    add_vector(w, "output_norm.weight", s->n_embd);
    if (!s->tied)
        add_matrix(w, "output.weight", s->n_embd, s->n_vocab);
    char err[256];
    assert_int_equal(gguf_writer_write(w, path, true, err, sizeof err), 0);
    gguf_writer_free(w);
    assert_int_equal(model_shape_load(path, shape, err, sizeof err), 0);
    unlink(path);
}

static const synth dense = {"llama", 8, 256, 4, 2, 512, 1000, 0, 0, 0, 0, false};
static const synth moe = {"qwen3moe", 6, 256, 4, 2, 512, 1000, 8, 2, 128, 0, false};
static const synth gemma = {"gemma3", 12, 256, 4, 2, 512, 1000, 0, 0, 0, 128, true};

static void run(const model_shape *m, const estimate_request *req, estimate_result *res)
{
    char err[256];
    int rc = estimate_memory(m, req, res, err, sizeof err);
    if (rc != 0)
        fail_msg("estimate failed: %s", err);
}

static uint64_t tensor_bytes(const model_shape *m, tensor_role role, int32_t below_layer)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].role == role && (below_layer < 0 || m->tensors[i].layer < below_layer))
            sum += m->tensors[i].bytes;
    return sum;
}

static void reads_shape_and_roles(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&moe, &m);
    assert_string_equal(m.arch, "qwen3moe");
    assert_true(m.arch_known);
    assert_int_equal(m.n_expert, 8);
    assert_int_equal(m.n_expert_used, 2);
    assert_int_equal(m.n_ff_exp, 128);
    assert_int_equal(m.head_dim_k, 64);
    assert_int_equal(m.n_vocab, 1000);
    assert_false(m.tied_output);
    assert_int_equal(tensor_bytes(&m, TROLE_LAYER_EXPERT, -1), 6ull * 3 * 8 * (256 * 128 / 32 * 18));
    uint64_t total = 0;
    for (uint32_t i = 0; i < m.n_tensors; i++)
        total += m.tensors[i].bytes;
    assert_int_equal(total, m.weights_bytes);
    model_shape_free(&m);
}

static void all_on_gpu_keeps_token_embd_on_host(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&dense, &m);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 4096;
    estimate_result r;
    run(&m, &req, &r);
    uint64_t embd = tensor_bytes(&m, TROLE_TOKEN_EMBD, -1);
    assert_int_equal(r.host.weights, embd);
    assert_int_equal(r.gpu[0].weights, m.weights_bytes - embd);
    assert_int_equal(r.layers_on_gpu[0], 8);
    assert_int_equal(r.host.kv_cache, 0);
    /* 8 layers x 4096 cells x (K + V rows of 2 heads x 64 x f16) */
    assert_int_equal(r.gpu[0].kv_cache, 8ull * 4096 * 2 * 128 * 2);
    assert_int_equal(r.gpu[0].total, r.gpu[0].weights + r.gpu[0].kv_cache + r.gpu[0].compute + r.gpu[0].overhead);
    model_shape_free(&m);
}

static void kv_padding_and_slots(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&dense, &m);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    estimate_result r;
    req.context = 1000;
    run(&m, &req, &r);
    assert_int_equal(r.kv_cells, 1024);
    req.context = 4096;
    req.parallel = 3; /* each slot: pad(4096 / 3 = 1365) = 1536 */
    run(&m, &req, &r);
    assert_int_equal(r.kv_cells, 3 * 1536);
    req.kv_unified = true;
    run(&m, &req, &r);
    assert_int_equal(r.kv_cells, 4096);
    req.context = 0; /* the model's own */
    run(&m, &req, &r);
    assert_int_equal(r.kv_cells, 8192);
    model_shape_free(&m);
}

static void cpu_moe_moves_exactly_those_experts(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&moe, &m);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 4096;
    estimate_result base, off;
    run(&m, &req, &base);
    req.cpu_moe_layers = 2;
    run(&m, &req, &off);
    uint64_t moved = tensor_bytes(&m, TROLE_LAYER_EXPERT, 2);
    assert_true(moved > 0);
    assert_int_equal(base.gpu[0].weights - off.gpu[0].weights, moved);
    assert_int_equal(off.host.weights - base.host.weights, moved);
    assert_int_equal(off.gpu[0].kv_cache, base.gpu[0].kv_cache);
    assert_int_equal(off.layers_on_gpu[0], base.layers_on_gpu[0]);
    /* a big batch copies the largest host expert tensor into the GPU's
     * compute buffer, beside 2 ff' + (1 + used) embd floats a token of
     * activations; the buffer grows when that beats the MoE peak */
    uint64_t one_expert = 0;
    for (uint32_t i = 0; i < m.n_tensors; i++)
        if (m.tensors[i].role == TROLE_LAYER_EXPERT && m.tensors[i].bytes > one_expert)
            one_expert = m.tensors[i].bytes;
    req.ubatch = 32;
    run(&m, &req, &off);
    req.cpu_moe_layers = 0;
    run(&m, &req, &base);
    uint64_t ff = 2 * 128, embd = 256, used = 2;
    uint64_t activations = 32 * (3 * ff + 4 * embd + used * embd) * 4;
    uint64_t beside = one_expert + 32 * (2 * ff + (1 + used) * embd) * 4;
    assert_true(beside > activations);
    assert_int_equal(off.gpu[0].compute - base.gpu[0].compute, beside - activations);
    /* the F32 router runs through cuBLAS: its CUDA pool, experts on the GPU or not */
    assert_int_equal(base.gpu[0].overhead, 696 * MIB);
    req.cpu_moe_layers = m.n_layer;
    run(&m, &req, &off);
    assert_int_equal(off.gpu[0].overhead, 696 * MIB);
    /* small batches run on the CPU: no copy */
    req.ubatch = 16;
    run(&m, &req, &base);
    req.cpu_moe_layers = 0;
    run(&m, &req, &off);
    assert_int_equal(off.gpu[0].compute, base.gpu[0].compute);
    model_shape_free(&m);
}

static void partial_offload_and_zero_layers(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&dense, &m);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 4096;
    estimate_result all, half, none;
    run(&m, &req, &all);
    req.gpu_layers = 5; /* the output layer first, then layers 4..7 */
    run(&m, &req, &half);
    assert_int_equal(half.layers_on_gpu[0], 4);
    uint64_t out_bytes = tensor_bytes(&m, TROLE_OUTPUT, -1) + tensor_bytes(&m, TROLE_OUTPUT_NORM, -1);
    uint64_t layer_bytes = tensor_bytes(&m, TROLE_LAYER, -1);
    assert_true(out_bytes > 0);
    assert_int_equal(half.gpu[0].weights, layer_bytes / 2 + out_bytes);
    assert_int_equal(half.host.weights, m.weights_bytes - layer_bytes / 2 - out_bytes);
    assert_int_equal(half.gpu[0].kv_cache, all.gpu[0].kv_cache / 2);
    assert_int_equal(half.host.kv_cache, all.gpu[0].kv_cache / 2);
    req.gpu_layers = 1; /* only the output layer */
    run(&m, &req, &half);
    assert_int_equal(half.layers_on_gpu[0], 0);
    assert_int_equal(half.gpu[0].weights, out_bytes);
    assert_int_equal(half.gpu[0].kv_cache, 0);
    req.gpu_layers = 0;
    run(&m, &req, &none);
    assert_int_equal(none.gpu[0].weights, 0);
    assert_int_equal(none.gpu[0].kv_cache, 0);
    assert_int_equal(none.layers_on_gpu[0], 0);
    assert_true(none.gpu[0].overhead > 0);   /* a CUDA context all the same */
    assert_true(none.gpu[0].compute > 0);    /* and a compute buffer */
    assert_int_equal(none.host.weights, m.weights_bytes);
    model_shape_free(&m);
}

static void tied_output_copied_to_gpu(void **state)
{
    (void)state;
    synth tied = dense;
    tied.tied = true;
    model_shape m;
    synth_load(&tied, &m);
    assert_true(m.tied_output);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 4096;
    estimate_result r;
    run(&m, &req, &r);
    uint64_t embd = tensor_bytes(&m, TROLE_TOKEN_EMBD, -1);
    assert_int_equal(r.host.weights, embd);
    assert_int_equal(r.gpu[0].weights, m.weights_bytes); /* layers + the copy */
    req.gpu_layers = 0; /* output not offloaded: no copy */
    run(&m, &req, &r);
    assert_int_equal(r.gpu[0].weights, 0);
    assert_int_equal(r.host.weights, m.weights_bytes);
    req.gpu_layers = 1; /* the output layer alone goes first, with its copy */
    run(&m, &req, &r);
    assert_int_equal(r.gpu[0].weights, embd + tensor_bytes(&m, TROLE_OUTPUT_NORM, -1));
    model_shape_free(&m);
}

static void two_gpu_split_adds_one_overhead_and_compute(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&dense, &m);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 4096;
    estimate_result one, two;
    run(&m, &req, &one);
    req.n_gpus = 2;
    run(&m, &req, &two);
    assert_int_equal(two.n_gpus, 2);
    assert_int_equal(two.layers_on_gpu[0] + two.layers_on_gpu[1], 8);
    /* every layer offloaded to several GPUs: pipeline parallelism, each GPU
     * also holds 3 more KQ masks and 4 ubatches of hidden state */
    uint64_t ub = 512, mask = 4096 * ub * 2;
    uint64_t copies = 3 * mask + 4 * ub * m.n_embd * 4;
    assert_int_equal(two.gpu[0].compute, one.gpu[0].compute + copies);
    assert_int_equal(two.gpu[1].compute, one.gpu[0].compute + copies);
    assert_int_equal(two.gpu[0].total + two.gpu[1].total,
                     one.gpu[0].total + one.gpu[0].overhead + one.gpu[0].compute + 2 * copies);
    assert_int_equal(two.host.total, one.host.total);
    /* some layers on the host: no pipeline; the first GPU gets a copy of the mask */
    req.gpu_layers = 5;
    req.n_gpus = 1;
    run(&m, &req, &one);
    req.n_gpus = 2;
    run(&m, &req, &two);
    assert_int_equal(two.gpu[0].compute, one.gpu[0].compute);
    assert_int_equal(two.gpu[1].compute, one.gpu[0].compute - mask);
    assert_int_equal(two.gpu[0].total + two.gpu[1].total,
                     one.gpu[0].total + one.gpu[0].overhead + one.gpu[0].compute - mask);
    req.gpu_layers = -1;
    /* 3:1 split: the first GPU takes three quarters of the 9 offloaded layers */
    req.tensor_split[0] = 3;
    req.tensor_split[1] = 1;
    run(&m, &req, &two);
    assert_int_equal(two.layers_on_gpu[0], 7);
    assert_int_equal(two.layers_on_gpu[1], 1);
    assert_true(two.gpu[0].kv_cache == 7 * two.gpu[1].kv_cache);
    model_shape_free(&m);
}

static void sliding_window_layers_use_smaller_cache(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&gemma, &m);
    assert_int_equal(m.n_swa, 128);
    assert_int_equal(m.swa_period, 6);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 32768;
    estimate_result swa, full;
    run(&m, &req, &swa);
    req.swa_full = true;
    run(&m, &req, &full);
    uint64_t row = 2 * 64 * 2; /* 2 KV heads x 64 x f16 */
    /* 2 global layers x 32768 + 10 SWA layers x pad(128 + 512) = 768 cells */
    assert_int_equal(swa.gpu[0].kv_cache, (2ull * 32768 + 10ull * 768) * 2 * row);
    assert_int_equal(full.gpu[0].kv_cache, 12ull * 32768 * 2 * row);
    assert_true(swa.n_notes > 0);
    model_shape_free(&m);
}

static void declared_shape_spreads_weights(void **state)
{
    (void)state;
    model_shape m;
    memset(&m, 0, sizeof m);
    snprintf(m.arch, sizeof m.arch, "llama");
    m.arch_known = true;
    m.n_layer = 32, m.n_embd = 4096, m.n_head = 32, m.n_head_kv = 8, m.head_dim_k = m.head_dim_v = 128;
    m.n_ff = 14336, m.n_vocab = 128256, m.n_ctx_train = 8192;
    m.weights_bytes = 4500ull * MIB;
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 8192;
    estimate_result r;
    run(&m, &req, &r);
    assert_int_equal(r.gpu[0].weights + r.host.weights, m.weights_bytes);
    /* the embedding (vocab x embd at the model's average width) stays home */
    assert_true(r.host.weights > 200 * MIB && r.host.weights < 350 * MIB);
    assert_int_equal(r.layers_on_gpu[0], 32);
    assert_true(r.n_notes > 0);
    req.gpu_layers = 17; /* output (declared shapes: untied, vocab x embd) + 16 layers */
    estimate_result half;
    run(&m, &req, &half);
    assert_int_equal(half.layers_on_gpu[0], 16);
    assert_true(half.gpu[0].weights < r.gpu[0].weights / 2 + r.host.weights);
    assert_true(half.gpu[0].weights > r.gpu[0].weights / 2);
    assert_int_equal(half.gpu[0].weights + half.host.weights, m.weights_bytes);
}

/* A declared MoE: the experts of a layer are three tensors (gate, up, down),
 * so experts left on the host put one third of a layer's experts in the
 * first GPU's compute buffer, not all of them. */
static void declared_moe_copies_one_expert_tensor(void **state)
{
    (void)state;
    model_shape m;
    memset(&m, 0, sizeof m);
    snprintf(m.arch, sizeof m.arch, "qwen3moe");
    m.arch_known = true;
    m.n_layer = 48, m.n_embd = 2048, m.n_head = 32, m.n_head_kv = 4, m.head_dim_k = m.head_dim_v = 128;
    m.n_ff = 6144, m.n_vocab = 151936, m.n_ctx_train = 40960;
    m.n_expert = 128, m.n_expert_used = 8, m.n_ff_exp = 768;
    m.weights_bytes = 16384ull * MIB;
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 4096;
    estimate_result on, off;
    run(&m, &req, &on);
    req.cpu_moe_layers = 48;
    run(&m, &req, &off);
    uint64_t layer_experts = on.gpu[0].weights - off.gpu[0].weights;
    assert_true(layer_experts > 0);
    layer_experts /= 48;
    uint64_t ub = 512;
    /* the FFN's, the experts' outputs, and the attention wider than the
     * model (32 x 128 over 2048: 3 (n_q - n_embd) + n_kv floats a token) */
    uint64_t activations = ub * (3 * 8 * 768 + 4 * 2048 + 8 * 2048 + 3 * (4096 - 2048) + 4 * 128) * 4;
    uint64_t beside = ub * (3 * 8 * 768 + 6 * 2048) * 4;
    uint64_t copy = off.gpu[0].compute - (on.gpu[0].compute - activations) - beside;
    assert_true(copy + 2 >= layer_experts / 3 && copy <= layer_experts / 3 + 2);
    assert_int_equal(off.gpu[0].weights + off.host.weights, m.weights_bytes);
}

static void unknown_arch_is_conservative(void **state)
{
    (void)state;
    synth odd = dense;
    odd.arch = "mamba9";
    model_shape m, k;
    synth_load(&odd, &m);
    synth_load(&dense, &k);
    assert_false(m.arch_known);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = 4096;
    estimate_result ru, rk;
    run(&m, &req, &ru);
    run(&k, &req, &rk);
    assert_true(ru.conservative);
    assert_false(rk.conservative);
    assert_true(ru.n_notes > 0);
    assert_true(ru.gpu[0].total > rk.gpu[0].total);
    model_shape_free(&m);
    model_shape_free(&k);
}

static void bad_requests_refused(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&dense, &m);
    estimate_request req;
    estimate_result r;
    char err[256];
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.cache_k = GGML_T_Q4_K; /* 256-element blocks cannot hold 128-wide rows */
    assert_int_equal(estimate_memory(&m, &req, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "multiple of 256"));
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.n_gpus = EST_MAX_GPUS + 1;
    assert_int_equal(estimate_memory(&m, &req, &r, err, sizeof err), -1);
    estimate_request_defaults(&req, ENGINE_VLLM);
    req.n_gpus = 0;
    assert_int_equal(estimate_memory(&m, &req, &r, err, sizeof err), -1);
    model_shape_free(&m);
}

static void vllm_claims_utilization(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&dense, &m);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_VLLM);
    req.context = 4096;
    req.gpu_memory_utilization = 0.5;
    req.gpu_total_bytes[0] = 16ull * GIB;
    estimate_result r;
    run(&m, &req, &r);
    assert_int_equal(r.gpu[0].total, 8ull * GIB);
    assert_int_equal(r.gpu[0].weights, m.weights_bytes);
    assert_int_equal(r.vllm_kv_budget[0], 8ull * GIB - r.gpu[0].weights - r.gpu[0].compute - r.gpu[0].overhead);
    assert_int_equal(r.gpu[0].kv_cache, r.vllm_kv_budget[0]);
    assert_int_equal(r.kv_cells, r.vllm_kv_budget[0] / r.kv_bytes_per_token);
    /* a claim too small for one sequence says so */
    req.gpu_memory_utilization = 0.07;
    req.context = 0;
    run(&m, &req, &r);
    bool noted = false;
    for (uint32_t i = 0; i < r.n_notes; i++)
        noted |= strstr(r.notes[i], "refuses to start") != NULL;
    assert_true(noted);
    /* tensor parallel: weights sharded */
    req.gpu_memory_utilization = 0.9;
    req.n_gpus = 2;
    req.gpu_total_bytes[1] = 16ull * GIB;
    run(&m, &req, &r);
    assert_int_equal(r.gpu[0].weights + r.gpu[1].weights, m.weights_bytes);
    model_shape_free(&m);
}

static void infrac_engine_is_host_only(void **state)
{
    (void)state;
    model_shape m;
    synth_load(&dense, &m);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_INFRAC);
    req.context = 2048;
    req.parallel = 2;
    estimate_result r;
    run(&m, &req, &r);
    assert_int_equal(r.n_gpus, 0);
    assert_int_equal(r.host.weights, m.weights_bytes);
    /* the engine divides the context among the slots */
    assert_int_equal(r.host.kv_cache, 8ull * 2048 * (2 * 128 * 2));
    /* and agrees with the engine's own formula */
    engine_mem_shape es = {m.n_layer, m.n_embd, m.n_head, m.n_head_kv, m.head_dim_k, m.head_dim_v, m.n_ff, m.n_vocab, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    engine_mem_params ep = {.n_ctx = 2048, .n_slots = 2, .n_batch = req.batch, .n_threads = 8,
                            .cache_k = GGML_T_Q8_0, .cache_v = GGML_T_F16};
    req.threads = 8;
    req.cache_k = GGML_T_Q8_0;
    run(&m, &req, &r);
    assert_int_equal(r.host.kv_cache + r.host.compute, engine_context_bytes(&es, &ep));
    assert_int_equal(r.host.total, m.weights_bytes + engine_context_bytes(&es, &ep) + r.host.overhead);
    model_shape_free(&m);

    /* A MoE: the scratch holds the chosen experts' activations (2 x 128
     * per token, not feed_forward_length 512) plus the router's. */
    synth_load(&moe, &m);
    run(&m, &req, &r);
    engine_mem_shape ms = {m.n_layer, m.n_embd, m.n_head, m.n_head_kv, m.head_dim_k, m.head_dim_v, m.n_ff,
                           m.n_vocab, 8, 2, 128, 0, 0, 0, 0, 0, 0};
    assert_int_equal(engine_ffn_width(&ms), 2 * 128);
    assert_int_equal(r.host.kv_cache + r.host.compute, engine_context_bytes(&ms, &ep));
    engine_mem_shape dense_view = ms;
    dense_view.n_expert = dense_view.n_expert_used = 0;
    assert_true(engine_scratch_bytes(&ms, &ep) != engine_scratch_bytes(&dense_view, &ep));
    model_shape_free(&m);
}

static void hostile_gguf_refused(void **state)
{
    (void)state;
    char path[] = "/tmp/estimate-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "GGUF\x03\0\0\0\xff\xff\xff\xff\xff\xff\xff\x7f", 16), 16);
    close(fd);
    model_shape m;
    char err[256] = "";
    assert_int_equal(model_shape_load(path, &m, err, sizeof err), -1);
    assert_true(strlen(err) > 0);
    assert_null(m.tensors);
    /* a well-formed file without hyperparameters */
    gguf_writer *w = gguf_writer_new();
    assert_true(gguf_w_str(w, "general.architecture", "llama"));
    assert_int_equal(gguf_writer_write(w, path, true, err, sizeof err), 0);
    gguf_writer_free(w);
    assert_int_equal(model_shape_load(path, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "block_count"));
    /* every truncation of a real header: refused or parsed, never a crash */
    char ref[512];
    test_data_path("reference/mistral-7b.gguf", ref, sizeof ref);
    FILE *fp = fopen(ref, "rb");
    assert_non_null(fp);
    {
        static uint8_t buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        for (size_t len = 0; len < n; len += 997) {
            FILE *out = fopen(path, "wb");
            assert_non_null(out);
            assert_int_equal(fwrite(buf, 1, len, out), len);
            fclose(out);
            if (model_shape_load(path, &m, err, sizeof err) == 0)
                model_shape_free(&m);
            else
                assert_true(strlen(err) > 0);
        }
    }
    unlink(path);
}

static void engine_names(void **state)
{
    (void)state;
    assert_int_equal(engine_kind_from_name("llama.cpp"), ENGINE_LLAMACPP);
    assert_int_equal(engine_kind_from_name("vllm"), ENGINE_VLLM);
    assert_int_equal(engine_kind_from_name("infrac"), ENGINE_INFRAC);
    assert_int_equal(engine_kind_from_name("ollama"), -1);
    assert_string_equal(engine_kind_name(ENGINE_VLLM), "vllm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_shape_and_roles),
        cmocka_unit_test(all_on_gpu_keeps_token_embd_on_host),
        cmocka_unit_test(kv_padding_and_slots),
        cmocka_unit_test(cpu_moe_moves_exactly_those_experts),
        cmocka_unit_test(partial_offload_and_zero_layers),
        cmocka_unit_test(tied_output_copied_to_gpu),
        cmocka_unit_test(two_gpu_split_adds_one_overhead_and_compute),
        cmocka_unit_test(sliding_window_layers_use_smaller_cache),
        cmocka_unit_test(declared_shape_spreads_weights),
        cmocka_unit_test(declared_moe_copies_one_expert_tensor),
        cmocka_unit_test(unknown_arch_is_conservative),
        cmocka_unit_test(bad_requests_refused),
        cmocka_unit_test(vllm_claims_utilization),
        cmocka_unit_test(infrac_engine_is_host_only),
        cmocka_unit_test(hostile_gguf_refused),
        cmocka_unit_test(engine_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
