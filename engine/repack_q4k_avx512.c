/* The AVX-512 VNNI kernel for repacked Q4_K and Q5_K (repack_q4k.h): per
 * super-block and token, 64 vpdpbusd (16 rows x 4 elements each) into
 * per-sub-block int32 sums, one vpmulld by the rows' scales per
 * sub-block, four vpdpwssd for the mins (unpacked once per tile block)
 * against the activation block sums, and two float multiply-adds. The token count is a compile-time
 * constant in each instance so the accumulators stay in registers. */
#include "repack_q4k.h"

#include "ggml_types.h"
#include "kernels.h"
#include "quant.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

/* Tile blocks ahead the weight stream is prefetched (as repack_avx512.c). */
#ifndef Q4KR_PREFETCH_BLOCKS
#define Q4KR_PREFETCH_BLOCKS 4
#endif

TGT static inline __m512i bcast4(const int8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

TGT static inline __attribute__((always_inline)) void rdot_n(const ie_repacked *r, uint64_t tile,
                                                              const uint8_t *const *act, const int nc, const int q5,
                                                              float *out)
{
    const __m512i m4 = _mm512_set1_epi8(0xf), b4 = _mm512_set1_epi8(0x10), m63 = _mm512_set1_epi32(63);
    const __m128i m4x = _mm_set1_epi8(0xf), m30x = _mm_set1_epi8(0x30);
    __m512 acc[IE_MAX_COLS], macc[IE_MAX_COLS];
    const ie_block_q8a *x[IE_MAX_COLS];
    _Pragma("GCC unroll 4") for (int c = 0; c < nc; c++) {
        acc[c] = _mm512_setzero_ps();
        macc[c] = _mm512_setzero_ps();
        x[c] = (const ie_block_q8a *)act[c];
    }
    const uint8_t *blk = r->data + tile * r->nb * r->tile_block;
    for (uint32_t b = 0; b < r->nb; b++, blk += r->tile_block) {
        const uint8_t *pf = blk + Q4KR_PREFETCH_BLOCKS * Q4KR_BLOCK(q5);
        for (int k = 0; k < Q4KR_BLOCK(q5); k += 256)
            _mm_prefetch((const char *)(pf + k), _MM_HINT_T0);
        __m512i isum[IE_MAX_COLS];
        _Pragma("GCC unroll 4") for (int c = 0; c < nc; c++)
            isum[c] = _mm512_setzero_si512();
        _Pragma("GCC unroll 4") for (int g = 0; g < 4; g++) {
            __m512i lo[IE_MAX_COLS], hi[IE_MAX_COLS];
            _Pragma("GCC unroll 4") for (int c = 0; c < nc; c++) {
                lo[c] = _mm512_setzero_si512();
                hi[c] = _mm512_setzero_si512();
            }
            _Pragma("GCC unroll 8") for (int v = 0; v < 8; v++) {
                __m512i raw = _mm512_loadu_si512((const void *)(blk + Q4KR_CODES + (8 * g + v) * 64));
                __m512i wl = _mm512_and_si512(raw, m4);
                __m512i wh = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
                if (q5) {
                    /* Bit 2g (2g + 1) of each qh byte to bit 4 of the code:
                     * 16-bit shifts by at most 4 (left) or 3 (right) bring
                     * no neighbour bit into bit 4. */
                    __m512i qh = _mm512_loadu_si512((const void *)(blk + Q4KR_QH + v * 64));
                    __m512i hl = 2 * g <= 4 ? _mm512_slli_epi16(qh, 4 - 2 * g) : _mm512_srli_epi16(qh, 2 * g - 4);
                    __m512i hh = 2 * g + 1 <= 4 ? _mm512_slli_epi16(qh, 3 - 2 * g) : _mm512_srli_epi16(qh, 2 * g - 3);
                    wl = _mm512_or_si512(wl, _mm512_and_si512(hl, b4));
                    wh = _mm512_or_si512(wh, _mm512_and_si512(hh, b4));
                }
                _Pragma("GCC unroll 4") for (int c = 0; c < nc; c++) {
                    lo[c] = _mm512_dpbusd_epi32(lo[c], wl, bcast4(x[c][2 * g].q + 4 * v));
                    hi[c] = _mm512_dpbusd_epi32(hi[c], wh, bcast4(x[c][2 * g + 1].q + 4 * v));
                }
            }
            __m512i sl = _mm512_and_si512(
                _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(blk + Q4KR_SCALES(q5) + 32 * g))), m63);
            __m512i sh = _mm512_and_si512(
                _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(blk + Q4KR_SCALES(q5) + 32 * g + 16))), m63);
            _Pragma("GCC unroll 4") for (int c = 0; c < nc; c++)
                isum[c] = _mm512_add_epi32(isum[c], _mm512_add_epi32(_mm512_mullo_epi32(lo[c], sl),
                                                                       _mm512_mullo_epi32(hi[c], sh)));
        }
        __m512i mins[4];
        _Pragma("GCC unroll 4") for (int p = 0; p < 4; p++) {
            /* Row l's pair (min 2p, min 2p + 1) at bytes 2l, 2l + 1: low
             * nibbles interleaved with high ones, top bits from the scales. */
            __m128i nib = _mm_loadu_si128((const __m128i *)(blk + Q4KR_MINS(q5) + 16 * p));
            __m128i n0 = _mm_and_si128(nib, m4x), n1 = _mm_and_si128(_mm_srli_epi16(nib, 4), m4x);
            __m128i s0 = _mm_loadu_si128((const __m128i *)(blk + Q4KR_SCALES(q5) + 32 * p));
            __m128i s1 = _mm_loadu_si128((const __m128i *)(blk + Q4KR_SCALES(q5) + 32 * p + 16));
            __m128i t0 = _mm_and_si128(_mm_srli_epi16(s0, 2), m30x), t1 = _mm_and_si128(_mm_srli_epi16(s1, 2), m30x);
            __m128i lo = _mm_or_si128(_mm_unpacklo_epi8(n0, n1), _mm_unpacklo_epi8(t0, t1));
            __m128i hi = _mm_or_si128(_mm_unpackhi_epi8(n0, n1), _mm_unpackhi_epi8(t0, t1));
            mins[p] = _mm512_cvtepu8_epi16(_mm256_set_m128i(hi, lo));
        }
        __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + Q4KR_D(q5))));
        __m512 dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(blk + Q4KR_DMIN(q5))));
        _Pragma("GCC unroll 4") for (int c = 0; c < nc; c++) {
            const ie_block_q8a *xc = x[c];
            __m512i msum = _mm512_setzero_si512();
            _Pragma("GCC unroll 4") for (int p = 0; p < 4; p++) {
                /* Block sums are at most 32 x 127: one int16 each. */
                uint32_t pair = (uint16_t)xc[2 * p].sum | (uint32_t)(uint16_t)xc[2 * p + 1].sum << 16;
                msum = _mm512_dpwssd_epi32(msum, mins[p], _mm512_set1_epi32((int32_t)pair));
            }
            __m512 xd = _mm512_set1_ps(xc->d);
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum[c]), _mm512_mul_ps(d, xd), acc[c]);
            macc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(msum), _mm512_mul_ps(dmin, xd), macc[c]);
            x[c] += 8;
        }
    }
    _Pragma("GCC unroll 4") for (int c = 0; c < nc; c++)
        _mm512_storeu_ps(out + c * IE_TILE_ROWS, _mm512_sub_ps(acc[c], macc[c]));
}

_Static_assert(IE_MAX_COLS == 4, "one instance per token count");

TGT void ie_rdot_q4k_avx512vnni(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    const int q5 = r->type == GGML_T_Q5_K;
    switch (ncols + 4 * q5) {
    case 1: rdot_n(r, tile, act, 1, 0, out); break;
    case 2: rdot_n(r, tile, act, 2, 0, out); break;
    case 3: rdot_n(r, tile, act, 3, 0, out); break;
    case 4: rdot_n(r, tile, act, 4, 0, out); break;
    case 5: rdot_n(r, tile, act, 1, 1, out); break;
    case 6: rdot_n(r, tile, act, 2, 1, out); break;
    case 7: rdot_n(r, tile, act, 3, 1, out); break;
    default: rdot_n(r, tile, act, 4, 1, out); break;
    }
}

#endif
