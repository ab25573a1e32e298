/* Attention over KV cache rows stored as f32, f16 or quantized: the inner
 * loops (q . k, out += w * v, f16 -> f32) with AVX-512 or AVX2 (F16C conversion in
 * registers) and portable versions, and ie_attn_group, which attends a set
 * of query rows sharing one KV head over cache tiles. */
#ifndef INFRAC_ENGINE_ATTN_KERNELS_H
#define INFRAC_ENGINE_ATTN_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

typedef struct ie_attn_kernels {
    float (*dot_f16)(const float *q, const uint16_t *k, size_t n);
    float (*dot_f32)(const float *q, const float *k, size_t n);
    void (*axpy_f16)(float *out, float w, const uint16_t *v, size_t n);
    void (*axpy_f32)(float *out, float w, const float *v, size_t n);
    void (*cvt_f16)(float *out, const uint16_t *v, size_t n);
    /* s[j] = sum over d < n of q[d] * kt[16 d + j], j < 16 (16 cache rows
     * transposed: one multiply-add per element and row, no reduction). */
    void (*dot16_f32)(const float *q, const float *kt, size_t n, float *s);
    /* x[i] = x[i] rounded to the nearest f16 (ties to even), as f32. */
    void (*round_f16)(float *x, size_t n);
} ie_attn_kernels;

/* The kernels for isa (ie_isa_best() in the engine; tests pass each):
 * AVX-512 for IE_ISA_AVX512VNNI, 256-bit AVX2 + FMA + F16C for
 * IE_ISA_AVX2 and IE_ISA_AVXVNNI, portable C otherwise or where the CPU
 * lacks the ISA. */
void ie_attn_kernels_get(ie_attn_kernels *k, ie_isa isa);


/* One KV head's column of a cache: position p's row starts at
 * base + (p % cells) * row_bytes + offset (a ring for sliding layers) and
 * holds dim values of type (GGML_T_*). */
typedef struct ie_attn_cache {
    const uint8_t *base;
    uint64_t row_bytes, offset;
    uint32_t cells, type, dim;
} ie_attn_cache;

/* A query row: it attends positions [first, end) and writes out. */
typedef struct ie_attn_row {
    const float *q;
    float *out;
    uint32_t first, end;
} ie_attn_row;

#define IE_ATTN_MAX_ROWS 32 /* query rows one call takes */
#define IE_ATTN_TILE 64     /* cache positions per tile */
#define IE_ATTN_KT_DIM 256  /* head sizes up to this take the transposed 16-row scores */

/* out = softmax(scale * q . K) V for up to IE_ATTN_MAX_ROWS rows that share
 * the cache k / v (the query heads of one KV head, over one or several
 * tokens). Grouped-query and flash-attention style: the cache is walked
 * once in tiles of IE_ATTN_TILE positions, every K and V row read and
 * converted once for all rows, with an online softmax (running maximum and
 * sum, earlier tiles rescaled), so no row of n_ctx scores is built; an
 * F16 V takes a second walk (weights rounded to F16 from the final maximum
 * and sum, as llama.cpp's product has them). kbuf /
 * vbuf hold k->dim / v->dim floats (a converted row). A row attending
 * nothing gets zeros. */
void ie_attn_group(const ie_attn_kernels *ak, const ie_attn_cache *k, const ie_attn_cache *v,
                   const ie_attn_row *rows, uint32_t n_rows, float scale, float *kbuf, float *vbuf);

#endif
