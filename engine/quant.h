/* Weight and KV-cache block formats (the block layouts of ggml/src/ggml-common.h in llama.cpp), half/bfloat
 * conversion, dequantizers and quantizers, and the 8-bit activation blocks
 * the integer dot-product kernels consume. */
#ifndef INFRAC_ENGINE_QUANT_H
#define INFRAC_ENGINE_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IE_QK 32    /* elements of a Q4_0 / Q8_0 block */
#define IE_QK_K 256 /* elements of a K-quant super-block */

typedef struct { uint16_t d; uint8_t qs[16]; } ie_block_q4_0;
typedef struct { uint16_t d; int8_t qs[32]; } ie_block_q8_0;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } ie_block_q4_k;
typedef struct { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } ie_block_q5_k;
typedef struct { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } ie_block_q6_k;

/* An activation block: 32 values as d * q[i]; sum = sum of q[i]. */
typedef struct { float d; int32_t sum; int8_t q[32]; } ie_block_q8a;

_Static_assert(sizeof(ie_block_q4_0) == 18, "q4_0 layout");
_Static_assert(sizeof(ie_block_q8_0) == 34, "q8_0 layout");
_Static_assert(sizeof(ie_block_q4_k) == 144, "q4_k layout");
_Static_assert(sizeof(ie_block_q5_k) == 176, "q5_k layout");
_Static_assert(sizeof(ie_block_q6_k) == 210, "q6_k layout");
_Static_assert(sizeof(ie_block_q8a) == 40, "activation block (engine_memory.c)");

/* Filled before main by a constructor in quant.c. */
extern float ie_f16_table[65536];
static inline float ie_f16_to_f32(uint16_t h)
{
    return ie_f16_table[h];
}
uint16_t ie_f32_to_f16(float f);
float ie_bf16_to_f32(uint16_t h);
uint16_t ie_f32_to_bf16(float f);

/* True for the weight types the engine computes with. */
bool ie_type_supported_weight(uint32_t type);
/* True for the KV cache types: f32, f16, q8_0, q4_0. */
bool ie_type_supported_cache(uint32_t type);

/* n elements (a whole number of blocks) of type from src to floats. */
void ie_dequantize_row(uint32_t type, const void *src, float *dst, size_t n);
/* floats to type (f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k); false for
 * another type or n not a whole number of blocks. */
bool ie_quantize_row(uint32_t type, const float *src, void *dst, size_t n);

/* The 6-bit scale and min of sub-block j (0..7) from a Q4_K / Q5_K
 * super-block's 12 packed scale bytes q. */
void ie_scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *m);

/* lrintf's round-half-to-even for |v| < 2^22 without a library call:
 * adding 1.5 * 2^23 leaves the rounded integer in the low mantissa bits.
 * The activation quantizers run it on every element of every product. */
static inline int ie_round_small(float v)
{
    float f = v + 12582912.0f;
    int32_t i;
    memcpy(&i, &f, 4);
    return (i & 0x007fffff) - 0x00400000;
}

/* n (multiple of 32) floats to activation blocks. */
void ie_quantize_act(const float *x, ie_block_q8a *dst, size_t n);
/* The same for K-quant weights: one scale per 256 values (n % 256 == 0). */
void ie_quantize_act_k(const float *x, ie_block_q8a *dst, size_t n);
/* ie_quantize_act_k with each block's sum holding its two 16-element half
 * sums as int16 (first half in the low bits), for the repacked Q6_K kernel
 * whose scales are per 16 values. */
void ie_quantize_act_k_halves(const float *x, ie_block_q8a *dst, size_t n);
static inline int32_t ie_act_half_sum(const ie_block_q8a *b, int half)
{
    uint32_t s = (uint32_t)b->sum;
    return (int16_t)(uint16_t)(half ? s >> 16 : s & 0xffff);
}

#endif
