/* The AVX-512 VNNI kernel for repacked Q6_K (repack_q6k.h): per
 * super-block and token, 64 vpdpbusd of unsigned 6-bit codes (16 rows x 4
 * elements each) into one int32 sum per 16-element half, started at
 * -32 x the half's activation sum, one vpmulld by the rows' scales per
 * half and one float multiply-add. Instances per token count as in
 * repack_q4k_avx512.c. */
#include "repack_q6k.h"

#include "kernels.h"
#include "quant.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define UNROLL _Pragma("GCC unroll 8")

#ifndef Q6KR_PREFETCH_BLOCKS
#define Q6KR_PREFETCH_BLOCKS 3
#endif

TGT static inline __m512i bcast4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

TGT static inline __attribute__((always_inline)) void rdot_n(const ie_repacked *r, uint64_t tile,
                                                              const uint8_t *const *act, const int nc, float *out)
{
    const __m512i m4 = _mm512_set1_epi8(0xf), m30 = _mm512_set1_epi8(0x30);
    __m512 acc[IE_MAX_COLS];
    const ie_block_q8a *x[IE_MAX_COLS];
    UNROLL for (int c = 0; c < nc; c++) {
        acc[c] = _mm512_setzero_ps();
        x[c] = (const ie_block_q8a *)act[c];
    }
    const uint8_t *blk = r->data + tile * r->nb * r->tile_block;
    for (uint32_t b = 0; b < r->nb; b++, blk += r->tile_block) {
        const uint8_t *pf = blk + Q6KR_PREFETCH_BLOCKS * Q6KR_BLOCK;
        UNROLL for (int k = 0; k < Q6KR_BLOCK; k += 256)
            _mm_prefetch((const char *)(pf + k), _MM_HINT_T0);
        __m512i isum[IE_MAX_COLS];
        UNROLL for (int c = 0; c < nc; c++)
            isum[c] = _mm512_setzero_si512();
        UNROLL for (int g = 0; g < 4; g++) {
            const int n = g / 2, h = g % 2, s_lo = 4 * n + h, s_hi = s_lo + 2;
            UNROLL for (int hf = 0; hf < 2; hf++) {
                __m512i lo[IE_MAX_COLS], hi[IE_MAX_COLS];
                UNROLL for (int c = 0; c < nc; c++) {
                    lo[c] = _mm512_set1_epi32(-32 * ie_act_half_sum(&x[c][s_lo], hf));
                    hi[c] = _mm512_set1_epi32(-32 * ie_act_half_sum(&x[c][s_hi], hf));
                }
                UNROLL for (int v = 4 * hf; v < 4 * hf + 4; v++) {
                    __m512i raw = _mm512_loadu_si512((const void *)(blk + Q6KR_LOW + (8 * g + v) * 64));
                    __m512i qh = _mm512_loadu_si512((const void *)(blk + Q6KR_HIGH + (8 * n + v) * 64));
                    /* Bits 2h, 2h + 1 (low nibbles' block) and 2h + 4, 2h + 5
                     * (high nibbles') of each byte to bits 4, 5; 16-bit
                     * shifts bring no neighbour bits into 4, 5. */
                    __m512i hl = _mm512_and_si512(h ? _mm512_slli_epi16(qh, 2) : _mm512_slli_epi16(qh, 4), m30);
                    __m512i hh = _mm512_and_si512(h ? _mm512_srli_epi16(qh, 2) : qh, m30);
                    __m512i wl = _mm512_or_si512(_mm512_and_si512(raw, m4), hl);
                    __m512i wh = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(raw, 4), m4), hh);
                    UNROLL for (int c = 0; c < nc; c++) {
                        lo[c] = _mm512_dpbusd_epi32(lo[c], wl, bcast4(x[c][s_lo].q + 4 * v));
                        hi[c] = _mm512_dpbusd_epi32(hi[c], wh, bcast4(x[c][s_hi].q + 4 * v));
                    }
                }
                __m512i sl = _mm512_cvtepi8_epi32(
                    _mm_loadu_si128((const __m128i *)(blk + Q6KR_SCALES + 16 * (2 * s_lo + hf))));
                __m512i sh = _mm512_cvtepi8_epi32(
                    _mm_loadu_si128((const __m128i *)(blk + Q6KR_SCALES + 16 * (2 * s_hi + hf))));
                UNROLL for (int c = 0; c < nc; c++)
                    isum[c] = _mm512_add_epi32(isum[c], _mm512_add_epi32(_mm512_mullo_epi32(lo[c], sl),
                                                                           _mm512_mullo_epi32(hi[c], sh)));
            }
        }
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + Q6KR_D)));
        UNROLL for (int c = 0; c < nc; c++) {
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[c]), _mm512_mul_ps(d, _mm512_set1_ps(x[c]->d)), acc[c]);
            x[c] += 8;
        }
    }
    UNROLL for (int c = 0; c < nc; c++)
        _mm512_storeu_ps(out + c * IE_TILE_ROWS, acc[c]);
}

_Static_assert(IE_MAX_COLS == 4, "one instance per token count");

TGT void ie_rdot_q6k_avx512vnni(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    switch (ncols) {
    case 1: rdot_n(r, tile, act, 1, out); break;
    case 2: rdot_n(r, tile, act, 2, out); break;
    case 3: rdot_n(r, tile, act, 3, out); break;
    default: rdot_n(r, tile, act, 4, out); break;
    }
}
#endif
