/* The AVX-512 VNNI kernel for repacked Q4_0 / Q8_0 (repack.h): one
 * vpdpbusd advances 16 rows by 4 elements against a broadcast activation
 * word; per block and token one convert and one FMA with the 16 rows'
 * scales. Two partial sums per token break the vpdpbusd dependency chain. */
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

TGT static void rdot(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    const uint32_t nb = r->nb;
    const size_t k = (size_t)nb * 32;
    const bool q4 = r->type == GGML_T_Q4_0;
    const uint32_t codes = q4 ? 256 : 512;
    const __m512i m4 = _mm512_set1_epi8(0xf);
    __m512 acc[IE_MAX_COLS], offacc[IE_MAX_COLS];
    const int8_t *aq[IE_MAX_COLS];
    const float *ad[IE_MAX_COLS], *ads[IE_MAX_COLS];
    for (int c = 0; c < ncols; c++) {
        acc[c] = _mm512_setzero_ps();
        offacc[c] = _mm512_setzero_ps();
        aq[c] = (const int8_t *)act[c];
        ad[c] = (const float *)(act[c] + k);
        ads[c] = ad[c] + nb;
    }
    const uint8_t *blk = r->data + tile * nb * r->tile_block;
    for (uint32_t b = 0; b < nb; b++, blk += r->tile_block) {
        __m512i w[8];
        /* The stream is sequential; fetching well ahead keeps DRAM busy. */
        _mm_prefetch((const char *)(blk + RDOT_PREFETCH_BLOCKS * r->tile_block), _MM_HINT_T0);
        _mm_prefetch((const char *)(blk + RDOT_PREFETCH_BLOCKS * r->tile_block + 64), _MM_HINT_T0);
        _mm_prefetch((const char *)(blk + RDOT_PREFETCH_BLOCKS * r->tile_block + 128), _MM_HINT_T0);
        _mm_prefetch((const char *)(blk + RDOT_PREFETCH_BLOCKS * r->tile_block + 192), _MM_HINT_T0);
        _mm_prefetch((const char *)(blk + RDOT_PREFETCH_BLOCKS * r->tile_block + 256), _MM_HINT_T0);
        if (q4) {
            for (int v = 0; v < 4; v++) {
                __m512i raw = _mm512_loadu_si512((const void *)(blk + v * 64));
                w[v] = _mm512_and_si512(raw, m4);
                w[v + 4] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
            }
        } else {
            for (int s = 0; s < 8; s++)
                w[s] = _mm512_loadu_si512((const void *)(blk + s * 64));
        }
        __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + codes)));
        for (int c = 0; c < ncols; c++) {
            const int8_t *a = aq[c] + (size_t)b * 32;
            __m512i s0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[0], bcast4(a));
            __m512i s1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[1], bcast4(a + 4));
            s0 = _mm512_dpbusd_epi32(s0, w[2], bcast4(a + 8));
            s1 = _mm512_dpbusd_epi32(s1, w[3], bcast4(a + 12));
            s0 = _mm512_dpbusd_epi32(s0, w[4], bcast4(a + 16));
            s1 = _mm512_dpbusd_epi32(s1, w[5], bcast4(a + 20));
            s0 = _mm512_dpbusd_epi32(s0, w[6], bcast4(a + 24));
            s1 = _mm512_dpbusd_epi32(s1, w[7], bcast4(a + 28));
            __m512 sum = _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1));
            acc[c] = _mm512_fmadd_ps(sum, _mm512_mul_ps(dw, _mm512_set1_ps(ad[c][b])), acc[c]);
            offacc[c] = _mm512_fmadd_ps(dw, _mm512_set1_ps(ads[c][b]), offacc[c]);
        }
    }
    const __m512 off = _mm512_set1_ps(q4 ? 8.0f : 128.0f);
    for (int c = 0; c < ncols; c++)
        _mm512_storeu_ps(out + c * IE_TILE_ROWS, _mm512_fnmadd_ps(off, offacc[c], acc[c]));
}

TGT static void rdot_any(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    if (r->type == GGML_T_Q4_K || r->type == GGML_T_Q5_K)
        ie_rdot_q4k_avx512vnni(r, tile, act, ncols, out);
    else if (r->type == GGML_T_Q6_K)
        ie_rdot_q6k_avx512vnni(r, tile, act, ncols, out);
    else
        rdot(r, tile, act, ncols, out);
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
