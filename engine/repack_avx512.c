/* The AVX-512 VNNI kernel for repacked Q4_0 / Q8_0 (repack.h): one
 * vpdpbusd advances 16 rows by 4 elements against a broadcast activation
 * word; per block and token one convert and one FMA with the 16 rows'
 * scales. Under 4 tokens, two partial sums per token break the vpdpbusd
 * dependency chain;
 * up to IE_RDOT_COLS tokens share each block's unpacked codes. */
#include "repack.h"

#include "ggml_types.h"
#include "kernels.h"
#include "repack_q4k.h"
#include "repack_q6k.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

/* Blocks ahead the weight stream is prefetched: far enough to cover DRAM
 * latency at one core's bandwidth. */
#ifndef RDOT_PREFETCH_BLOCKS
#define RDOT_PREFETCH_BLOCKS 8
#endif

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

TGT static inline __m512i bcast4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

/* nc tokens (a compile-time constant in each instance, so the accumulators
 * stay in registers). Each block's int32 sum starts at -offset x the
 * activation block's code sum, so it is the exact integer block sum of
 * (code - offset) x activation, as llama.cpp's own Q4_0 / Q8_0 dot products
 * compute it; then one convert and one FMA with the 16 rows' scales. */
TGT static inline __attribute__((always_inline)) void rdot_n(const ie_repacked *r, uint64_t tile,
                                                              const uint8_t *const *act, const int nc, const int q4,
                                                              float *out)
{
    const uint32_t nb = r->nb;
    const size_t k = (size_t)nb * 32;
    const uint32_t codes = q4 ? 256 : 512;
    const int32_t off = q4 ? -8 : -128;
    const __m512i m4 = _mm512_set1_epi8(0xf);
    __m512 acc[IE_RDOT_COLS];
    const int8_t *aq[IE_RDOT_COLS];
    const float *ad[IE_RDOT_COLS];
    const int32_t *as[IE_RDOT_COLS];
    _Pragma("GCC unroll 8") for (int c = 0; c < nc; c++) {
        acc[c] = _mm512_setzero_ps();
        aq[c] = (const int8_t *)act[c];
        ad[c] = (const float *)(act[c] + k);
        as[c] = (const int32_t *)(ad[c] + nb);
    }
    const uint8_t *blk = r->data + tile * nb * r->tile_block;
    for (uint32_t b = 0; b < nb; b++, blk += r->tile_block) {
        __m512i w[8];
        /* The stream is sequential; fetching well ahead keeps DRAM busy. */
        const char *pf = (const char *)(blk + RDOT_PREFETCH_BLOCKS * r->tile_block);
        for (int i = 0; i < (q4 ? 5 : 9); i++)
            _mm_prefetch(pf + 64 * i, _MM_HINT_T0);
        if (q4) {
            _Pragma("GCC unroll 4") for (int v = 0; v < 4; v++) {
                __m512i raw = _mm512_loadu_si512((const void *)(blk + v * 64));
                w[v] = _mm512_and_si512(raw, m4);
                w[v + 4] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
            }
        } else {
            _Pragma("GCC unroll 8") for (int s = 0; s < 8; s++)
                w[s] = _mm512_loadu_si512((const void *)(blk + s * 64));
        }
        __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + codes)));
        _Pragma("GCC unroll 8") for (int c = 0; c < nc; c++) {
            const int8_t *a = aq[c] + (size_t)b * 32;
            __m512i s0 = _mm512_set1_epi32(off * as[c][b]), s;
            if (nc >= 4) {
                /* Enough tokens in flight to hide vpdpbusd's latency: one chain each. */
                _Pragma("GCC unroll 8") for (int v = 0; v < 8; v++)
                    s0 = _mm512_dpbusd_epi32(s0, w[v], bcast4(a + 4 * v));
                s = s0;
            } else {
                __m512i s1 = _mm512_setzero_si512();
                _Pragma("GCC unroll 4") for (int v = 0; v < 8; v += 2) {
                    s0 = _mm512_dpbusd_epi32(s0, w[v], bcast4(a + 4 * v));
                    s1 = _mm512_dpbusd_epi32(s1, w[v + 1], bcast4(a + 4 * v + 4));
                }
                s = _mm512_add_epi32(s0, s1);
            }
            __m512 sum = _mm512_cvtepi32_ps(s);
            acc[c] = _mm512_fmadd_ps(sum, _mm512_mul_ps(dw, _mm512_set1_ps(ad[c][b])), acc[c]);
        }
    }
    _Pragma("GCC unroll 8") for (int c = 0; c < nc; c++)
        _mm512_storeu_ps(out + c * IE_TILE_ROWS, acc[c]);
}

_Static_assert(IE_RDOT_COLS == 8, "one instance per token count");

#define RDOT_CASES(q4)                                                                                                 \
    switch (ncols) {                                                                                                   \
    case 1: rdot_n(r, tile, act, 1, q4, out); break;                                                                   \
    case 2: rdot_n(r, tile, act, 2, q4, out); break;                                                                   \
    case 3: rdot_n(r, tile, act, 3, q4, out); break;                                                                   \
    case 4: rdot_n(r, tile, act, 4, q4, out); break;                                                                   \
    case 5: rdot_n(r, tile, act, 5, q4, out); break;                                                                   \
    case 6: rdot_n(r, tile, act, 6, q4, out); break;                                                                   \
    case 7: rdot_n(r, tile, act, 7, q4, out); break;                                                                   \
    default: rdot_n(r, tile, act, 8, q4, out); break;                                                                  \
    }

TGT static void rdot(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    if (r->type == GGML_T_Q4_0)
        RDOT_CASES(1)
    else
        RDOT_CASES(0)
}

TGT static void rdot_any(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    if (r->type != GGML_T_Q4_K && r->type != GGML_T_Q5_K && r->type != GGML_T_Q6_K) {
        rdot(r, tile, act, ncols, out);
        return;
    }
    /* The K-quant kernels take up to IE_MAX_COLS tokens a call. */
    for (int c0 = 0; c0 < ncols; c0 += IE_MAX_COLS) {
        int n = ncols - c0 < IE_MAX_COLS ? ncols - c0 : IE_MAX_COLS;
        if (r->type == GGML_T_Q6_K)
            ie_rdot_q6k_avx512vnni(r, tile, act + c0, n, out + c0 * IE_TILE_ROWS);
        else
            ie_rdot_q4k_avx512vnni(r, tile, act + c0, n, out + c0 * IE_TILE_ROWS);
    }
}

ie_rdot_fn ie_rdot_avx512vnni(void)
{
    return ie_isa_available(IE_ISA_AVX512VNNI) ? rdot_any : NULL;
}
#else
ie_rdot_fn ie_rdot_avx512vnni(void)
{
    return NULL;
}
#endif
