/* Run-time kernel selection and the float dot product. */
#include "kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

const char *ie_isa_name(ie_isa isa)
{
    switch (isa) {
    case IE_ISA_AVX2: return "avx2";
    case IE_ISA_AVXVNNI: return "avxvnni";
    case IE_ISA_AVX512VNNI: return "avx512vnni";
    default: return "portable";
    }
}

#if defined(__x86_64__)
/* CPUID bits that __builtin_cpu_supports does not name in every compiler
 * (clang 14 knows neither "f16c" nor "avxvnni"): F16C is leaf 1 ECX bit 29,
 * AVX-VNNI leaf 7 sub-leaf 1 EAX bit 4. Their registers are the AVX ones,
 * whose OS support the "avx2" check covers. */
static int cpuid_bit(unsigned leaf, unsigned sub, int reg, int bit)
{
    unsigned r[4];
    if (!__get_cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]))
        return 0;
    return (int)(r[reg] >> bit) & 1;
}
#endif

int ie_isa_available(ie_isa isa)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    switch (isa) {
    case IE_ISA_PORTABLE: return 1;
    case IE_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpuid_bit(1, 0, 2, 29);
    case IE_ISA_AVXVNNI: return ie_isa_available(IE_ISA_AVX2) && cpuid_bit(7, 1, 0, 4);
    case IE_ISA_AVX512VNNI:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    default: return 0;
    }
#else
    return isa == IE_ISA_PORTABLE;
#endif
}

ie_isa ie_isa_best(void)
{
    ie_isa cap = IE_ISA_AVX512VNNI;
    const char *env = getenv("INFRAC_ENGINE_ISA");
    if (env) {
        if (strcmp(env, "portable") == 0)
            cap = IE_ISA_PORTABLE;
        else if (strcmp(env, "avx2") == 0)
            cap = IE_ISA_AVX2;
        else if (strcmp(env, "avxvnni") == 0)
            cap = IE_ISA_AVXVNNI;
    }
    for (int i = (int)cap; i > 0; i--)
        if (ie_isa_available((ie_isa)i))
            return (ie_isa)i;
    return IE_ISA_PORTABLE;
}

ie_qdot_fn ie_qdot_get(uint32_t type, ie_isa isa)
{
    ie_qdot_fn f = NULL;
    if (isa == IE_ISA_AVX512VNNI && ie_isa_available(isa))
        f = ie_qdot_avx512vnni(type);
    else if (isa == IE_ISA_AVXVNNI && ie_isa_available(isa))
        f = ie_qdot_avxvnni(type);
    else if (isa == IE_ISA_AVX2 && ie_isa_available(isa))
        f = ie_qdot_avx2(type);
    return f ? f : ie_qdot_portable(type);
}

float ie_dot_f32(const float *a, const float *b, size_t n)
{
    /* Eight partial sums let the compiler vectorize without -ffast-math. */
    float s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            s[j] += a[i + j] * b[i + j];
    for (; i < n; i++)
        s[0] += a[i] * b[i];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}
