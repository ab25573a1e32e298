/* Dot products of one quantized weight row with up to IE_MAX_COLS 8-bit
 * activation rows (integer products, float accumulation). A portable C
 * implementation, plus AVX2, AVX2 + AVX-VNNI and AVX-512 VNNI ones picked at
 * run time; all must agree with the portable one
 * (tests/unit/test_engine_kernels.c). */
#ifndef INFRAC_ENGINE_KERNELS_H
#define INFRAC_ENGINE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

#define IE_MAX_COLS 4

/* nb: activation blocks (32 elements each) of the row (for K-quant weights
 * made by ie_quantize_act_k: the SIMD kernels take one scale per 256); a: ncols rows of
 * activations, a_stride blocks apart; out[c] = dot(w, a_c). */
typedef void (*ie_qdot_fn)(size_t nb, const void *w, const ie_block_q8a *a, size_t a_stride,
                           int ncols, float *out);

/* In order of preference; IE_ISA_AVXVNNI is AVX2 with the VEX-encoded
 * vpdpbusd of AVX-VNNI (Alder Lake and later client cores, Zen 5). */
typedef enum ie_isa { IE_ISA_PORTABLE, IE_ISA_AVX2, IE_ISA_AVXVNNI, IE_ISA_AVX512VNNI, IE_ISA_COUNT } ie_isa;

/* The kernel for a weight type and ISA; NULL when the type has no integer
 * kernel (float types go through ie_dot_f32 after decoding). */
ie_qdot_fn ie_qdot_get(uint32_t type, ie_isa isa);
/* The best ISA this CPU supports (INFRAC_ENGINE_ISA=portable|avx2|avxvnni
 * lowers it, for testing and comparisons). */
ie_isa ie_isa_best(void);
const char *ie_isa_name(ie_isa isa);
int ie_isa_available(ie_isa isa);

float ie_dot_f32(const float *a, const float *b, size_t n);

/* Per-ISA tables (kernels_*.c). */
ie_qdot_fn ie_qdot_portable(uint32_t type);
ie_qdot_fn ie_qdot_avx2(uint32_t type);
ie_qdot_fn ie_qdot_avxvnni(uint32_t type);
ie_qdot_fn ie_qdot_avx512vnni(uint32_t type);

#endif
