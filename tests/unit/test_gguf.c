/* The shared GGUF reader: real header-only files, a written round trip, and
 * every truncation of a valid file refused cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ggml_types.h"
#include "gguf.h"
#include "gguf_write.h"
#include "test_data.h"


static void reads_reference_header(void **state)
{
    (void)state;
    char path[512], err[512];
    gguf_file f;
    test_data_path("reference/qwen3-8b.gguf", path, sizeof path);
    assert_int_equal(gguf_open(&f, path, err, sizeof err), 0);
    gguf_str arch;
    assert_true(gguf_get_str(&f, "general.architecture", &arch));
    assert_true(gguf_str_eq(arch, "qwen3"));
    uint64_t layers = 0;
    assert_true(gguf_get_arch_u64(&f, "qwen3", "block_count", &layers));
    assert_int_equal(layers, 36);
    assert_int_equal(f.n_tensors, 399);
    assert_false(f.has_data);
    const gguf_tensor *t = gguf_find_tensor(&f, "blk.0.ffn_down.weight");
    assert_non_null(t);
    assert_int_equal(t->ne[0], 12288);
    assert_int_equal(t->ne[1], 4096);
    assert_int_equal(t->type, GGML_T_Q4_0);
    assert_int_equal(t->nbytes, 12288ull * 4096 / 32 * 18);
    assert_null(gguf_tensor_data(&f, t));
    const gguf_kv *toks = gguf_get_array(&f, "tokenizer.ggml.tokens");
    assert_non_null(toks);
    assert_int_equal(toks->count, 151936);
    gguf_str *v = gguf_array_strings(toks);
    assert_non_null(v);
    free(v);
    gguf_close(&f);
}

static void write_sample(const char *path)
{
    gguf_writer *w = gguf_writer_new();
    assert_true(gguf_w_str(w, "general.architecture", "llama"));
    assert_true(gguf_w_u32(w, "llama.block_count", 2));
    assert_true(gguf_w_f32(w, "llama.rope.freq_base", 10000.0f));
    const char *toks[] = {"<unk>", "a", "bc"};
    assert_true(gguf_w_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, 3));
    float scores[] = {0, -1, -2};
    assert_true(gguf_w_arr_f32(w, "tokenizer.ggml.scores", scores, 3));
    float data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (float)i;
    uint64_t ne[2] = {32, 2};
    assert_true(gguf_w_tensor(w, "a.weight", GGML_T_F32, 2, ne, data));
    assert_true(gguf_w_tensor(w, "b.weight", GGML_T_F32, 1, ne, data));
    char err[256];
    assert_int_equal(gguf_writer_write(w, path, false, err, sizeof err), 0);
    gguf_writer_free(w);
}

static void round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/infrac-test-gguf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_sample(path);
    gguf_file f;
    char err[256];
    assert_int_equal(gguf_open(&f, path, err, sizeof err), 0);
    assert_true(f.has_data);
    double base;
    assert_true(gguf_get_arch_f64(&f, "llama", "rope.freq_base", &base));
    assert_true(base == 10000.0);
    const gguf_kv *sc = gguf_get_array(&f, "tokenizer.ggml.scores");
    double s2;
    assert_true(gguf_array_f64(sc, 2, &s2));
    assert_true(s2 == -2.0);
    assert_false(gguf_array_f64(sc, 3, &s2));
    const gguf_tensor *t = gguf_find_tensor(&f, "a.weight");
    const float *d = gguf_tensor_data(&f, t);
    assert_non_null(d);
    assert_true(d[63] == 63.0f);
    gguf_close(&f);
    unlink(path);
}

/* Every prefix of a valid file either parses (header-only) or is refused
 * with a message; ASan catches any over-read. */
static void truncations_refused(void **state)
{
    (void)state;
    char path[] = "/tmp/infrac-test-gguf-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    write_sample(path);
    FILE *fp = fopen(path, "rb");
    static uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    unlink(path);
    size_t header_end = 0;
    for (size_t len = 0; len < n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, buf, len);
        gguf_file f;
        char err[256] = "";
        int rc = gguf_parse(&f, copy, len, err, sizeof err);
        if (rc == 0) {
            if (!header_end)
                header_end = len;
            assert_false(f.has_data);
            gguf_close(&f);
        } else {
            assert_true(strlen(err) > 0);
        }
        free(copy);
    }
    assert_true(header_end > 0);
}

static void hostile_counts_refused(void **state)
{
    (void)state;
    uint8_t b[24] = {'G', 'G', 'U', 'F', 3, 0, 0, 0};
    memset(b + 8, 0xff, 16); /* 2^64-1 tensors and metadata entries */
    gguf_file f;
    char err[256];
    assert_int_equal(gguf_parse(&f, b, sizeof b, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than"));
    uint8_t v1[24] = {'G', 'G', 'U', 'F', 1, 0, 0, 0};
    assert_int_equal(gguf_parse(&f, v1, sizeof v1, err, sizeof err), -1);
    assert_non_null(strstr(err, "version 1"));
    assert_int_equal(gguf_parse(&f, "GGML", 4, err, sizeof err), -1);
}

/* The GGUF spec (ggml docs/gguf.md) says general.alignment "must be a
 * multiple of 8" and ggml's reader wants a power of two: 1, 2 and 4 are
 * refused (1 made quant.c read misaligned blocks), 32 is read. */
static void small_alignment_refused(void **state)
{
    (void)state;
    const uint32_t aligns[] = {1, 2, 4, 32};
    for (size_t i = 0; i < sizeof aligns / sizeof *aligns; i++) {
        char path[] = "/tmp/infrac-test-gguf-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        gguf_writer *w = gguf_writer_new();
        assert_true(gguf_w_str(w, "general.architecture", "llama"));
        assert_true(gguf_w_u32(w, "general.alignment", aligns[i]));
        float data[32] = {0};
        uint64_t ne[1] = {32};
        assert_true(gguf_w_tensor(w, "a.weight", GGML_T_F32, 1, ne, data));
        char err[256] = "";
        assert_int_equal(gguf_writer_write(w, path, false, err, sizeof err), 0);
        gguf_writer_free(w);
        gguf_file f;
        int rc = gguf_open(&f, path, err, sizeof err);
        unlink(path);
        if (aligns[i] >= 8) {
            assert_int_equal(rc, 0);
            gguf_close(&f);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err, "power of two of at least 8"));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_reference_header),
        cmocka_unit_test(round_trip),
        cmocka_unit_test(truncations_refused),
        cmocka_unit_test(hostile_counts_refused),
        cmocka_unit_test(small_alignment_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
