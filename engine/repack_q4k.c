/* Repacking Q4_K / Q5_K into 16-row tiles and the portable tiled kernel
 * (repack_q4k.h). Block formats: ggml/src/ggml-common.h (block_q4_K,
 * block_q5_K: d, dmin, scales[12], (qh[32],) qs[128]). */
#include "repack_q4k.h"

#include <string.h>

#include "ggml_types.h"
#include "kernels.h"
#include "quant.h"

void ie_repack_tiles_q4k(const ie_repacked *r, const uint8_t *src, uint64_t row_bytes, uint64_t t0, uint64_t t1)
{
    const int q5 = r->type == GGML_T_Q5_K;
    const uint64_t bb = q5 ? sizeof(ie_block_q5_k) : sizeof(ie_block_q4_k);
    for (uint64_t t = t0; t < t1; t++)
        for (uint32_t b = 0; b < r->nb; b++) {
            uint8_t *dst = r->data + (t * r->nb + b) * r->tile_block;
            uint16_t d[IE_TILE_ROWS], dmin[IE_TILE_ROWS];
            for (int l = 0; l < IE_TILE_ROWS; l++) {
                const uint8_t *blk = src + (t * IE_TILE_ROWS + (uint64_t)l) * row_bytes + (uint64_t)b * bb;
                const uint8_t *scales = blk + 4, *qh = blk + 16, *qs = blk + (q5 ? 48 : 16);
                for (int g = 0; g < 4; g++)
                    for (int v = 0; v < 8; v++)
                        memcpy(dst + Q4KR_CODES + (8 * g + v) * 64 + 4 * l, qs + 32 * g + 4 * v, 4);
                if (q5)
                    for (int v = 0; v < 8; v++)
                        memcpy(dst + Q4KR_QH + v * 64 + 4 * l, qh + 4 * v, 4);
                for (int s = 0; s < 8; s++) {
                    uint8_t sc, m;
                    ie_scale_min_k4(s, scales, &sc, &m);
                    dst[Q4KR_SCALES(q5) + 16 * s + l] = (uint8_t)(sc | (m >> 4) << 6);
                    uint8_t *lo = &dst[Q4KR_MINS(q5) + 16 * (s / 2) + l];
                    *lo = (uint8_t)(s % 2 ? (*lo & 0x0f) | (m & 0xf) << 4 : (*lo & 0xf0) | (m & 0xf));
                }
                memcpy(&d[l], blk, 2);
                memcpy(&dmin[l], blk + 2, 2);
            }
            memcpy(dst + Q4KR_D(q5), d, sizeof d);
            memcpy(dst + Q4KR_DMIN(q5), dmin, sizeof dmin);
        }
}

void ie_rdot_q4k_portable(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    const int q5 = r->type == GGML_T_Q5_K;
    for (int c = 0; c < ncols; c++) {
        for (int l = 0; l < IE_TILE_ROWS; l++) {
            const ie_block_q8a *x = (const ie_block_q8a *)act[c];
            float acc = 0;
            for (uint32_t b = 0; b < r->nb; b++, x += 8) {
                const uint8_t *blk = r->data + (tile * r->nb + b) * r->tile_block;
                int32_t isum = 0, msum = 0;
                for (int s = 0; s < 8; s++) {
                    int g = s / 2, shift = 4 * (s % 2);
                    int32_t dot = 0;
                    for (int e = 0; e < 32; e++) {
                        size_t at = (size_t)(e / 4) * 64 + 4 * (size_t)l + (size_t)(e % 4);
                        int code = (blk[Q4KR_CODES + (size_t)g * 512 + at] >> shift) & 0xf;
                        if (q5)
                            code |= ((blk[Q4KR_QH + at] >> s) & 1) << 4;
                        dot += code * x[s].q[e];
                    }
                    uint8_t sb = blk[Q4KR_SCALES(q5) + 16 * s + l], mb = blk[Q4KR_MINS(q5) + 16 * (s / 2) + l];
                    int m = ((s % 2 ? mb >> 4 : mb) & 0xf) | (sb >> 6) << 4;
                    isum += dot * (sb & 63);
                    msum += x[s].sum * m;
                }
                uint16_t d, dmin;
                memcpy(&d, blk + Q4KR_D(q5) + 2 * l, 2);
                memcpy(&dmin, blk + Q4KR_DMIN(q5) + 2 * l, 2);
                acc += x->d * (ie_f16_to_f32(d) * (float)isum - ie_f16_to_f32(dmin) * (float)msum);
            }
            out[c * IE_TILE_ROWS + l] = acc;
        }
    }
}
