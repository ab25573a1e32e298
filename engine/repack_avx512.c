/* The AVX-512 VNNI kernel for repacked Q4_0 / Q8_0: two blocks per 512-bit
 * vpdpbusd, scales for 16 blocks converted and multiplied at once. */
#include "repack.h"

#include "ggml_types.h"
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

/* One activation row: two accumulators hide the FMA latency. */
TGT static float rdot1(const ie_repacked *r, uint64_t row, const uint8_t *act)
{
    const uint8_t *q = r->q + row * r->q_row;
    const uint16_t *d = r->d + row * r->nb;
    const uint32_t nb = r->nb;
    const bool q4 = r->type == GGML_T_Q4_0;
    const __m512i m4 = _mm512_set1_epi8(0xf);
    const __m512i base0 = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i base1 = _mm512_add_epi32(base0, _mm512_set1_epi32(2));
    const int8_t *aq = (const int8_t *)act;
    const float *ad = (const float *)(act + (size_t)nb * 32), *ads = ad + nb;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps(), offacc = _mm512_setzero_ps();
    for (uint32_t g = 0; g < nb; g += 16) {
        uint32_t n = nb - g < 16 ? nb - g : 16;
        __mmask16 mk = (__mmask16)((1u << n) - 1);
        __m512 dw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, d + g));
        __m512 sc = _mm512_mul_ps(dw, _mm512_maskz_loadu_ps(mk, ad + g));
        offacc = _mm512_fmadd_ps(dw, _mm512_maskz_loadu_ps(mk, ads + g), offacc);
        uint32_t p = 0;
        for (; p + 4 <= n; p += 4) {
            uint32_t blk = g + p;
            __m512i u0, u1;
            if (q4) {
                __m256i r0 = _mm256_loadu_si256((const __m256i *)(q + (size_t)blk * 16));
                __m256i r1 = _mm256_loadu_si256((const __m256i *)(q + (size_t)blk * 16 + 32));
                u0 = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(r0), _mm256_srli_epi16(r0, 4), 1), m4);
                u1 = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(r1), _mm256_srli_epi16(r1, 4), 1), m4);
            } else {
                u0 = _mm512_loadu_si512((const void *)(q + (size_t)blk * 32));
                u1 = _mm512_loadu_si512((const void *)(q + (size_t)blk * 32 + 64));
            }
            __m512i d0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u0, _mm512_loadu_si512((const void *)(aq + (size_t)blk * 32)));
            __m512i d1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u1, _mm512_loadu_si512((const void *)(aq + (size_t)blk * 32 + 64)));
            __m512i pi = _mm512_set1_epi32((int)p);
            acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0), _mm512_permutexvar_ps(_mm512_add_epi32(base0, pi), sc), acc0);
            acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d1), _mm512_permutexvar_ps(_mm512_add_epi32(base1, pi), sc), acc1);
        }
        for (; p < n; p += 2) {
            uint32_t blk = g + p;
            __m512i u0;
            if (q4) {
                __m256i r0 = _mm256_loadu_si256((const __m256i *)(q + (size_t)blk * 16));
                u0 = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(r0), _mm256_srli_epi16(r0, 4), 1), m4);
            } else {
                u0 = _mm512_loadu_si512((const void *)(q + (size_t)blk * 32));
            }
            __m512i d0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u0, _mm512_loadu_si512((const void *)(aq + (size_t)blk * 32)));
            acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d0),
                                   _mm512_permutexvar_ps(_mm512_add_epi32(base0, _mm512_set1_epi32((int)p)), sc), acc0);
        }
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) - (q4 ? 8.0f : 128.0f) * _mm512_reduce_add_ps(offacc);
}

TGT static void rdot(const ie_repacked *r, uint64_t row, const uint8_t *const *act, int ncols, float *out)
{
    if (ncols == 1) {
        out[0] = rdot1(r, row, act[0]);
        return;
    }
    const uint8_t *q = r->q + row * r->q_row;
    const uint16_t *d = r->d + row * r->nb;
    const uint32_t nb = r->nb;
    const size_t k = (size_t)nb * 32;
    const bool q4 = r->type == GGML_T_Q4_0;
    const __m512i m4 = _mm512_set1_epi8(0xf);
    const __m512i pair_base = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
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
    for (uint32_t g = 0; g < nb; g += 16) {
        uint32_t n = nb - g < 16 ? nb - g : 16;
        __mmask16 mk = (__mmask16)((1u << n) - 1);
        __m512 dw = _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mk, d + g));
        __m512 sc[IE_MAX_COLS];
        for (int c = 0; c < ncols; c++) {
            sc[c] = _mm512_mul_ps(dw, _mm512_maskz_loadu_ps(mk, ad[c] + g));
            offacc[c] = _mm512_fmadd_ps(dw, _mm512_maskz_loadu_ps(mk, ads[c] + g), offacc[c]);
        }
        for (uint32_t p = 0; p < n; p += 2) {
            uint32_t blk = g + p;
            __m512i u;
            if (q4) {
                __m256i raw = _mm256_loadu_si256((const __m256i *)(q + (size_t)blk * 16));
                u = _mm512_inserti64x4(_mm512_castsi256_si512(raw), _mm256_srli_epi16(raw, 4), 1);
                u = _mm512_and_si512(u, m4);
            } else {
                u = _mm512_loadu_si512((const void *)(q + (size_t)blk * 32));
            }
            __m512i idx = _mm512_add_epi32(pair_base, _mm512_set1_epi32((int)p));
            for (int c = 0; c < ncols; c++) {
                __m512i dp = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u,
                                                 _mm512_loadu_si512((const void *)(aq[c] + (size_t)blk * 32)));
                acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), _mm512_permutexvar_ps(idx, sc[c]), acc[c]);
            }
        }
    }
    float off = q4 ? 8.0f : 128.0f;
    for (int c = 0; c < ncols; c++)
        out[c] = _mm512_reduce_add_ps(acc[c]) - off * _mm512_reduce_add_ps(offacc[c]);
}

ie_rdot_fn ie_rdot_avx512vnni(void)
{
    return ie_isa_available(IE_ISA_AVX512VNNI) ? rdot : NULL;
}
#else
ie_rdot_fn ie_rdot_avx512vnni(void)
{
    return NULL;
}
#endif
