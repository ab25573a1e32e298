/* ggml tensor and KV-cache element types: ids as stored in GGUF files,
 * names as llama.cpp spells them, and block geometry. */
#ifndef INFRAC_GGML_TYPES_H
#define INFRAC_GGML_TYPES_H

#include <stdbool.h>
#include <stdint.h>

enum ggml_type_id {
    GGML_T_F32 = 0,
    GGML_T_F16 = 1,
    GGML_T_Q4_0 = 2,
    GGML_T_Q4_1 = 3,
    GGML_T_Q5_0 = 6,
    GGML_T_Q5_1 = 7,
    GGML_T_Q8_0 = 8,
    GGML_T_Q8_1 = 9,
    GGML_T_Q2_K = 10,
    GGML_T_Q3_K = 11,
    GGML_T_Q4_K = 12,
    GGML_T_Q5_K = 13,
    GGML_T_Q6_K = 14,
    GGML_T_Q8_K = 15,
    GGML_T_IQ2_XXS = 16,
    GGML_T_IQ2_XS = 17,
    GGML_T_IQ3_XXS = 18,
    GGML_T_IQ1_S = 19,
    GGML_T_IQ4_NL = 20,
    GGML_T_IQ3_S = 21,
    GGML_T_IQ2_S = 22,
    GGML_T_IQ4_XS = 23,
    GGML_T_I8 = 24,
    GGML_T_I16 = 25,
    GGML_T_I32 = 26,
    GGML_T_I64 = 27,
    GGML_T_F64 = 28,
    GGML_T_IQ1_M = 29,
    GGML_T_BF16 = 30,
    GGML_T_TQ1_0 = 34,
    GGML_T_TQ2_0 = 35,
    GGML_T_MXFP4 = 39,
    GGML_T_COUNT = 40
};

typedef struct ggml_type_info {
    const char *name;       /* "q4_0", as llama.cpp's -ctk and tools print it */
    uint32_t block_elems;   /* elements per block; 0 = unknown type id */
    uint32_t block_bytes;   /* bytes per block */
} ggml_type_info;

/* NULL for an id that is not a known ggml type. */
const ggml_type_info *ggml_type_get(uint32_t type_id);
/* Case-insensitive lookup by name ("Q8_0", "f16"); -1 when unknown. */
int ggml_type_from_name(const char *name);
/* Bytes of a row of n elements; false when n is not a whole number of
 * blocks or the type is unknown. */
bool ggml_row_bytes(uint32_t type_id, uint64_t n, uint64_t *bytes);

#endif
