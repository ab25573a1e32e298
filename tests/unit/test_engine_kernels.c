/* Integer dot kernels: every SIMD version agrees with the portable one on
 * random blocks, for 1..IE_MAX_COLS activation rows, and the portable one
 * agrees with dequantize-then-float-dot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ggml_types.h"
#include "attn_kernels.h"
#include "kernels.h"
#include "quant.h"
#include "repack.h"

static uint64_t rng = 987654321;
static float next_f(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)(uint32_t)(rng >> 16) / 4294967296.0f * 2.0f - 1.0f;
}

static const uint32_t TYPES[] = {GGML_T_Q4_0, GGML_T_Q8_0, GGML_T_Q4_K, GGML_T_Q5_K, GGML_T_Q6_K};

typedef struct fixture {
    size_t n;
    uint8_t *w;
    float *wf, *x;
    ie_block_q8a *xq;
} fixture;

static void make(fixture *f, uint32_t type, size_t n)
{
    uint64_t rb;
    ggml_row_bytes(type, n, &rb);
    f->n = n;
    f->w = malloc(rb);
    f->wf = malloc(n * 4);
    f->x = malloc(IE_MAX_COLS * n * 4);
    f->xq = malloc(IE_MAX_COLS * (n / 32) * sizeof(ie_block_q8a));
    float *tmp = malloc(n * 4);
    for (size_t i = 0; i < n; i++)
        tmp[i] = next_f() * 0.5f + (i % 7 == 0 ? 0.3f : 0);
    ie_quantize_row(type, tmp, f->w, n);
    ie_dequantize_row(type, f->w, f->wf, n);
    for (size_t i = 0; i < IE_MAX_COLS * n; i++)
        f->x[i] = next_f() * 2;
    for (int c = 0; c < IE_MAX_COLS; c++)
        /* The engine quantizes K-quant activations per 256 (the SIMD
         * kernels rely on it), others per 32. */
        (ggml_type_get(type)->block_elems == 256 ? ie_quantize_act_k : ie_quantize_act)(f->x + c * n,
                                                                                       f->xq + c * (n / 32), n);
    free(tmp);
}

static void release(fixture *f)
{
    free(f->w);
    free(f->wf);
    free(f->x);
    free(f->xq);
}

static void portable_matches_float_reference(void **state)
{
    (void)state;
    for (size_t t = 0; t < sizeof TYPES / sizeof TYPES[0]; t++) {
        fixture f;
        make(&f, TYPES[t], 1024);
        ie_qdot_fn fn = ie_qdot_portable(TYPES[t]);
        assert_non_null(fn);
        float out[IE_MAX_COLS];
        fn(f.n / 32, f.w, f.xq, f.n / 32, IE_MAX_COLS, out);
        for (int c = 0; c < IE_MAX_COLS; c++) {
            /* Reference: dequantized weights times dequantized activations. */
            double ref = 0, mag = 0;
            for (size_t i = 0; i < f.n; i++) {
                const ie_block_q8a *b = &f.xq[c * (f.n / 32) + i / 32];
                ref += (double)f.wf[i] * b->q[i % 32] * b->d;
                mag += fabs((double)f.wf[i] * b->q[i % 32] * b->d);
            }
            if (fabs(out[c] - ref) > 1e-4 * mag + 1e-5)
                fail_msg("%s col %d: %g vs reference %g", ggml_type_get(TYPES[t])->name, c, out[c], ref);
        }
        release(&f);
    }
}

static void simd_kernels_match_portable(void **state)
{
    (void)state;
    int tested = 0;
    for (int isa = IE_ISA_AVX2; isa < IE_ISA_COUNT; isa++) {
        if (!ie_isa_available((ie_isa)isa))
            continue;
        for (size_t t = 0; t < sizeof TYPES / sizeof TYPES[0]; t++) {
            size_t sizes[] = {256, 512, 2304};
            for (size_t s = 0; s < 3; s++) {
                fixture f;
                make(&f, TYPES[t], sizes[s]);
                ie_qdot_fn ref = ie_qdot_portable(TYPES[t]), fn = ie_qdot_get(TYPES[t], (ie_isa)isa);
                assert_true(fn != ref);
                for (int ncols = 1; ncols <= IE_MAX_COLS; ncols++) {
                    float a[IE_MAX_COLS], b[IE_MAX_COLS];
                    ref(f.n / 32, f.w, f.xq, f.n / 32, ncols, a);
                    fn(f.n / 32, f.w, f.xq, f.n / 32, ncols, b);
                    for (int c = 0; c < ncols; c++)
                        if (fabsf(a[c] - b[c]) > 1e-4f * (1 + fabsf(a[c])))
                            fail_msg("%s %s n=%zu ncols=%d col %d: %g vs portable %g", ie_isa_name((ie_isa)isa),
                                     ggml_type_get(TYPES[t])->name, f.n, ncols, c, b[c], a[c]);
                }
                release(&f);
                tested++;
            }
        }
    }
    if (!tested)
        skip();
}

static void float_dot(void **state)
{
    (void)state;
    float a[37], b[37];
    double ref = 0;
    for (int i = 0; i < 37; i++) {
        a[i] = next_f();
        b[i] = next_f();
        ref += (double)a[i] * b[i];
    }
    assert_true(fabs(ie_dot_f32(a, b, 37) - ref) < 1e-5);
    assert_null(ie_qdot_portable(GGML_T_F16));
    assert_non_null(ie_qdot_get(GGML_T_Q4_0, IE_ISA_PORTABLE));
}

/* Repacked Q4_0 / Q8_0 / Q4_K / Q5_K / Q6_K tiles: the portable tiled kernel equals the
 * plain one on the same data, and every SIMD one this CPU runs (AVX-512
 * VNNI, AVX2 + AVX-VNNI, AVX2) equals the portable one. */
static void repacked_kernels_agree(void **state)
{
    (void)state;
    uint32_t types[] = {GGML_T_Q4_0, GGML_T_Q8_0, GGML_T_Q4_K, GGML_T_Q5_K, GGML_T_Q6_K};
    size_t sizes[] = {32, 96, 256, 512, 2048};
    for (int t = 0; t < 5; t++)
        for (int s = 0; s < 5; s++) {
            size_t n = sizes[s], rows = 48;
            bool k_quant = ggml_type_get(types[t])->block_elems == 256;
            if (k_quant && n % 256) {
                assert_false(ie_repack_possible(types[t], rows, n));
                continue;
            }
            assert_true(ie_repack_possible(types[t], rows, n));
            size_t ab = ie_repack_act_bytes(types[t], n);
            uint64_t rb;
            ggml_row_bytes(types[t], n, &rb);
            uint8_t *w = malloc(rb * rows), *act = malloc(IE_RDOT_COLS * ab);
            float *x = malloc(n * 4);
            ie_block_q8a *xq = malloc(IE_RDOT_COLS * (n / 32) * sizeof *xq);
            for (size_t r = 0; r < rows; r++) {
                for (size_t i = 0; i < n; i++)
                    x[i] = next_f();
                ie_quantize_row(types[t], x, w + r * rb, n);
            }
            const uint8_t *acts[IE_RDOT_COLS];
            for (int c = 0; c < IE_RDOT_COLS; c++) {
                for (size_t i = 0; i < n; i++)
                    x[i] = next_f() * 3;
                acts[c] = act + c * ab;
                if (k_quant) {
                    ie_quantize_act_k(x, xq + c * (n / 32), n);
                    if (ie_repack_act(types[t]) == IE_ACT_K_HALVES)
                        ie_quantize_act_k_halves(x, (ie_block_q8a *)(act + c * ab), n);
                    else
                        memcpy(act + c * ab, xq + c * (n / 32), ab);
                } else {
                    ie_quantize_act_split(x, act + c * ab, n);
                    ie_quantize_act(x, xq + c * (n / 32), n);
                }
            }
            ie_repacked rp;
            ie_repack_init(&rp, malloc(ie_repack_bytes(types[t], rows, n)), types[t], n);
            ie_repack_tiles(&rp, w, rb, 0, rows / IE_TILE_ROWS);
            for (size_t tile = 0; tile < rows / IE_TILE_ROWS; tile++)
                for (int ncols = 1; ncols <= IE_RDOT_COLS; ncols++) {
                    float port[IE_RDOT_COLS * IE_TILE_ROWS], simd[IE_ISA_COUNT][IE_RDOT_COLS * IE_TILE_ROWS];
                    ie_rdot_portable(&rp, tile, acts, ncols, port);
                    for (int isa = IE_ISA_AVX2; isa < IE_ISA_COUNT; isa++)
                        if (ie_rdot_get((ie_isa)isa))
                            ie_rdot_get((ie_isa)isa)(&rp, tile, acts, ncols, simd[isa]);
                    for (int l = 0; l < IE_TILE_ROWS; l++) {
                        float plain[IE_RDOT_COLS];
                        /* The row kernels take up to IE_MAX_COLS tokens a call. */
                        for (int c0 = 0; c0 < ncols; c0 += IE_MAX_COLS)
                            ie_qdot_portable(types[t])(n / 32, w + (tile * IE_TILE_ROWS + (size_t)l) * rb,
                                                       xq + (size_t)c0 * (n / 32), n / 32,
                                                       ncols - c0 < IE_MAX_COLS ? ncols - c0 : IE_MAX_COLS, plain + c0);
                        for (int c = 0; c < ncols; c++) {
                            float p = port[c * IE_TILE_ROWS + l];
                            if (fabsf(plain[c] - p) > 1e-3f * (1 + fabsf(plain[c])))
                                fail_msg("%s n=%zu row %d: repacked %g vs plain %g", ggml_type_get(types[t])->name,
                                         n, l, p, plain[c]);
                            for (int isa = IE_ISA_AVX2; isa < IE_ISA_COUNT; isa++)
                                if (ie_rdot_get((ie_isa)isa) &&
                                    fabsf(simd[isa][c * IE_TILE_ROWS + l] - p) > 1e-4f * (1 + fabsf(p)))
                                    fail_msg("%s n=%zu ncols=%d: %s %g vs portable %g", ggml_type_get(types[t])->name,
                                             n, ncols, ie_isa_name((ie_isa)isa), simd[isa][c * IE_TILE_ROWS + l], p);
                        }
                    }
                }
            free(rp.data);
            free(w);
            free(act);
            free(x);
            free(xq);
        }
    assert_false(ie_repack_possible(GGML_T_Q5_K, 16, 288));
    assert_false(ie_repack_possible(GGML_T_Q4_K, 8, 256));
    assert_false(ie_repack_possible(GGML_T_Q4_0, 8, 32));
}

/* The largest sums the AVX2 kernels hold in int16 lanes: every code at its
 * maximum (or Q8_0's minimum), every activation +-127, scales at their
 * extremes. A sum that saturated would differ from the portable kernel's
 * int32 one by thousands. */
static void repacked_kernels_at_the_int16_bounds(void **state)
{
    (void)state;
    const uint32_t types[] = {GGML_T_Q4_0, GGML_T_Q8_0, GGML_T_Q4_K, GGML_T_Q5_K, GGML_T_Q6_K};
    const size_t n = 512, rows = 16;
    const uint16_t one = ie_f32_to_f16(1.0f);
    int tested = 0;
    for (int t = 0; t < 5; t++)
        for (int variant = 0; variant < 2; variant++) {
            uint64_t rb;
            ggml_row_bytes(types[t], n, &rb);
            uint8_t *w = malloc(rb * rows);
            for (size_t r = 0; r < rows; r++) {
                uint8_t *row = w + r * rb;
                switch (types[t]) {
                case GGML_T_Q4_0:
                    for (size_t b = 0; b < n / 32; b++) {
                        memcpy(row + b * 18, &one, 2);
                        memset(row + b * 18 + 2, variant ? 0x00 : 0xff, 16);
                    }
                    break;
                case GGML_T_Q8_0:
                    for (size_t b = 0; b < n / 32; b++) {
                        memcpy(row + b * 34, &one, 2);
                        memset(row + b * 34 + 2, variant ? 0x80 : 0x7f, 32); /* q -128 (code 0) or 127 (255) */
                    }
                    break;
                case GGML_T_Q4_K:
                case GGML_T_Q5_K: {
                    size_t bb = types[t] == GGML_T_Q5_K ? 176 : 144;
                    for (size_t b = 0; b < n / 256; b++) {
                        uint8_t *blk = row + b * bb;
                        memcpy(blk, &one, 2);
                        memcpy(blk + 2, &one, 2);
                        memset(blk + 4, 0xff, bb - 4); /* scales and mins 63, codes 15 (31) */
                    }
                    break;
                }
                default:
                    for (size_t b = 0; b < n / 256; b++) {
                        ie_block_q6_k *blk = (ie_block_q6_k *)(row + b * 210);
                        memset(blk->ql, 0xff, sizeof blk->ql);
                        memset(blk->qh, 0xff, sizeof blk->qh); /* code 63 */
                        for (int h = 0; h < 16; h++)
                            blk->scales[h] = (int8_t)(variant ? -128 : 127);
                        memcpy(&blk->d, &one, 2);
                    }
                    break;
                }
            }
            size_t ab = ie_repack_act_bytes(types[t], n);
            uint8_t *act = malloc(IE_RDOT_COLS * ab);
            float *x = malloc(n * sizeof *x);
            const uint8_t *acts[IE_RDOT_COLS];
            for (int c = 0; c < IE_RDOT_COLS; c++) {
                /* Tokens alternate all +1 and all -1: codes +-127. */
                for (size_t i = 0; i < n; i++)
                    x[i] = c % 2 ? -1.0f : 1.0f;
                acts[c] = act + c * ab;
                switch (ie_repack_act(types[t])) {
                case IE_ACT_SPLIT: ie_quantize_act_split(x, act + c * ab, n); break;
                case IE_ACT_K_HALVES: ie_quantize_act_k_halves(x, (ie_block_q8a *)(act + c * ab), n); break;
                default: ie_quantize_act_k(x, (ie_block_q8a *)(act + c * ab), n); break;
                }
            }
            ie_repacked rp;
            ie_repack_init(&rp, malloc(ie_repack_bytes(types[t], rows, n)), types[t], n);
            ie_repack_tiles(&rp, w, rb, 0, 1);
            for (int ncols = 1; ncols <= IE_RDOT_COLS; ncols++) {
                float port[IE_RDOT_COLS * IE_TILE_ROWS], simd[IE_RDOT_COLS * IE_TILE_ROWS];
                ie_rdot_portable(&rp, 0, acts, ncols, port);
                for (int isa = IE_ISA_AVX2; isa < IE_ISA_COUNT; isa++) {
                    ie_rdot_fn fn = ie_rdot_get((ie_isa)isa);
                    if (!fn)
                        continue;
                    fn(&rp, 0, acts, ncols, simd);
                    tested++;
                    for (int i = 0; i < ncols * IE_TILE_ROWS; i++)
                        if (fabsf(simd[i] - port[i]) > 1e-5f * fabsf(port[i]) || port[i] == 0)
                            fail_msg("%s variant %d ncols %d: %s %g vs portable %g", ggml_type_get(types[t])->name,
                                     variant, ncols, ie_isa_name((ie_isa)isa), simd[i], port[i]);
                }
            }
            free(rp.data);
            free(w);
            free(act);
            free(x);
        }
    if (!tested)
        skip();
}

static void attention_kernels_agree(void **state)
{
    (void)state;
    ie_attn_kernels simd, port;
    ie_attn_kernels_get(&port, IE_ISA_PORTABLE);
    for (int isa = IE_ISA_AVX2; isa < IE_ISA_COUNT; isa++) {
    ie_attn_kernels_get(&simd, (ie_isa)isa);
    size_t sizes[] = {64, 80, 128, 7, 100, 12};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        float q[128], k[128], o1[128], o2[128];
        uint16_t kh[128];
        for (size_t i = 0; i < n; i++) {
            q[i] = next_f();
            k[i] = next_f();
            kh[i] = ie_f32_to_f16(k[i]);
            o1[i] = o2[i] = next_f();
        }
        assert_true(fabsf(simd.dot_f32(q, k, n) - port.dot_f32(q, k, n)) < 1e-4f);
        assert_true(fabsf(simd.dot_f16(q, kh, n) - port.dot_f16(q, kh, n)) < 1e-4f);
        simd.axpy_f16(o1, 0.3f, kh, n);
        port.axpy_f16(o2, 0.3f, kh, n);
        simd.axpy_f32(o1, -0.7f, k, n);
        port.axpy_f32(o2, -0.7f, k, n);
        for (size_t i = 0; i < n; i++)
            assert_true(fabsf(o1[i] - o2[i]) < 1e-5f);
        /* 16 transposed rows: each score is the plain dot product. */
        static float kt[16 * 128];
        float s16a[16], s16b[16];
        for (size_t i = 0; i < 16 * n; i++)
            kt[i] = next_f();
        simd.dot16_f32(q, kt, n, s16a);
        port.dot16_f32(q, kt, n, s16b);
        for (int jj = 0; jj < 16; jj++) {
            float col[128];
            for (size_t d = 0; d < n; d++)
                col[d] = kt[16 * d + (size_t)jj];
            float ref = port.dot_f32(q, col, n);
            assert_true(fabsf(s16a[jj] - ref) < 1e-4f);
            assert_true(fabsf(s16b[jj] - ref) < 1e-4f);
        }
        /* f16 rounding is exact: the same bits as the scalar conversion,
         * ties and subnormals included. */
        float r1[128], r2[128];
        for (size_t i = 0; i < n; i++)
            r1[i] = r2[i] = i % 4 == 0 ? next_f() * 1e-5f : i % 4 == 1 ? next_f() * 7e4f : next_f();
        r1[0] = r2[0] = 1.0f + 1.0f / 2048; /* a tie: rounds to even, 1.0 */
        simd.round_f16(r1, n);
        port.round_f16(r2, n);
        assert_memory_equal(r1, r2, n * sizeof *r1);
        assert_true(r2[0] == 1.0f);
    }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(portable_matches_float_reference),
        cmocka_unit_test(simd_kernels_match_portable),
        cmocka_unit_test(float_dot),
        cmocka_unit_test(repacked_kernels_agree),
        cmocka_unit_test(repacked_kernels_at_the_int16_bounds),
        cmocka_unit_test(attention_kernels_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
