/* Speculative decoding in the estimator: a draft model in llama-server's
 * process (its own estimate added per GPU, with the target's context), on
 * one GPU or split alike; the model's own MTP (nextn) blocks, skipped and
 * uncached unless --spec-type draft-mtp loads them with their own context;
 * vLLM's draft model and MTP layers in its KV budget; infrac-engine refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "estimate/estimate.h"
#include "ggml_types.h"
#include "gguf_write.h"

#define EMBD 256
#define FF 512

/* A llama-style header of n_layer blocks, the last n_nextn of them MTP
 * blocks (qwen35: a full-attention block every 2nd trunk layer, the rest
 * recurrent, when recurrent is set), with Q4_0 matrices of known size. */
static void load_model(const char *arch, uint32_t n_layer, uint32_t n_nextn, bool recurrent, model_shape *shape)
{
    char path[] = "/tmp/estimate-draft-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gguf_writer *w = gguf_writer_new();
    char k[128];
    assert_true(gguf_w_str(w, "general.architecture", arch));
#define KEY(suffix, v)                                        \
    do {                                                      \
        snprintf(k, sizeof k, "%s." suffix, arch);            \
        assert_true(gguf_w_u32(w, k, v));                     \
    } while (0)
    KEY("block_count", n_layer);
    KEY("embedding_length", EMBD);
    KEY("feed_forward_length", FF);
    KEY("attention.head_count", 4);
    KEY("attention.head_count_kv", 2);
    KEY("context_length", 32768);
    if (n_nextn)
        KEY("nextn_predict_layers", n_nextn);
    if (recurrent) {
        KEY("full_attention_interval", 2);
        KEY("ssm.conv_kernel", 4);
        KEY("ssm.state_size", 32);
        KEY("ssm.group_count", 2);
        KEY("ssm.inner_size", 128);
    }
#undef KEY
    uint64_t emb[2] = {EMBD, 1000}, mat[2] = {EMBD, FF};
    assert_true(gguf_w_tensor_info(w, "token_embd.weight", GGML_T_Q4_0, 2, emb));
    assert_true(gguf_w_tensor_info(w, "output.weight", GGML_T_Q4_0, 2, emb));
    for (uint32_t il = 0; il < n_layer; il++) {
        char name[64];
        snprintf(name, sizeof name, "blk.%u.ffn_up.weight", il);
        assert_true(gguf_w_tensor_info(w, name, GGML_T_Q4_0, 2, mat));
        if (il >= n_layer - n_nextn) {
            uint64_t eh[2] = {2 * EMBD, EMBD};
            snprintf(name, sizeof name, "blk.%u.nextn.eh_proj.weight", il);
            assert_true(gguf_w_tensor_info(w, name, GGML_T_Q4_0, 2, eh));
        }
    }
    char err[256];
    assert_int_equal(gguf_writer_write(w, path, true, err, sizeof err), 0);
    gguf_writer_free(w);
    assert_int_equal(model_shape_load(path, shape, err, sizeof err), 0);
    unlink(path);
}

static const uint64_t MAT_BYTES = (uint64_t)EMBD * FF / 32 * 18;  /* one Q4_0 ffn_up */
static const uint64_t EH_BYTES = 2ull * EMBD * EMBD / 32 * 18;     /* one Q4_0 eh_proj */

static void request(estimate_request *req, engine_kind e, uint32_t ctx, uint32_t n_gpus)
{
    estimate_request_defaults(req, e);
    req->context = ctx;
    req->n_gpus = n_gpus;
    for (uint32_t g = 0; g < n_gpus; g++)
        req->gpu_total_bytes[g] = 24ull * GIB;
}

static void run(const model_shape *m, const estimate_request *req, estimate_result *out)
{
    char err[256] = "";
    int rc = estimate_memory(m, req, out, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "estimate: %s\n", err);
    assert_int_equal(rc, 0);
}

/* The MTP block is in block_count but llama.cpp's target context neither
 * loads its tensors nor caches it; draft-mtp loads both and adds a context
 * whose cache holds that block alone, at the draft cache type. */
static void nextn_skipped_unless_mtp_arch(const char *arch)
{
    model_shape with, without;
    load_model(arch, 5, 1, false, &with);
    load_model(arch, 4, 0, false, &without);
    assert_int_equal(with.n_nextn, 1);
    estimate_request req;
    request(&req, ENGINE_LLAMACPP, 8192, 1);
    estimate_result a, b, c;
    run(&with, &req, &a);
    run(&without, &req, &b);
    assert_int_equal(a.gpu[0].weights, b.gpu[0].weights);
    assert_int_equal(a.gpu[0].kv_cache, b.gpu[0].kv_cache);
    assert_int_equal(a.kv_bytes_per_token, b.kv_bytes_per_token);

    req.mtp = true;
    req.draft_cache = req.draft_cache_v = GGML_T_Q8_0;
    run(&with, &req, &c);
    assert_int_equal(c.gpu[0].weights - a.gpu[0].weights, MAT_BYTES + EH_BYTES);
    /* one block of 2 KV heads x 64, 8192 cells, K + V in q8_0 (34 bytes a 32) */
    uint64_t row = 2 * 64 / 32 * 34;
    assert_int_equal(c.gpu[0].kv_cache - a.gpu[0].kv_cache, 8192ull * row * 2);
    assert_true(c.gpu[0].compute > a.gpu[0].compute);
    model_shape_free(&with);
    model_shape_free(&without);
}

/* glm4moe (GLM-4.5/4.6/4.7 carry one nextn block) and a plain qwen3 alike:
 * the rule is llama.cpp's for every architecture (n_layer() = block_count
 * - nextn_predict_layers). */
static void nextn_skipped_unless_mtp(void **state)
{
    (void)state;
    nextn_skipped_unless_mtp_arch("qwen3");
    nextn_skipped_unless_mtp_arch("glm4moe");
}

/* qwen35's MTP block is a full-attention block, never a recurrent one. */
static void qwen35_mtp_block_attends(void **state)
{
    (void)state;
    model_shape m;
    load_model("qwen35", 5, 1, true, &m);
    /* trunk: layers 1 and 3 attend, 0 and 2 are recurrent; 4 is the MTP block */
    assert_true(m.layer_flags[0] & EST_LAYER_RECURRENT);
    assert_false(m.layer_flags[3] & EST_LAYER_RECURRENT);
    assert_false(m.layer_flags[4] & EST_LAYER_RECURRENT);
    assert_true(m.layer_flags[4] & EST_LAYER_NEXTN);
    estimate_request req;
    request(&req, ENGINE_LLAMACPP, 8192, 1);
    estimate_result a, b;
    run(&m, &req, &a);
    req.mtp = true;
    run(&m, &req, &b);
    assert_int_equal(b.gpu[0].kv_cache - a.gpu[0].kv_cache, 8192ull * 2 * 64 * 2 * 2);
    /* rolling back a rejected draft: n_max more rows of recurrent state per
     * slot on each of the 2 recurrent layers (llama-memory-recurrent.cpp) */
    estimate_result c;
    req.rs_rollback = 3;
    req.parallel = 2;
    run(&m, &req, &c);
    req.rs_rollback = 0;
    run(&m, &req, &b);
    uint64_t rs = (3ull * (128 + 2 * 2 * 32) + 32ull * 128) * 4;
    assert_int_equal(c.gpu[0].kv_cache - b.gpu[0].kv_cache, 2ull * 3 * 2 * rs);
    model_shape_free(&m);
}

/* A draft split like the model adds exactly its own estimate at the
 * target's context; on one GPU it all lands there; the runtime overhead
 * and the prompt cache are not counted twice. */
static void llamacpp_draft_added(void **state)
{
    (void)state;
    model_shape target, draft;
    load_model("qwen3", 8, 0, false, &target);
    load_model("qwen3", 2, 0, false, &draft);
    estimate_request req;
    request(&req, ENGINE_LLAMACPP, 16384, 2);
    estimate_result t, d, both, one;
    run(&target, &req, &t);
    estimate_request dreq = req;
    dreq.cache_k = dreq.cache_v = GGML_T_Q8_0;
    dreq.cache_ram_bytes = 0;
    run(&draft, &dreq, &d);

    req.draft = &draft;
    req.draft_cache = req.draft_cache_v = GGML_T_Q8_0;
    run(&target, &req, &both);
    for (uint32_t g = 0; g < 2; g++) {
        assert_int_equal(both.gpu[g].weights, t.gpu[g].weights + d.gpu[g].weights);
        assert_int_equal(both.gpu[g].kv_cache, t.gpu[g].kv_cache + d.gpu[g].kv_cache);
        assert_int_equal(both.gpu[g].overhead, t.gpu[g].overhead);
        assert_int_equal(both.gpu[g].total,
                         t.gpu[g].total + d.gpu[g].weights + d.gpu[g].kv_cache + d.gpu[g].compute);
    }
    assert_int_equal(both.host.other, t.host.other);

    req.draft_gpu = 1;
    run(&target, &req, &one);
    assert_int_equal(one.gpu[0].total, t.gpu[0].total);
    assert_true(one.gpu[1].weights == t.gpu[1].weights + draft.weights_bytes - draft.tensors[0].bytes);

    req.draft_gpu = 2; /* not one of the request's GPUs */
    char err[256];
    assert_int_equal(estimate_memory(&target, &req, &one, err, sizeof err), -1);
    assert_non_null(strstr(err, "draft GPU"));

    /* the draft gets the target's context even when the request leaves it to the model */
    req.draft_gpu = -1;
    req.context = 0;
    run(&target, &req, &both);
    estimate_request tctx = req;
    tctx.draft = NULL;
    run(&target, &tctx, &t);
    dreq.context = 32768;
    run(&draft, &dreq, &d);
    assert_int_equal(both.gpu[0].kv_cache, t.gpu[0].kv_cache + d.gpu[0].kv_cache);
    model_shape_free(&target);
    model_shape_free(&draft);
}

/* vLLM: the draft's weights leave less KV budget, and its layers' KV per
 * token adds to the target's (one block pool); MTP layers likewise. */
static void vllm_draft_and_mtp_in_budget(void **state)
{
    (void)state;
    model_shape target, draft;
    load_model("qwen3", 9, 1, false, &target);
    load_model("qwen3", 2, 0, false, &draft);
    estimate_request req;
    request(&req, ENGINE_VLLM, 8192, 1);
    estimate_result base, d, mtp;
    run(&target, &req, &base);
    /* 8 trunk layers x 2 heads x (64 + 64) x 2 bytes: the MTP block is not cached */
    assert_int_equal(base.kv_bytes_per_token, 8ull * 2 * 128 * 2);
    assert_int_equal(base.gpu[0].weights, target.weights_bytes - MAT_BYTES - EH_BYTES);

    req.draft = &draft;
    run(&target, &req, &d);
    assert_int_equal(d.kv_bytes_per_token, base.kv_bytes_per_token + 2ull * 2 * 128 * 2);
    assert_int_equal(d.gpu[0].weights, base.gpu[0].weights + draft.weights_bytes);
    assert_int_equal(d.vllm_kv_budget[0], base.vllm_kv_budget[0] - draft.weights_bytes);
    assert_true(d.kv_cells < base.kv_cells);

    req.draft = NULL;
    req.mtp = true;
    run(&target, &req, &mtp);
    assert_int_equal(mtp.kv_bytes_per_token, base.kv_bytes_per_token + 2ull * 128 * 2);
    assert_int_equal(mtp.gpu[0].weights, target.weights_bytes);
    model_shape_free(&target);
    model_shape_free(&draft);
}

static void infrac_refuses_drafts(void **state)
{
    (void)state;
    model_shape m;
    load_model("qwen3", 4, 0, false, &m);
    estimate_request req;
    request(&req, ENGINE_INFRAC, 4096, 0);
    req.draft = &m;
    estimate_result out;
    char err[256];
    assert_int_equal(estimate_memory(&m, &req, &out, err, sizeof err), -1);
    model_shape other;
    load_model("qwen3", 2, 0, false, &other);
    req.draft = &other;
    assert_int_equal(estimate_memory(&m, &req, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "speculative"));
    model_shape_free(&m);
    model_shape_free(&other);
}

/* nextn_predict_layers as large as block_count: refused by name. */
static void nextn_hostile(void **state)
{
    (void)state;
    char path[] = "/tmp/estimate-draft-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gguf_writer *w = gguf_writer_new();
    assert_true(gguf_w_str(w, "general.architecture", "glm4moe"));
    assert_true(gguf_w_u32(w, "glm4moe.block_count", 2));
    assert_true(gguf_w_u32(w, "glm4moe.embedding_length", 256));
    assert_true(gguf_w_u32(w, "glm4moe.attention.head_count", 4));
    assert_true(gguf_w_u32(w, "glm4moe.nextn_predict_layers", 7));
    char err[256];
    assert_int_equal(gguf_writer_write(w, path, true, err, sizeof err), 0);
    gguf_writer_free(w);
    model_shape m;
    assert_int_equal(model_shape_load(path, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "nextn_predict_layers"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nextn_skipped_unless_mtp),
        cmocka_unit_test(qwen35_mtp_block_attends),
        cmocka_unit_test(llamacpp_draft_added),
        cmocka_unit_test(vllm_draft_and_mtp_in_budget),
        cmocka_unit_test(infrac_refuses_drafts),
        cmocka_unit_test(nextn_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
