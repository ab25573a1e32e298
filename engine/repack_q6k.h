/* The repacked Q6_K tile (repack.h): 16 rows, one block per 256-element
 * super-block, the same bytes as the ggml blocks in an order where one
 * vpdpbusd advances all 16 rows by 4 elements:
 *
 *   low nibbles 2048 bytes: vector 8g + v (g = 0..3, step v), byte 4l + i =
 *          row l's ql[32g + 4v + i]; with n = g / 2, h = g % 2, its low
 *          nibble is element 128n + 32h + 4v + i (32-block 4n + h), its high
 *          nibble element 128n + 64 + 32h + 4v + i (32-block 4n + h + 2).
 *   high bits 1024 bytes: vector 8n + v, byte 4l + i = row l's
 *          qh[32n + 4v + i]; bits 2j, 2j + 1 belong to 32-block 4n + j.
 *   scales  256 bytes: byte 16h + l = row l's int8 scale of 16-element
 *          half h (0..15).
 *   d       16 f16, row l at index l.
 *
 * Codes are taken unsigned (q + 32); the activations (IE_ACT_K_HALVES:
 * ie_quantize_act_k blocks whose sum holds the two 16-element half sums)
 * supply 32 x half sum, subtracted before each half's scale. */
#ifndef INFRAC_ENGINE_REPACK_Q6K_H
#define INFRAC_ENGINE_REPACK_Q6K_H

#include "repack.h"

#define Q6KR_LOW 0
#define Q6KR_HIGH 2048
#define Q6KR_SCALES 3072
#define Q6KR_D 3328
#define Q6KR_BLOCK 3360

void ie_repack_tiles_q6k(const ie_repacked *r, const uint8_t *src, uint64_t row_bytes, uint64_t t0, uint64_t t1);
void ie_rdot_q6k_portable(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out);
/* x86-64 only, and only where ie_isa_available(IE_ISA_AVX512VNNI). */
void ie_rdot_q6k_avx512vnni(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out);

#endif
