#include "ggml_types.h"

#include <stddef.h>
#include <strings.h>

/* Block geometry from ggml-common.h (see docs/vram.md). */
static const ggml_type_info types[GGML_T_COUNT] = {
    [GGML_T_F32] = {"f32", 1, 4},
    [GGML_T_F16] = {"f16", 1, 2},
    [GGML_T_Q4_0] = {"q4_0", 32, 18},
    [GGML_T_Q4_1] = {"q4_1", 32, 20},
    [GGML_T_Q5_0] = {"q5_0", 32, 22},
    [GGML_T_Q5_1] = {"q5_1", 32, 24},
    [GGML_T_Q8_0] = {"q8_0", 32, 34},
    [GGML_T_Q8_1] = {"q8_1", 32, 36},
    [GGML_T_Q2_K] = {"q2_k", 256, 84},
    [GGML_T_Q3_K] = {"q3_k", 256, 110},
    [GGML_T_Q4_K] = {"q4_k", 256, 144},
    [GGML_T_Q5_K] = {"q5_k", 256, 176},
    [GGML_T_Q6_K] = {"q6_k", 256, 210},
    [GGML_T_Q8_K] = {"q8_k", 256, 292},
    [GGML_T_IQ2_XXS] = {"iq2_xxs", 256, 66},
    [GGML_T_IQ2_XS] = {"iq2_xs", 256, 74},
    [GGML_T_IQ3_XXS] = {"iq3_xxs", 256, 98},
    [GGML_T_IQ1_S] = {"iq1_s", 256, 50},
    [GGML_T_IQ4_NL] = {"iq4_nl", 32, 18},
    [GGML_T_IQ3_S] = {"iq3_s", 256, 110},
    [GGML_T_IQ2_S] = {"iq2_s", 256, 82},
    [GGML_T_IQ4_XS] = {"iq4_xs", 256, 136},
    [GGML_T_I8] = {"i8", 1, 1},
    [GGML_T_I16] = {"i16", 1, 2},
    [GGML_T_I32] = {"i32", 1, 4},
    [GGML_T_I64] = {"i64", 1, 8},
    [GGML_T_F64] = {"f64", 1, 8},
    [GGML_T_IQ1_M] = {"iq1_m", 256, 56},
    [GGML_T_BF16] = {"bf16", 1, 2},
    [GGML_T_TQ1_0] = {"tq1_0", 256, 54},
    [GGML_T_TQ2_0] = {"tq2_0", 256, 66},
    [GGML_T_MXFP4] = {"mxfp4", 32, 17},
};

const ggml_type_info *ggml_type_get(uint32_t type_id)
{
    if (type_id >= GGML_T_COUNT || types[type_id].block_elems == 0)
        return NULL;
    return &types[type_id];
}

int ggml_type_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < GGML_T_COUNT; i++)
        if (types[i].name && strcasecmp(types[i].name, name) == 0)
            return i;
    return -1;
}

bool ggml_row_bytes(uint32_t type_id, uint64_t n, uint64_t *bytes)
{
    const ggml_type_info *t = ggml_type_get(type_id);
    if (!t || n % t->block_elems != 0)
        return false;
    uint64_t blocks = n / t->block_elems;
    if (blocks > UINT64_MAX / t->block_bytes)
        return false;
    *bytes = blocks * t->block_bytes;
    return true;
}
