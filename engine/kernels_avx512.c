/* AVX-512 VNNI integer dot kernels (vpdpbusd on 256-bit vectors, one
 * 32-element block per register). */
#include "kernels.h"

#include "ggml_types.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define KX_TARGET "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni"
#define KX_NAME(x) x##_avx512vnni

static __attribute__((target(KX_TARGET))) inline __m256i kx_dot_u8s8(__m256i u, __m256i s)
{
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
}

#include "kernels_x86.inc"

#else
ie_qdot_fn ie_qdot_avx512vnni(uint32_t type)
{
    (void)type;
    return NULL;
}
#endif
