/* Repacking and the portable reference of the tiled kernel (repack.h).
 *
 * Code layout of one block of a tile, byte index -> (row l, element e):
 *   Q8_0: 8 steps s of 64 bytes; byte s*64 + l*4 + j holds e = 4s + j.
 *   Q4_0: 4 vectors v of 64 bytes; byte v*64 + l*4 + j holds e = 4v + j in
 *         its low nibble and e = 16 + 4v + j in its high nibble. */
#include "repack.h"

#include <math.h>
#include <string.h>

#include "ggml_types.h"
#include "kernels.h"
#include "quant.h"
#include "repack_q4k.h"
#include "repack_q6k.h"

bool ie_repack_possible(uint32_t type, uint64_t rows, uint64_t k)
{
    if (rows % IE_TILE_ROWS)
        return false;
    if (type == GGML_T_Q4_K || type == GGML_T_Q5_K || type == GGML_T_Q6_K)
        return k % IE_QK_K == 0 && k > 0;
    return (type == GGML_T_Q4_0 || type == GGML_T_Q8_0) && k % 32 == 0;
}

ie_act_layout ie_repack_act(uint32_t type)
{
    return type == GGML_T_Q4_K || type == GGML_T_Q5_K ? IE_ACT_K
           : type == GGML_T_Q6_K                      ? IE_ACT_K_HALVES
                                                      : IE_ACT_SPLIT;
}

size_t ie_repack_act_bytes(uint32_t type, size_t k)
{
    return ie_repack_act(type) == IE_ACT_SPLIT ? ie_act_split_bytes(k) : k / IE_QK * sizeof(ie_block_q8a);
}

static uint32_t code_bytes(uint32_t type)
{
    return type == GGML_T_Q4_0 ? 16 * IE_TILE_ROWS : 32 * IE_TILE_ROWS;
}

static uint32_t k_tile_block(uint32_t type)
{
    return type == GGML_T_Q4_K ? Q4KR_BLOCK(0) : type == GGML_T_Q5_K ? Q4KR_BLOCK(1) : Q6KR_BLOCK;
}

uint64_t ie_repack_bytes(uint32_t type, uint64_t rows, uint64_t k)
{
    if (type == GGML_T_Q4_K || type == GGML_T_Q5_K || type == GGML_T_Q6_K)
        return rows / IE_TILE_ROWS * (k / IE_QK_K) * k_tile_block(type);
    return rows / IE_TILE_ROWS * (k / 32) * (code_bytes(type) + 2 * IE_TILE_ROWS);
}

void ie_repack_init(ie_repacked *r, uint8_t *data, uint32_t type, uint64_t k)
{
    r->data = data;
    r->type = type;
    if (type == GGML_T_Q4_K || type == GGML_T_Q5_K || type == GGML_T_Q6_K) {
        r->nb = (uint32_t)(k / IE_QK_K);
        r->tile_block = k_tile_block(type);
        return;
    }
    r->nb = (uint32_t)(k / 32);
    r->tile_block = code_bytes(type) + 2 * IE_TILE_ROWS;
}

void ie_repack_tiles(const ie_repacked *r, const uint8_t *src, uint64_t row_bytes, uint64_t t0, uint64_t t1)
{
    if (r->type == GGML_T_Q4_K || r->type == GGML_T_Q5_K) {
        ie_repack_tiles_q4k(r, src, row_bytes, t0, t1);
        return;
    }
    if (r->type == GGML_T_Q6_K) {
        ie_repack_tiles_q6k(r, src, row_bytes, t0, t1);
        return;
    }
    bool q4 = r->type == GGML_T_Q4_0;
    uint32_t bb = q4 ? 18 : 34;
    for (uint64_t t = t0; t < t1; t++)
        for (uint32_t b = 0; b < r->nb; b++) {
            uint8_t *dst = r->data + (t * r->nb + b) * r->tile_block;
            uint16_t *scales = (uint16_t *)(dst + code_bytes(r->type));
            for (int l = 0; l < IE_TILE_ROWS; l++) {
                const uint8_t *blk = src + (t * IE_TILE_ROWS + (uint64_t)l) * row_bytes + (uint64_t)b * bb;
                memcpy(&scales[l], blk, 2);
                if (q4) {
                    /* A ggml byte already pairs element e (low) with e + 16 (high). */
                    for (int v = 0; v < 4; v++)
                        memcpy(dst + v * 64 + l * 4, blk + 2 + v * 4, 4);
                } else {
                    for (int s = 0; s < 8; s++)
                        for (int j = 0; j < 4; j++)
                            dst[s * 64 + l * 4 + j] = (uint8_t)(blk[2 + s * 4 + j] ^ 0x80); /* q + 128 */
                }
            }
        }
}

void ie_quantize_act_split(const float *x, uint8_t *dst, size_t k)
{
    size_t nb = k / 32;
    int8_t *q = (int8_t *)dst;
    float *d = (float *)(dst + k);
    int32_t *sums = (int32_t *)(d + nb);
    for (size_t i = 0; i < nb; i++, x += 32) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            /* fmaxf's result without its libm call (a NaN is skipped either way). */
            float a = fabsf(x[j]);
            amax = a > amax ? a : amax;
        }
        /* The same integers and scale as ie_quantize_act (ggml's x86 q8_0). */
        float s = ie_f16_to_f32(ie_f32_to_f16(amax / 127.0f)), id = amax > 0 ? 127.0f / amax : 0;
        int32_t sum = 0;
        for (int j = 0; j < 32; j++) {
            int v = ie_round_small(x[j] * id);
            v = v > 127 ? 127 : v < -127 ? -127 : v;
            q[i * 32 + j] = (int8_t)v;
            sum += v;
        }
        d[i] = s;
        sums[i] = sum;
    }
}

ie_rdot_fn ie_rdot_get(ie_isa isa)
{
    switch (isa) {
    case IE_ISA_AVX512VNNI: return ie_rdot_avx512vnni();
    case IE_ISA_AVXVNNI: return ie_rdot_avxvnni();
    case IE_ISA_AVX2: return ie_rdot_avx2();
    default: return NULL;
    }
}

void ie_rdot_portable(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out)
{
    if (r->type == GGML_T_Q4_K || r->type == GGML_T_Q5_K) {
        ie_rdot_q4k_portable(r, tile, act, ncols, out);
        return;
    }
    if (r->type == GGML_T_Q6_K) {
        ie_rdot_q6k_portable(r, tile, act, ncols, out);
        return;
    }
    size_t k = (size_t)r->nb * 32;
    int32_t off = r->type == GGML_T_Q4_0 ? 8 : 128;
    for (int c = 0; c < ncols; c++) {
        const int8_t *a = (const int8_t *)act[c];
        const float *ad = (const float *)(act[c] + k);
        const int32_t *sums = (const int32_t *)(ad + r->nb);
        for (int l = 0; l < IE_TILE_ROWS; l++) {
            float acc = 0;
            for (uint32_t b = 0; b < r->nb; b++) {
                const uint8_t *blk = r->data + (tile * r->nb + b) * r->tile_block;
                const uint16_t *scales = (const uint16_t *)(blk + code_bytes(r->type));
                /* sum (code - off) x a, exact in int32 as llama.cpp's block sums. */
                int32_t s = -off * sums[b];
                for (int e = 0; e < 32; e++) {
                    int code;
                    if (r->type == GGML_T_Q8_0) {
                        code = blk[(e / 4) * 64 + l * 4 + e % 4];
                    } else {
                        uint8_t byte = blk[((e % 16) / 4) * 64 + l * 4 + e % 4];
                        code = e < 16 ? byte & 0xf : byte >> 4;
                    }
                    s += code * a[b * 32 + (uint32_t)e];
                }
                acc += ie_f16_to_f32(scales[l]) * ad[b] * (float)s;
            }
            out[c * IE_TILE_ROWS + l] = acc;
        }
    }
}
