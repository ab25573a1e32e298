#include "attn_kernels.h"

#include "kernels.h"
#include "quant.h"

static float dot_f16_c(const float *q, const uint16_t *k, size_t n)
{
    float s = 0;
    for (size_t i = 0; i < n; i++)
        s += q[i] * ie_f16_to_f32(k[i]);
    return s;
}

static float dot_f32_c(const float *q, const float *k, size_t n)
{
    return ie_dot_f32(q, k, n);
}

static void axpy_f16_c(float *out, float w, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] += w * ie_f16_to_f32(v[i]);
}

static void axpy_f32_c(float *out, float w, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] += w * v[i];
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c,avx512f")))

TGT static float dot_f16_512(const float *q, const uint16_t *k, size_t n)
{
    __m512 acc = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(k + i))), acc);
    float s = _mm512_reduce_add_ps(acc);
    for (; i < n; i++)
        s += q[i] * ie_f16_to_f32(k[i]);
    return s;
}

TGT static float dot_f32_512(const float *q, const float *k, size_t n)
{
    __m512 acc = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), _mm512_loadu_ps(k + i), acc);
    float s = _mm512_reduce_add_ps(acc);
    for (; i < n; i++)
        s += q[i] * k[i];
    return s;
}

TGT static void axpy_f16_512(float *out, float w, const uint16_t *v, size_t n)
{
    __m512 wv = _mm512_set1_ps(w);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, _mm512_fmadd_ps(wv, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v + i))),
                                                  _mm512_loadu_ps(out + i)));
    for (; i < n; i++)
        out[i] += w * ie_f16_to_f32(v[i]);
}

TGT static void axpy_f32_512(float *out, float w, const float *v, size_t n)
{
    __m512 wv = _mm512_set1_ps(w);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, _mm512_fmadd_ps(wv, _mm512_loadu_ps(v + i), _mm512_loadu_ps(out + i)));
    for (; i < n; i++)
        out[i] += w * v[i];
}

static bool have_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("fma") &&
           ie_isa_best() == IE_ISA_AVX512VNNI;
}
#endif

void ie_attn_kernels_get(ie_attn_kernels *k, bool simd)
{
    *k = (ie_attn_kernels){dot_f16_c, dot_f32_c, axpy_f16_c, axpy_f32_c};
#if defined(__x86_64__)
    if (simd && have_avx512())
        *k = (ie_attn_kernels){dot_f16_512, dot_f32_512, axpy_f16_512, axpy_f32_512};
#else
    (void)simd;
#endif
}
