/* AVX2 + AVX-VNNI integer dot kernels: the AVX2 ones with the VEX-encoded
 * vpdpbusd in place of maddubs/madd. */
#include "kernels.h"

#include "ggml_types.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define KX_TARGET "avx2,fma,f16c,avxvnni"
#define KX_NAME(x) x##_avxvnni

static __attribute__((target(KX_TARGET))) inline __m256i kx_dot_u8s8(__m256i u, __m256i s)
{
    return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), u, s);
}

#include "kernels_x86.inc"

#else
ie_qdot_fn ie_qdot_avxvnni(uint32_t type)
{
    (void)type;
    return NULL;
}
#endif
