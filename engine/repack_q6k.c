/* Repacking Q6_K into 16-row tiles and the portable tiled kernel
 * (repack_q6k.h). Block format: ggml/src/ggml-common.h (block_q6_K). */
#include "repack_q6k.h"

#include <string.h>

#include "kernels.h"
#include "quant.h"

void ie_repack_tiles_q6k(const ie_repacked *r, const uint8_t *src, uint64_t row_bytes, uint64_t t0, uint64_t t1)
{
    for (uint64_t t = t0; t < t1; t++)
        for (uint32_t b = 0; b < r->nb; b++) {
            uint8_t *dst = r->data + (t * r->nb + b) * r->tile_block;
            uint16_t d[IE_TILE_ROWS];
            for (int l = 0; l < IE_TILE_ROWS; l++) {
                const ie_block_q6_k *blk =
                    (const ie_block_q6_k *)(src + (t * IE_TILE_ROWS + (uint64_t)l) * row_bytes) + b;
                for (int g = 0; g < 4; g++)
                    for (int v = 0; v < 8; v++)
                        memcpy(dst + Q6KR_LOW + (8 * g + v) * 64 + 4 * l, blk->ql + 32 * g + 4 * v, 4);
                for (int n = 0; n < 2; n++)
                    for (int v = 0; v < 8; v++)
                        memcpy(dst + Q6KR_HIGH + (8 * n + v) * 64 + 4 * l, blk->qh + 32 * n + 4 * v, 4);
                for (int h = 0; h < 16; h++)
                    dst[Q6KR_SCALES + 16 * h + l] = (uint8_t)blk->scales[h];
                memcpy(&d[l], &blk->d, 2);
            }
            memcpy(dst + Q6KR_D, d, sizeof d);
        }
}

/* The unsigned 6-bit code of element e (0..255) of row l in a tile block. */
static int code_at(const uint8_t *blk, int l, int e)
{
    int n = e / 128, j = (e % 128) / 32, i = e % 32; /* 32-block 4n + j */
    int g = 2 * n + j % 2;
    uint8_t lo = blk[Q6KR_LOW + (8 * g + i / 4) * 64 + 4 * l + i % 4];
    uint8_t hi = blk[Q6KR_HIGH + (8 * n + i / 4) * 64 + 4 * l + i % 4];
    return ((j < 2 ? lo : lo >> 4) & 0xf) | (((hi >> (2 * j)) & 3) << 4);
}

void ie_rdot_q6k_portable(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    for (int c = 0; c < ncols; c++) {
        for (int l = 0; l < IE_TILE_ROWS; l++) {
            const ie_block_q8a *x = (const ie_block_q8a *)act[c];
            float acc = 0;
            for (uint32_t b = 0; b < r->nb; b++, x += 8) {
                const uint8_t *blk = r->data + (tile * r->nb + b) * r->tile_block;
                int32_t isum = 0;
                for (int h = 0; h < 16; h++) {
                    const ie_block_q8a *xs = &x[h / 2];
                    int32_t dot = 0;
                    for (int i = 0; i < 16; i++)
                        dot += code_at(blk, l, 16 * h + i) * xs->q[16 * (h % 2) + i];
                    dot -= 32 * ie_act_half_sum(xs, h % 2);
                    isum += dot * (int8_t)blk[Q6KR_SCALES + 16 * h + l];
                }
                uint16_t d;
                memcpy(&d, blk + Q6KR_D + 2 * l, 2);
                acc += x->d * ie_f16_to_f32(d) * (float)isum;
            }
            out[c * IE_TILE_ROWS + l] = acc;
        }
    }
}
