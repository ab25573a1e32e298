/* The model catalog embedded from schema/models.yaml: every entry becomes a
 * GGUF header that the estimator reads like a file's, and gives the same
 * estimate as a header written to disk from the same numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "estimate/estimate.h"
#include "ggml_types.h"
#include "gguf_write.h"
#include "model_catalog.h"

static void same_estimate(const model_shape *a, const model_shape *b, uint32_t ctx, uint32_t gpus)
{
    estimate_request req;
    estimate_request_defaults(&req, ENGINE_LLAMACPP);
    req.context = ctx;
    req.n_gpus = gpus;
    estimate_result ra, rb;
    char err[256];
    assert_int_equal(estimate_memory(a, &req, &ra, err, sizeof err), 0);
    assert_int_equal(estimate_memory(b, &req, &rb, err, sizeof err), 0);
    assert_int_equal(ra.host.total, rb.host.total);
    assert_int_equal(ra.kv_bytes_per_token, rb.kv_bytes_per_token);
    for (uint32_t g = 0; g < gpus; g++) {
        assert_int_equal(ra.gpu[g].weights, rb.gpu[g].weights);
        assert_int_equal(ra.gpu[g].kv_cache, rb.gpu[g].kv_cache);
        assert_int_equal(ra.gpu[g].compute, rb.gpu[g].compute);
        assert_int_equal(ra.gpu[g].total, rb.gpu[g].total);
    }
}

static void has_the_releases_people_use(void **state)
{
    (void)state;
    static const char *const ids[] = {
        "qwen3.6-27b", "qwen3.6-35b-a3b", "qwen3-8b", "qwen3-14b", "qwen3-32b", "qwen3-30b-a3b",
        "gemma-4-12b", "gemma-4-26b-a4b", "gemma-3-4b", "gemma-3-12b", "gemma-3-27b", "gpt-oss-20b",
        "gpt-oss-120b", "glm-4.7-flash", "llama-3.1-8b", "llama-3.3-70b", "mistral-small-3.2-24b",
        "nomic-embed-text-v1.5", "bge-m3",
    };
    static const char *const archs[] = {
        "qwen35", "qwen35moe", "qwen3", "qwen3", "qwen3", "qwen3moe", "gemma4", "gemma4", "gemma3", "gemma3",
        "gemma3", "gpt-oss", "gpt-oss", "deepseek2", "llama", "llama", "llama", "nomic-bert", "bert",
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const model_cat_entry *e = model_catalog_find(ids[i]);
        assert_non_null(e);
        assert_string_equal(e->arch, archs[i]);
        assert_true(e->n_sources >= 1);
        assert_non_null(strstr(e->sources[0], "huggingface.co/"));
        assert_true(model_catalog_has_quant(e, "Q4_K_M"));
    }
    assert_null(model_catalog_find("qwen3-9b"));
    assert_null(model_catalog_find(NULL));
    /* a mix that cannot be derived needs its published size */
    assert_false(model_catalog_has_quant(model_catalog_find("qwen3-8b"), "UD-Q4_K_XL"));
    assert_false(model_catalog_has_quant(model_catalog_find("qwen3-8b"), "MXFP4"));
    assert_true(model_catalog_has_quant(model_catalog_find("gpt-oss-20b"), "MXFP4"));
    assert_false(model_catalog_has_quant(model_catalog_find("qwen3-8b"), "Q4_K_L"));
}

/* Each entry and release: the in-memory header, and the same header written
 * to a file and read back by the file path, estimate alike. */
static void every_entry_estimates_as_its_header_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/infrac-catalog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < model_catalog_count(); i++) {
        const model_cat_entry *e = model_catalog_at(i);
        for (size_t q = 0; q < model_catalog_quant_count(); q++) {
            const char *quant = model_catalog_quant_at(q);
            if (!model_catalog_has_quant(e, quant))
                continue;
            char err[512] = "";
            model_shape a, b;
            int rc = model_shape_from_catalog(e->id, quant, 0, &a, err, sizeof err);
            if (rc != 0)
                fail_msg("%s %s: %s", e->id, quant, err);
            assert_string_equal(a.arch, e->arch);
            assert_true(a.n_layer > 0 && a.weights_bytes > 0);
            uint8_t *buf;
            size_t len;
            assert_int_equal(model_catalog_header(e, quant, &buf, &len, err, sizeof err), 0);
            char path[256];
            snprintf(path, sizeof path, "%s/h.gguf", dir);
            FILE *fp = fopen(path, "wb");
            assert_non_null(fp);
            assert_int_equal(fwrite(buf, 1, len, fp), len);
            assert_int_equal(fclose(fp), 0);
            free(buf);
            assert_int_equal(model_shape_load(path, &b, err, sizeof err), 0);
            model_shape_scale_to(&b, model_catalog_published_bytes(e, quant, NULL));
            assert_int_equal(a.weights_bytes, b.weights_bytes);
            same_estimate(&a, &b, 8192, 1);
            same_estimate(&a, &b, 32768, 2);
            unlink(path);
            model_shape_free(&a);
            model_shape_free(&b);
        }
    }
    rmdir(dir);
}

/* Qwen3-8B written by hand from its config.json (Qwen/Qwen3-8B) with the
 * GGUF writer, tensors typed as llama.cpp's quantizer types a Q4_K_M file
 * (src/llama-quant.cpp: token_embd Q4_K, output Q6_K, attn_v and ffn_down
 * Q6_K in the first and last eighth of the layers and every third between):
 * the catalog gives the same estimate, and its weights are the published
 * file size. */
static void qwen3_8b_matches_a_hand_written_header(void **state)
{
    (void)state;
    const uint32_t L = 36, E = 4096, H = 32, KV = 8, HD = 128, FF = 12288, V = 151936;
    gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    gguf_w_str(w, "general.architecture", "qwen3");
    gguf_w_u32(w, "qwen3.context_length", 40960);
    gguf_w_u32(w, "qwen3.embedding_length", E);
    gguf_w_u32(w, "qwen3.block_count", L);
    gguf_w_u32(w, "qwen3.feed_forward_length", FF);
    gguf_w_u32(w, "qwen3.attention.head_count", H);
    gguf_w_u32(w, "qwen3.attention.head_count_kv", KV);
    gguf_w_u32(w, "qwen3.attention.key_length", HD);
    gguf_w_u32(w, "qwen3.attention.value_length", HD);
    gguf_w_f32(w, "qwen3.attention.layer_norm_rms_epsilon", 1e-6f);
    gguf_w_f32(w, "qwen3.rope.freq_base", 1e6f);
    gguf_w_u32(w, "qwen3.vocab_size", V);
    uint64_t emb[2] = {E, V}, norm[1] = {E};
    assert_true(gguf_w_tensor_info(w, "token_embd.weight", GGML_T_Q4_K, 2, emb));
    assert_true(gguf_w_tensor_info(w, "output_norm.weight", GGML_T_F32, 1, norm));
    assert_true(gguf_w_tensor_info(w, "output.weight", GGML_T_Q6_K, 2, emb));
    for (uint32_t l = 0; l < L; l++) {
        bool more = l < L / 8 || l >= 7 * L / 8 || (l - L / 8) % 3 == 2;
        uint32_t strong = more ? GGML_T_Q6_K : GGML_T_Q4_K;
        struct { const char *n; uint32_t t, nd; uint64_t a, b; } ts[] = {
            {"attn_norm.weight", GGML_T_F32, 1, E, 0},      {"attn_q.weight", GGML_T_Q4_K, 2, E, H * HD},
            {"attn_k.weight", GGML_T_Q4_K, 2, E, KV * HD},  {"attn_v.weight", strong, 2, E, KV * HD},
            {"attn_output.weight", GGML_T_Q4_K, 2, H * HD, E}, {"attn_q_norm.weight", GGML_T_F32, 1, HD, 0},
            {"attn_k_norm.weight", GGML_T_F32, 1, HD, 0},   {"ffn_norm.weight", GGML_T_F32, 1, E, 0},
            {"ffn_gate.weight", GGML_T_Q4_K, 2, E, FF},     {"ffn_up.weight", GGML_T_Q4_K, 2, E, FF},
            {"ffn_down.weight", strong, 2, FF, E},
        };
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
            char name[96];
            snprintf(name, sizeof name, "blk.%u.%s", l, ts[i].n);
            uint64_t ne[2] = {ts[i].a, ts[i].b};
            assert_true(gguf_w_tensor_info(w, name, ts[i].t, ts[i].nd, ne));
        }
    }
    char dir[] = "/tmp/infrac-catalog-XXXXXX", path[256], err[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/qwen3-8b.gguf", dir);
    /* a writer of tensor infos only refuses a full write */
    assert_int_equal(gguf_writer_write(w, path, false, err, sizeof err), -1);
    assert_int_equal(gguf_writer_write(w, path, true, err, sizeof err), 0);
    gguf_writer_free(w);
    model_shape hand, cat;
    assert_int_equal(model_shape_load(path, &hand, err, sizeof err), 0);
    unlink(path);
    rmdir(dir);
    const model_cat_entry *e = model_catalog_find("qwen3-8b");
    uint64_t published = model_catalog_published_bytes(e, "Q4_K_M", NULL);
    assert_int_equal(published, 5027783488ull);
    model_shape_scale_to(&hand, published);
    assert_int_equal(model_shape_from_catalog("qwen3-8b", "Q4_K_M", 0, &cat, err, sizeof err), 0);
    assert_int_equal(cat.n_layer, L);
    assert_int_equal(cat.n_head_kv, KV);
    assert_int_equal(cat.n_vocab, V);
    assert_false(cat.tied_output);
    /* scaling rounds each tensor down: at most a byte per tensor */
    assert_true(cat.weights_bytes <= published && cat.weights_bytes + cat.n_tensors >= published);
    same_estimate(&hand, &cat, 32768, 1);
    same_estimate(&hand, &cat, 131072, 2);
    model_shape_free(&hand);
    model_shape_free(&cat);
}

/* Published sizes are the weights; a derived size lands near a published
 * one: Q5_K_M of Qwen3-8B lies between its Q4_K_M (5.03 GB) and Q6_K
 * (6.73 GB) files. */
static void derived_sizes_are_plausible(void **state)
{
    (void)state;
    model_shape s;
    char err[256];
    assert_int_equal(model_shape_from_catalog("qwen3-8b", "Q8_0", 0, &s, err, sizeof err), 0);
    assert_true(s.weights_bytes <= 8710000000ull && s.weights_bytes > 8709990000ull);
    model_shape_free(&s);
    assert_int_equal(model_shape_from_catalog("qwen3-8b", "Q5_K_M", 0, &s, err, sizeof err), 0);
    assert_true(s.weights_bytes > 5027783488ull && s.weights_bytes < 6730000000ull);
    model_shape_free(&s);
    assert_int_equal(model_shape_from_catalog("gpt-oss-20b", "MXFP4", 0, &s, err, sizeof err), 0);
    assert_true(s.weights_bytes <= 12100000000ull && s.weights_bytes > 12000000000ull);
    assert_int_equal(s.n_expert, 32);
    model_shape_free(&s);
    assert_int_equal(model_shape_from_catalog("nope", "Q4_K_M", 0, &s, err, sizeof err), -1);
    assert_non_null(strstr(err, "nope"));
    assert_int_equal(model_shape_from_catalog("qwen3-8b", "UD-Q4_K_XL", 0, &s, err, sizeof err), -1);
}

/* A declared file size (the fleet's file_size:) is the file the hosts
 * hold: the weights add up to it, within a byte a tensor, for a UD mix the
 * catalog cannot derive as for one it can; MXFP4 stays gpt-oss's only. */
static void declared_file_size_scales_the_weights(void **state)
{
    (void)state;
    model_shape s, q4;
    char err[256];
    const uint64_t ud = 5400000000ull;
    assert_int_equal(model_shape_from_catalog("qwen3-8b", "UD-Q4_K_XL", ud, &s, err, sizeof err), 0);
    assert_true(s.weights_bytes <= ud && s.weights_bytes + s.n_tensors >= ud);
    assert_int_equal(model_shape_from_catalog("qwen3-8b", "Q4_K_M", 0, &q4, err, sizeof err), 0);
    assert_int_equal(s.n_tensors, q4.n_tensors);
    /* spread in the base mix's proportions: the output stays the same share */
    for (uint32_t i = 0; i < s.n_tensors; i++) {
        double a = (double)s.tensors[i].bytes / (double)s.weights_bytes;
        double b = (double)q4.tensors[i].bytes / (double)q4.weights_bytes;
        assert_true(a < b * 1.0001 + 1e-9 && a > b * 0.9999 - 1e-9);
    }
    model_shape_free(&s);
    model_shape_free(&q4);
    assert_int_equal(model_shape_from_catalog("qwen3-8b", "Q6_K", 7000000000ull, &s, err, sizeof err), 0);
    assert_true(s.weights_bytes <= 7000000000ull && s.weights_bytes > 6999990000ull);
    model_shape_free(&s);
    assert_int_equal(model_shape_from_catalog("qwen3-8b", "MXFP4", ud, &s, err, sizeof err), -1);
}

/* Where a file size is published, the size derived from the tensor shapes
 * (typed as llama.cpp's quantizer types them) lands within 1.5% of it: the
 * derivation that stands in for the unpublished sizes is not far off. The
 * UD mixes are not derivable and are skipped. */
static void derivation_matches_published_sizes(void **state)
{
    (void)state;
    char dir[] = "/tmp/infrac-catalog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    int compared = 0;
    for (size_t i = 0; i < model_catalog_count(); i++) {
        const model_cat_entry *e = model_catalog_at(i);
        for (size_t q = 0; q < model_catalog_quant_count(); q++) {
            const char *quant = model_catalog_quant_at(q);
            uint64_t published = model_catalog_published_bytes(e, quant, NULL);
            if (!published || strncmp(quant, "UD-", 3) == 0)
                continue;
            char err[512] = "";
            uint8_t *buf;
            size_t len;
            assert_int_equal(model_catalog_header(e, quant, &buf, &len, err, sizeof err), 0);
            char path[256];
            snprintf(path, sizeof path, "%s/h.gguf", dir);
            FILE *fp = fopen(path, "wb");
            assert_non_null(fp);
            assert_int_equal(fwrite(buf, 1, len, fp), len);
            assert_int_equal(fclose(fp), 0);
            free(buf);
            model_shape m;
            assert_int_equal(model_shape_load(path, &m, err, sizeof err), 0);
            double off = ((double)m.weights_bytes - (double)published) / (double)published * 100.0;
            printf("# %-22s %-7s derived %.3f GB, published %.3f GB, %+.2f%%\n", e->id, quant,
                   m.weights_bytes / 1e9, published / 1e9, off);
            if (off > 1.5 || off < -1.5)
                fail_msg("%s %s: derived %llu bytes, published %llu (%+.2f%%)", e->id, quant,
                         (unsigned long long)m.weights_bytes, (unsigned long long)published, off);
            compared++;
            model_shape_free(&m);
            unlink(path);
        }
    }
    rmdir(dir);
    assert_true(compared >= 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(has_the_releases_people_use),
        cmocka_unit_test(every_entry_estimates_as_its_header_file),
        cmocka_unit_test(qwen3_8b_matches_a_hand_written_header),
        cmocka_unit_test(derived_sizes_are_plausible),
        cmocka_unit_test(declared_file_size_scales_the_weights),
        cmocka_unit_test(derivation_matches_published_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
