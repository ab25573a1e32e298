/* Q4_0, Q8_0, Q4_K, Q5_K and Q6_K weights repacked at load for the tiled
 * kernels (AVX-512 VNNI; AVX2, with or without AVX-VNNI, on the same tiles):
 * tiles of 16 rows, where for each 32-element block the codes are laid out
 * so that one vpdpbusd advances 16 rows by 4 elements (lane l = row l), and
 * the 16 rows' f16 scales follow. Codes are unsigned (value = code -
 * offset: 8 for Q4_0, 128 for Q8_0). Same bytes as the ggml blocks, in
 * anonymous (huge-page) memory. Activations for these kernels are "split
 * rows": K int8 codes, K/32 float scales, K/32 int32 code sums (for the
 * offset: the block sum of (code - offset) x activation is exact in int32).
 * Q4_K and Q6_K tiles (repack_q4k.h, repack_q6k.h) hold one block per
 * 256-element super-block and take Q8_K-style blocks as activations. */
#ifndef INFRAC_ENGINE_REPACK_H
#define INFRAC_ENGINE_REPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

#define IE_TILE_ROWS 16
/* Tokens one ie_rdot_fn call takes: the Q4_0 / Q8_0 kernels unpack a
 * block's codes once for all of them (the K-quant ones, IE_MAX_COLS at a
 * time, are called in turn). */
#define IE_RDOT_COLS 8

typedef struct ie_repacked {
    uint8_t *data;       /* tiles x nb x tile_block bytes */
    uint32_t type;       /* GGML_T_Q4_0, GGML_T_Q8_0, GGML_T_Q4_K or GGML_T_Q6_K */
    uint32_t nb;         /* blocks per row (of 32 elements; of 256 for Q4_K, Q6_K) */
    uint32_t tile_block; /* bytes of one block of one tile: codes then 16 f16 scales (K-quants: repack_q4k.h, repack_q6k.h) */
} ie_repacked;

static inline size_t ie_act_split_bytes(size_t k)
{
    return k + (k / 32) * 8;
}
void ie_quantize_act_split(const float *x, uint8_t *dst, size_t k);

/* Activation layouts: 32-blocks (ie_quantize_act) and Q8_K-style blocks
 * (ie_quantize_act_k) for the row kernels (kernels.h); a repacked matrix
 * takes split rows (ie_quantize_act_split: Q4_0, Q8_0), ie_quantize_act_k
 * blocks (Q4_K), or those with half sums (ie_quantize_act_k_halves: Q6_K). */
typedef enum ie_act_layout { IE_ACT_32, IE_ACT_K, IE_ACT_K_HALVES, IE_ACT_SPLIT } ie_act_layout;
ie_act_layout ie_repack_act(uint32_t type);
/* Bytes of one token's activations for a repacked matrix of k columns. */
size_t ie_repack_act_bytes(uint32_t type, size_t k);

/* True when a rows x k matrix of this type can be repacked. */
bool ie_repack_possible(uint32_t type, uint64_t rows, uint64_t k);
uint64_t ie_repack_bytes(uint32_t type, uint64_t rows, uint64_t k);
/* Repacks the row tiles [t0, t1) of src (ggml rows of row_bytes) into r,
 * whose data holds ie_repack_bytes. */
void ie_repack_init(ie_repacked *r, uint8_t *data, uint32_t type, uint64_t k);
void ie_repack_tiles(const ie_repacked *r, const uint8_t *src, uint64_t row_bytes, uint64_t t0, uint64_t t1);

/* out[c * IE_TILE_ROWS + l] = row (16 * tile + l) . activation c, for
 * ncols (<= IE_RDOT_COLS) activation rows (split rows, or Q8_K-style blocks
 * for Q4_K). */
typedef void (*ie_rdot_fn)(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out);
void ie_rdot_portable(const ie_repacked *r, uint64_t tile, const uint8_t *const *act, int ncols, float *out);
ie_rdot_fn ie_rdot_avx512vnni(void); /* NULL when the CPU lacks it */
ie_rdot_fn ie_rdot_avxvnni(void);    /* repack_avxvnni.c: AVX2 + AVX-VNNI, or NULL */
ie_rdot_fn ie_rdot_avx2(void);       /* repack_avx2.c: AVX2 + FMA + F16C, or NULL */
/* The SIMD tiled kernel of an ISA (NULL for IE_ISA_PORTABLE or one this
 * CPU lacks: then ie_rdot_portable). */
ie_rdot_fn ie_rdot_get(ie_isa isa);

#endif
