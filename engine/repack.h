/* Q4_0 and Q8_0 weights repacked at load for the AVX-512 VNNI kernels:
 * pairs of blocks as one 64-byte vector of unsigned codes (value = code -
 * offset: 8 for Q4_0, 128 for Q8_0) and the f16 scales in their own array,
 * in anonymous (huge-page) memory. Activations for these kernels are
 * "split rows": K int8 codes, then K/32 float scales, then K/32 floats
 * scale x code sum (ie_act_split). */
#ifndef INFRAC_ENGINE_REPACK_H
#define INFRAC_ENGINE_REPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ie_repacked {
    uint8_t *q;      /* rows x (nb x code bytes per block) */
    uint16_t *d;     /* rows x nb f16 scales */
    uint32_t type;   /* GGML_T_Q4_0 or GGML_T_Q8_0 */
    uint32_t nb;     /* blocks per row (even) */
    uint64_t q_row;  /* bytes of codes per row */
} ie_repacked;

/* Bytes of one split activation row of k elements. */
static inline size_t ie_act_split_bytes(size_t k)
{
    return k + (k / 32) * 8;
}
void ie_quantize_act_split(const float *x, uint8_t *dst, size_t k);

/* True when rows of k columns of this type can be repacked. */
bool ie_repack_possible(uint32_t type, uint64_t k);
/* Bytes the repacked copy of rows x k needs. */
uint64_t ie_repack_bytes(uint32_t type, uint64_t rows, uint64_t k);
/* Repacks rows [r0, r1) from ggml blocks into r (whose buffers are sized
 * by ie_repack_bytes). */
void ie_repack_rows(ie_repacked *r, const uint8_t *src, uint64_t row_bytes, uint64_t r0, uint64_t r1);

/* out[c] = row . activation c, for ncols split activation rows (act[c]).
 * Portable and AVX-512 VNNI versions. */
typedef void (*ie_rdot_fn)(const ie_repacked *r, uint64_t row, const uint8_t *const *act, int ncols, float *out);
void ie_rdot_portable(const ie_repacked *r, uint64_t row, const uint8_t *const *act, int ncols, float *out);
ie_rdot_fn ie_rdot_avx512vnni(void); /* NULL when not built for x86-64 */

#endif
