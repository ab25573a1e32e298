/* Block formats: each dequantizer against a bit-by-bit reference decoder
 * written from the ggml/src/ggml-common.h layouts (llama.cpp), quantize->dequantize
 * error bounds, half conversions and the KV cache types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ggml_types.h"
#include "quant.h"

static uint64_t rng = 12345;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float next_f(void)
{
    return (float)next_u32() / 4294967296.0f * 2.0f - 1.0f;
}
static void random_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)next_u32();
}
/* A finite, modest f16 scale. */
static uint16_t random_scale(void)
{
    return ie_f32_to_f16(0.001f + 0.05f * (float)(next_u32() % 1000) / 1000.0f);
}

/* Reference decoders: read the raw bytes per the documented layouts. */
static float ref_q4_0(const uint8_t *blk, int j)
{
    uint16_t d;
    memcpy(&d, blk, 2);
    uint8_t byte = blk[2 + (j % 16)];
    int q = j < 16 ? (byte & 15) : (byte >> 4);
    return (float)(q - 8) * ie_f16_to_f32(d);
}

static float ref_q8_0(const uint8_t *blk, int j)
{
    uint16_t d;
    memcpy(&d, blk, 2);
    return (float)(int8_t)blk[2 + j] * ie_f16_to_f32(d);
}

static void ref_k4_scale(const uint8_t *s, int j, int *sc, int *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

static float ref_q4_k(const uint8_t *blk, int j)
{
    uint16_t d, dmin;
    memcpy(&d, blk, 2);
    memcpy(&dmin, blk + 2, 2);
    const uint8_t *scales = blk + 4, *qs = blk + 16;
    int chunk = j / 64, within = j % 64, sub = chunk * 2 + within / 32, sc, m;
    ref_k4_scale(scales, sub, &sc, &m);
    uint8_t byte = qs[chunk * 32 + within % 32];
    int q = within < 32 ? (byte & 15) : (byte >> 4);
    return ie_f16_to_f32(d) * (float)sc * (float)q - ie_f16_to_f32(dmin) * (float)m;
}

static float ref_q5_k(const uint8_t *blk, int j)
{
    uint16_t d, dmin;
    memcpy(&d, blk, 2);
    memcpy(&dmin, blk + 2, 2);
    const uint8_t *scales = blk + 4, *qh = blk + 16, *qs = blk + 48;
    int chunk = j / 64, within = j % 64, sub = chunk * 2 + within / 32, sc, m;
    ref_k4_scale(scales, sub, &sc, &m);
    uint8_t byte = qs[chunk * 32 + within % 32];
    int q = within < 32 ? (byte & 15) : (byte >> 4);
    q += ((qh[within % 32] >> sub) & 1) << 4;
    return ie_f16_to_f32(d) * (float)sc * (float)q - ie_f16_to_f32(dmin) * (float)m;
}

static float ref_q6_k(const uint8_t *blk, int j)
{
    const uint8_t *ql = blk, *qh = blk + 128;
    const int8_t *sc = (const int8_t *)(blk + 192);
    uint16_t d;
    memcpy(&d, blk + 208, 2);
    int half = j / 128, r = j % 128, quarter = r / 32, l = r % 32;
    const uint8_t *L = ql + 64 * half, *H = qh + 32 * half;
    int lo = quarter == 0 ? L[l] & 15 : quarter == 1 ? L[l + 32] & 15 : quarter == 2 ? L[l] >> 4 : L[l + 32] >> 4;
    int hi = (H[l] >> (2 * quarter)) & 3;
    int q = (lo | (hi << 4)) - 32;
    return ie_f16_to_f32(d) * (float)sc[8 * half + r / 16] * (float)q;
}

typedef float (*ref_fn)(const uint8_t *, int);

static void check_against_ref(uint32_t type, ref_fn ref, size_t scale_off, size_t scale2_off)
{
    const ggml_type_info *ti = ggml_type_get(type);
    size_t nblocks = 8, n = nblocks * ti->block_elems;
    uint8_t *raw = malloc(nblocks * ti->block_bytes);
    float *out = malloc(n * sizeof(float));
    random_bytes(raw, nblocks * ti->block_bytes);
    for (size_t b = 0; b < nblocks; b++) {
        uint16_t s = random_scale();
        memcpy(raw + b * ti->block_bytes + scale_off, &s, 2);
        if (scale2_off != (size_t)-1) {
            s = random_scale();
            memcpy(raw + b * ti->block_bytes + scale2_off, &s, 2);
        }
    }
    ie_dequantize_row(type, raw, out, n);
    for (size_t b = 0; b < nblocks; b++)
        for (uint32_t j = 0; j < ti->block_elems; j++) {
            float want = ref(raw + b * ti->block_bytes, (int)j), got = out[b * ti->block_elems + j];
            if (fabsf(want - got) > 1e-6f * (1 + fabsf(want)))
                fail_msg("%s block %zu element %u: got %g, want %g", ti->name, b, j, got, want);
        }
    free(raw);
    free(out);
}

static void dequantizers_match_reference_layouts(void **state)
{
    (void)state;
    check_against_ref(GGML_T_Q4_0, ref_q4_0, 0, (size_t)-1);
    check_against_ref(GGML_T_Q8_0, ref_q8_0, 0, (size_t)-1);
    check_against_ref(GGML_T_Q4_K, ref_q4_k, 0, 2);
    check_against_ref(GGML_T_Q5_K, ref_q5_k, 0, 2);
    check_against_ref(GGML_T_Q6_K, ref_q6_k, 208, (size_t)-1);
}

static void half_conversions(void **state)
{
    (void)state;
    /* Every f16 value survives f16 -> f32 -> f16. */
    for (uint32_t h = 0; h < 65536; h++) {
        float f = ie_f16_to_f32((uint16_t)h);
        if (isnan(f))
            continue;
        assert_int_equal(ie_f32_to_f16(f), h);
    }
    assert_true(ie_f16_to_f32(0x3c00) == 1.0f);
    assert_true(ie_f16_to_f32(0xc000) == -2.0f);
    assert_true(ie_bf16_to_f32(ie_f32_to_bf16(1.5f)) == 1.5f);
    assert_true(fabsf(ie_bf16_to_f32(ie_f32_to_bf16(3.14159f)) - 3.14159f) < 0.02f);
    assert_int_equal(ie_f32_to_f16(65520.0f), 0x7c00); /* rounds to inf */
}

/* Quantize then dequantize random normal-ish data: relative RMS error per
 * type within what the format can hold. */
static void round_trip_error_bounds(void **state)
{
    (void)state;
    static const struct { uint32_t type; float max_rel_rms; } cases[] = {
        {GGML_T_F32, 0.0f},     {GGML_T_F16, 0.001f},  {GGML_T_BF16, 0.005f}, {GGML_T_Q8_0, 0.01f},
        {GGML_T_Q4_0, 0.12f},   {GGML_T_Q4_K, 0.12f},  {GGML_T_Q5_K, 0.06f},  {GGML_T_Q6_K, 0.035f},
    };
    size_t n = 4096;
    float *x = malloc(n * 4), *y = malloc(n * 4);
    uint8_t *q = malloc(n * 4);
    for (size_t i = 0; i < n; i++)
        x[i] = next_f() + next_f() + next_f();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        assert_true(ie_quantize_row(cases[c].type, x, q, n));
        ie_dequantize_row(cases[c].type, q, y, n);
        double err = 0, ref = 0;
        for (size_t i = 0; i < n; i++) {
            err += (double)(x[i] - y[i]) * (x[i] - y[i]);
            ref += (double)x[i] * x[i];
        }
        double rel = sqrt(err / ref);
        if (rel > cases[c].max_rel_rms)
            fail_msg("%s: relative RMS error %g > %g", ggml_type_get(cases[c].type)->name, rel,
                     cases[c].max_rel_rms);
    }
    assert_false(ie_quantize_row(GGML_T_Q4_K, x, q, 100)); /* not whole blocks */
    assert_false(ie_quantize_row(GGML_T_Q5_0, x, q, 32));  /* unsupported */
    free(x);
    free(y);
    free(q);
}

static void kv_cache_types_round_trip(void **state)
{
    (void)state;
    uint32_t types[] = {GGML_T_F32, GGML_T_F16, GGML_T_Q8_0, GGML_T_Q4_0};
    float x[128], y[128];
    uint8_t buf[512];
    for (int i = 0; i < 128; i++)
        x[i] = next_f();
    for (size_t t = 0; t < 4; t++) {
        assert_true(ie_type_supported_cache(types[t]));
        assert_true(ie_quantize_row(types[t], x, buf, 128));
        ie_dequantize_row(types[t], buf, y, 128);
        float tol = types[t] == GGML_T_F32 ? 0 : types[t] == GGML_T_F16 ? 1e-3f : types[t] == GGML_T_Q8_0 ? 0.01f : 0.15f;
        for (int i = 0; i < 128; i++)
            assert_true(fabsf(x[i] - y[i]) <= tol);
    }
    assert_false(ie_type_supported_cache(GGML_T_Q4_K));
    assert_false(ie_type_supported_cache(GGML_T_BF16));
}

static void activation_blocks(void **state)
{
    (void)state;
    float x[64];
    ie_block_q8a q[2];
    for (int i = 0; i < 64; i++)
        x[i] = next_f() * 3;
    ie_quantize_act(x, q, 64);
    for (int b = 0; b < 2; b++) {
        int32_t sum = 0;
        for (int j = 0; j < 32; j++) {
            sum += q[b].q[j];
            /* half a step, plus the f16 rounding of the stored scale (q is
             * rounded against the exact scale, as ggml's x86 quantizer does) */
            assert_true(fabsf(q[b].q[j] * q[b].d - x[b * 32 + j]) <= q[b].d * (0.5f + 127.0f / 2048.0f) + 1e-6f);
        }
        assert_int_equal(sum, q[b].sum);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dequantizers_match_reference_layouts),
        cmocka_unit_test(half_conversions),
        cmocka_unit_test(round_trip_error_bounds),
        cmocka_unit_test(kv_cache_types_round_trip),
        cmocka_unit_test(activation_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
