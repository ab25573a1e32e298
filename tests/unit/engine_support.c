/* Test models for the engine's unit tests: made by infrac-mkmodel, read
 * into memory so tests can patch weights and headers. */
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

#include "engine_support.h"
#include "model.h"

char engine_tmpdir[64];

int engine_tests_setup(void **state)
{
    (void)state;
    snprintf(engine_tmpdir, sizeof engine_tmpdir, "/tmp/engine-test-XXXXXX");
    return mkdtemp(engine_tmpdir) ? 0 : -1;
}

int engine_tests_teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", engine_tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Makes a model with infrac-mkmodel and reads it into memory. */
void make_model(loaded *L, const char *name, const char *args)
{
    const char *mk = getenv("INFRAC_MKMODEL");
    char cmd[1024], path[256];
    snprintf(path, sizeof path, "%s/%s.gguf", engine_tmpdir, name);
    snprintf(cmd, sizeof cmd, "%s -o %s %s", mk ? mk : "build/release/infrac-mkmodel", path, args);
    if (system(cmd) != 0)
        fail_msg("infrac-mkmodel failed: %s", cmd);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    L->size = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    L->buf = malloc(L->size);
    assert_int_equal(fread(L->buf, 1, L->size, fp), L->size);
    fclose(fp);
    char err[256];
    if (gguf_parse(&L->f, L->buf, L->size, err, sizeof err) != 0)
        fail_msg("%s", err);
}

ie_model *model_of(loaded *L, char *err, size_t n)
{
    gguf_file copy = L->f; /* the model takes its gguf_file; keep ours to patch by */
    copy.kv = NULL;
    copy.tensors = NULL;
    char e[256];
    if (gguf_parse(&copy, L->buf, L->size, e, sizeof e) != 0) {
        snprintf(err, n, "%s", e);
        return NULL;
    }
    ie_model *m = ie_model_from_gguf(&copy, err, n);
    if (!m)
        gguf_close(&copy);
    return m;
}

void unload(loaded *L)
{
    gguf_close(&L->f);
    free(L->buf);
}

uint8_t *tensor_bytes(loaded *L, const char *name)
{
    const gguf_tensor *t = gguf_find_tensor(&L->f, name);
    assert_non_null(t);
    return (uint8_t *)gguf_tensor_data(&L->f, t);
}

ie_context *context(ie_model *m, uint32_t ck, uint32_t cv, uint32_t batch)
{
    ie_context_params p;
    ie_context_params_default(&p);
    p.n_ctx = 64;
    p.n_threads = 2;
    p.n_batch = batch;
    p.cache_k = ck;
    p.cache_v = cv;
    char err[256];
    ie_context *c = ie_context_new(m, &p, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    return c;
}

/* Logits after a prompt, in one batch or token by token. */
float *run_tokens(ie_model *m, uint32_t ck, uint32_t cv, bool one_by_one, const int32_t *toks, uint32_t np)
{
    ie_context *c = context(m, ck, cv, one_by_one ? 1 : 64);
    char err[256];
    if (one_by_one) {
        for (uint32_t i = 0; i < np; i++)
            assert_int_equal(ie_decode(c, 0, &toks[i], 1, i, err, sizeof err), 0);
    } else {
        assert_int_equal(ie_decode(c, 0, toks, np, 0, err, sizeof err), 0);
    }
    assert_int_equal(ie_slot_n_past(c, 0), np);
    uint32_t nv = ie_model_n_vocab(m);
    float *out = malloc(nv * sizeof(float));
    memcpy(out, ie_logits(c, 0), nv * sizeof(float));
    ie_context_free(c);
    return out;
}

double max_diff(const float *a, const float *b, uint32_t n)
{
    double d = 0;
    for (uint32_t i = 0; i < n; i++)
        d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

/* Writes a 32-bit value into the file bytes of a tensor's header. */
uint8_t *tensor_header(loaded *L, const char *name)
{
    const gguf_tensor *t = gguf_find_tensor(&L->f, name);
    assert_non_null(t);
    return (uint8_t *)t->name.ptr + t->name.len; /* u32 n_dims, u64 ne[n_dims], u32 type */
}

void expect_refusal(loaded *L, const char *needle)
{
    char err[512] = "";
    ie_model *m = model_of(L, err, sizeof err);
    if (m) {
        ie_model_free(m);
        fail_msg("a broken model loaded (expected '%s')", needle);
    }
    if (!strstr(err, needle))
        fail_msg("error '%s' does not mention '%s'", err, needle);
}

