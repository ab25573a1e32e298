/* Per-layer memory of the 2026 architectures from synthetic GGUF headers:
 * gemma4's two KV geometries and boolean sliding pattern, qwen35's
 * recurrent layers, deepseek2's MLA cache, gpt-oss's alternating window,
 * and hostile headers (arrays of the wrong length or type, absurd sizes). */
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

#define NL 6

typedef void (*add_keys_fn)(gguf_writer *w);

/* A header of NL layers (embd 256, 4 heads, 2 KV heads) plus add's keys;
 * returns model_shape_load's rc, err holds its message. */
static int load_with(const char *arch, add_keys_fn add, model_shape *shape, char *err, size_t errlen)
{
    char path[] = "/tmp/estimate-arch-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    gguf_writer *w = gguf_writer_new();
    char k[128];
    assert_true(gguf_w_str(w, "general.architecture", arch));
    snprintf(k, sizeof k, "%s.block_count", arch);
    assert_true(gguf_w_u32(w, k, NL));
    snprintf(k, sizeof k, "%s.embedding_length", arch);
    assert_true(gguf_w_u32(w, k, 256));
    snprintf(k, sizeof k, "%s.attention.head_count", arch);
    assert_true(gguf_w_u32(w, k, 4));
    snprintf(k, sizeof k, "%s.context_length", arch);
    assert_true(gguf_w_u32(w, k, 8192));
    add(w);
    uint64_t ne[2] = {256, 1000};
    assert_true(gguf_w_tensor(w, "token_embd.weight", GGML_T_Q4_0, 2, ne, NULL));
    assert_int_equal(gguf_writer_write(w, path, true, err, errlen), 0);
    gguf_writer_free(w);
    int rc = model_shape_load(path, shape, err, errlen);
    unlink(path);
    return rc;
}

static void estimate(const model_shape *m, uint32_t ctx, uint32_t np, estimate_result *res)
{
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = ctx;
    req.parallel = np;
    char err[256];
    assert_int_equal(estimate_memory(m, &req, res, err, sizeof err), 0);
}

static void gemma4_keys(gguf_writer *w)
{
    int32_t heads[NL] = {2, 2, 1, 2, 2, 1};
    bool swa[NL] = {true, true, false, true, true, false};
    assert_true(gguf_w_arr_i32(w, "gemma4.attention.head_count_kv", heads, NL));
    assert_true(gguf_w_arr_bool(w, "gemma4.attention.sliding_window_pattern", swa, NL));
    assert_true(gguf_w_u32(w, "gemma4.attention.sliding_window", 512));
    assert_true(gguf_w_u32(w, "gemma4.attention.key_length", 128));
    assert_true(gguf_w_u32(w, "gemma4.attention.value_length", 128));
    assert_true(gguf_w_u32(w, "gemma4.attention.key_length_swa", 64));
    assert_true(gguf_w_u32(w, "gemma4.attention.value_length_swa", 64));
}

static void gemma4_two_geometries(void **state)
{
    (void)state;
    model_shape m;
    char err[256];
    assert_int_equal(load_with("gemma4", gemma4_keys, &m, err, sizeof err), 0);
    assert_true(m.arch_known);
    estimate_result res;
    estimate(&m, 8192, 1, &res);
    /* global: 2 layers x 1 head x 128, 8192 cells; sliding: 4 x 2 x 64 at
     * pad(512 + 512) = 1024 cells; K + V, f16 */
    uint64_t want = 2ull * 8192 * 128 * 2 * 2 + 4ull * 1024 * 128 * 2 * 2;
    assert_int_equal(res.gpu[0].kv_cache, want);
    assert_int_equal(res.kv_bytes_per_token, (2ull * 128 + 4ull * 128) * 2 * 2);
    model_shape_free(&m);
}

static void qwen35_keys(gguf_writer *w)
{
    assert_true(gguf_w_u32(w, "qwen35.attention.head_count_kv", 2));
    assert_true(gguf_w_u32(w, "qwen35.attention.key_length", 64));
    assert_true(gguf_w_u32(w, "qwen35.attention.value_length", 64));
    assert_true(gguf_w_u32(w, "qwen35.full_attention_interval", 3));
    assert_true(gguf_w_u32(w, "qwen35.ssm.conv_kernel", 4));
    assert_true(gguf_w_u32(w, "qwen35.ssm.state_size", 32));
    assert_true(gguf_w_u32(w, "qwen35.ssm.group_count", 2));
    assert_true(gguf_w_u32(w, "qwen35.ssm.inner_size", 128));
}

static void qwen35_recurrent_state_per_slot(void **state)
{
    (void)state;
    model_shape m;
    char err[256];
    assert_int_equal(load_with("qwen35", qwen35_keys, &m, err, sizeof err), 0);
    /* layers 2 and 5 attend; 0, 1, 3, 4 are recurrent */
    uint64_t rs = (3ull * (128 + 2 * 2 * 32) + 32ull * 128) * 4;
    uint64_t kv_cells = 2 * (2ull * 64 * 2 * 2); /* bytes per cell: 2 layers x 2 heads x 64, K + V, f16 */
    estimate_result a, b, c;
    estimate(&m, 8192, 1, &a);
    estimate(&m, 16384, 1, &b);
    estimate(&m, 8192, 4, &c);
    assert_int_equal(a.gpu[0].kv_cache, 8192 * kv_cells + 4 * rs);
    assert_int_equal(b.gpu[0].kv_cache - a.gpu[0].kv_cache, 8192 * kv_cells); /* state independent of context */
    assert_int_equal(c.gpu[0].kv_cache - a.gpu[0].kv_cache, 3 * 4 * rs);   /* one state per slot */
    assert_int_equal(a.kv_bytes_per_token, kv_cells);
    model_shape_free(&m);
}

static void deepseek2_keys(gguf_writer *w)
{
    assert_true(gguf_w_u32(w, "deepseek2.attention.head_count_kv", 4));
    assert_true(gguf_w_u32(w, "deepseek2.attention.key_length", 192));
    assert_true(gguf_w_u32(w, "deepseek2.attention.value_length", 128));
    assert_true(gguf_w_u32(w, "deepseek2.attention.kv_lora_rank", 512));
    assert_true(gguf_w_u32(w, "deepseek2.rope.dimension_count", 64));
}

static void deepseek2_caches_latent_only(void **state)
{
    (void)state;
    model_shape m;
    char err[256];
    assert_int_equal(load_with("deepseek2", deepseek2_keys, &m, err, sizeof err), 0);
    estimate_result res;
    estimate(&m, 4096, 1, &res);
    assert_int_equal(res.kv_bytes_per_token, NL * 576ull * 2);
    assert_int_equal(res.gpu[0].kv_cache, NL * 576ull * 2 * 4096);
    model_shape_free(&m);
}

static void gptoss_keys(gguf_writer *w)
{
    assert_true(gguf_w_u32(w, "gpt-oss.attention.head_count_kv", 2));
    assert_true(gguf_w_u32(w, "gpt-oss.attention.sliding_window", 128));
}

static void gptoss_alternates_window(void **state)
{
    (void)state;
    model_shape m;
    char err[256];
    assert_int_equal(load_with("gpt-oss", gptoss_keys, &m, err, sizeof err), 0);
    estimate_result res;
    estimate(&m, 8192, 1, &res);
    /* 3 sliding layers at pad(128 + 512) = 768 cells, 3 global at 8192; 2 x 64 per row */
    uint64_t row = 2ull * 64 * 2 * 2;
    assert_int_equal(res.gpu[0].kv_cache, 3 * 768 * row + 3 * 8192 * row);
    model_shape_free(&m);
}

static void wrong_length_keys(gguf_writer *w)
{
    int32_t heads[NL - 1] = {2, 2, 2, 2, 2};
    assert_true(gguf_w_arr_i32(w, "gemma4.attention.head_count_kv", heads, NL - 1));
}

static void string_pattern_keys(gguf_writer *w)
{
    const char *v[NL] = {"a", "b", "c", "d", "e", "f"};
    size_t lens[NL] = {1, 1, 1, 1, 1, 1};
    assert_true(gguf_w_u32(w, "gemma4.attention.sliding_window", 512));
    assert_true(gguf_w_arr_str(w, "gemma4.attention.sliding_window_pattern", v, lens, NL));
}

static void negative_heads_keys(gguf_writer *w)
{
    int32_t heads[NL] = {2, 2, -1, 2, 2, 2};
    assert_true(gguf_w_arr_i32(w, "gemma4.attention.head_count_kv", heads, NL));
}

static void absurd_state_keys(gguf_writer *w)
{
    assert_true(gguf_w_u32(w, "qwen35.ssm.conv_kernel", 4));
    assert_true(gguf_w_u32(w, "qwen35.ssm.state_size", 4000000000u));
    assert_true(gguf_w_u32(w, "qwen35.ssm.inner_size", 128));
}

static void hostile_headers_refused(void **state)
{
    (void)state;
    model_shape m;
    char err[256];
    assert_int_equal(load_with("gemma4", wrong_length_keys, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "head_count_kv is an array of 5 values, the model has 6 layers"));
    assert_int_equal(load_with("gemma4", string_pattern_keys, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "sliding_window_pattern is an array of 6 strings"));
    assert_int_equal(load_with("gemma4", negative_heads_keys, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "head_count_kv[2] is not a head count"));
    assert_int_equal(load_with("qwen35", absurd_state_keys, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
}

static void vllm_budgets_sliding_and_recurrent_layers(void **state)
{
    (void)state;
    model_shape g, q;
    char err[256];
    assert_int_equal(load_with("gemma4", gemma4_keys, &g, err, sizeof err), 0);
    assert_int_equal(load_with("qwen35", qwen35_keys, &q, err, sizeof err), 0);
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_VLLM);
    req.context = 122880;
    req.batch = 2048;
    estimate_result res;
    assert_int_equal(estimate_memory(&g, &req, &res, err, sizeof err), 0);
    /* global: 2 layers x 128 (K) + 128 (V), bf16; sliding: 4 layers x 2 x 64 x 2
     * for 512 - 1 + 2048 + 16 tokens */
    uint64_t full = 2ull * 256 * 2, swa = 4ull * 256 * 2;
    assert_int_equal(res.kv_bytes_per_token, full);
    assert_int_equal(res.kv_one_sequence, 122880 * full + (512 - 1 + 2048 + 16) * swa);
    assert_int_equal(estimate_memory(&q, &req, &res, err, sizeof err), 0);
    uint64_t rs = (3ull * (128 + 2 * 2 * 32) + 32ull * 128) * 4;
    assert_int_equal(res.kv_bytes_per_token, 2ull * 256 * 2); /* 2 layers x 2 heads x 64, K + V */
    assert_int_equal(res.kv_one_sequence, 122880ull * 2 * 256 * 2 + 4 * rs);
    assert_int_equal(res.kv_fixed_bytes, 4 * rs);
    model_shape_free(&g);
    model_shape_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemma4_two_geometries),
        cmocka_unit_test(qwen35_recurrent_state_per_slot),
        cmocka_unit_test(deepseek2_caches_latent_only),
        cmocka_unit_test(gptoss_alternates_window),
        cmocka_unit_test(hostile_headers_refused),
        cmocka_unit_test(vllm_budgets_sliding_and_recurrent_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
