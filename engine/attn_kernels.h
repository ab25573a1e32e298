/* Attention inner loops over KV cache rows stored as f32 or f16: q . k and
 * out += w * v, with AVX-512 (F16C conversion in registers) and portable
 * versions. Quantized cache rows are decoded first by the caller. */
#ifndef INFRAC_ENGINE_ATTN_KERNELS_H
#define INFRAC_ENGINE_ATTN_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ie_attn_kernels {
    float (*dot_f16)(const float *q, const uint16_t *k, size_t n);
    float (*dot_f32)(const float *q, const float *k, size_t n);
    void (*axpy_f16)(float *out, float w, const uint16_t *v, size_t n);
    void (*axpy_f32)(float *out, float w, const float *v, size_t n);
} ie_attn_kernels;

/* simd: use AVX-512 when the CPU has it (false: portable, for tests). */
void ie_attn_kernels_get(ie_attn_kernels *k, bool simd);

#endif
