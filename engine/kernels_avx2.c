/* AVX2 + FMA integer dot kernels (maddubs/madd). */
#include "kernels.h"

#include "ggml_types.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define KX_TARGET "avx2,fma,f16c"
#define KX_NAME(x) x##_avx2

static __attribute__((target(KX_TARGET))) inline __m256i kx_dot_u8s8(__m256i u, __m256i s)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

#include "kernels_x86.inc"

#else
ie_qdot_fn ie_qdot_avx2(uint32_t type)
{
    (void)type;
    return NULL;
}
#endif
