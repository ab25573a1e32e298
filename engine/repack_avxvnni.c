/* The tiled kernels for repacked Q4_0, Q8_0, Q4_K, Q5_K and Q6_K (repack.h)
 * on AVX2 + AVX-VNNI (the VEX-encoded vpdpbusd): the template repack_x86.inc. */
#include "repack.h"

#include "ggml_types.h"
#include "kernels.h"
#include "repack_q4k.h"
#include "repack_q6k.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define RX_TARGET "avx2,fma,f16c,avxvnni"
#define RX_VNNI 1
#define RX_ISA IE_ISA_AVXVNNI
#define RX_NAME(x) x##_avxvnni

#include "repack_x86.inc"

#else
ie_rdot_fn ie_rdot_avxvnni(void)
{
    return NULL;
}
#endif
