/* The repacked Q4_K and Q5_K tile (repack.h): 16 rows, one block per 256-element
 * super-block, laid out so that one vpdpbusd advances all 16 rows by 4
 * elements of two sub-blocks at once and the scales need no unpacking:
 *
 *   codes  2048 bytes: 32 vectors of 64 bytes, vector 8g + v (group g of
 *          64 elements, step v), byte 4l + i = row l's ggml byte
 *          qs[32g + 4v + i]: low nibble element 64g + 4v + i (sub-block
 *          2g), high nibble element 64g + 32 + 4v + i (sub-block 2g + 1).
 *   qh      512 bytes, Q5_K only: 8 vectors of 64 bytes, vector v, byte
 *          4l + i = row l's qh[4v + i], whose bit s is the fifth bit of
 *          element 32s + 4v + i (sub-block s).
 *   scales  128 bytes: byte 16s + l = row l's 6-bit scale of sub-block s,
 *          and in its top 2 bits bits 4-5 of that sub-block's 6-bit min.
 *   mins     64 bytes: byte 16p + l = row l's low 4 bits of the min of
 *          sub-block 2p (low nibble) and 2p + 1 (high nibble).
 *   d, dmin 2 x 16 f16, row l at index l.
 * 2304 bytes (Q5_K 2816): exactly the 16 ggml blocks it replaces, so a
 * repacked model holds the file's size (docs/engine.md, Memory).
 *
 * A row's dot with Q8_K-style activations x (one scale per 256, 8 blocks
 * of 32 with their code sums) is, per super-block,
 *   d * xd * sum_s sc_s * (codes_s . x_s) - dmin * xd * sum_s m_s * sum(x_s),
 * all in int32 up to the two float factors. */
#ifndef INFRAC_ENGINE_REPACK_Q4K_H
#define INFRAC_ENGINE_REPACK_Q4K_H

#include "repack.h"

/* Offsets in a tile block; q5: 1 for Q5_K, 0 for Q4_K. */
#define Q4KR_CODES 0
#define Q4KR_QH 2048
#define Q4KR_SCALES(q5) (2048 + 512 * (q5))
#define Q4KR_MINS(q5) (Q4KR_SCALES(q5) + 128)
#define Q4KR_D(q5) (Q4KR_MINS(q5) + 64)
#define Q4KR_DMIN(q5) (Q4KR_D(q5) + 32)
#define Q4KR_BLOCK(q5) (Q4KR_DMIN(q5) + 32)

void ie_repack_tiles_q4k(const ie_repacked *r, const uint8_t *src, uint64_t row_bytes, uint64_t t0, uint64_t t1);
void ie_rdot_q4k_portable(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out);
/* x86-64 only, and only where ie_isa_available(IE_ISA_AVX512VNNI). */
void ie_rdot_q4k_avx512vnni(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out);

#endif
