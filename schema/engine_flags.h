/* The engine flags infrac writes itself, in one table: the argv builder
 * (targets/engine_argv.c) takes its spellings from here, and the lowering
 * refuses the same flags in extra_args (E0212), naming the fleet key that
 * sets them. A flag added to the builder is refused in extra_args at once.
 * infrac-engine's rows name a flag of its own table (common/infrac_engine_flags.h),
 * the one its parsers read, instead of spelling it again. */
#ifndef INFRAC_ENGINE_FLAGS_H
#define INFRAC_ENGINE_FLAGS_H

#include <stdbool.h>

typedef enum ef_id {
    EF_MODEL, EF_HOST, EF_PORT, EF_FIT, EF_GPU_LAYERS, EF_TENSOR_SPLIT, EF_CONTEXT, EF_PARALLEL,
    EF_KV_UNIFIED, EF_CACHE_K, EF_CACHE_V, EF_CACHE_KV, EF_FLASH_ATTN, EF_BATCH, EF_UBATCH, EF_THREADS,
    EF_API_KEY_FILE, EF_API_KEY, EF_METRICS, EF_ALIAS, EF_LOAD_MODE, EF_CPU_MOE, EF_SWA_FULL,
    EF_CACHE_RAM, EF_CHAT_TEMPLATE, EF_GPU_MEM_UTIL, EF_MAX_NUM_SEQS, EF_MAX_BATCHED, EF_CONFIG,
    EF_SPEC_CONFIG, EF_SPEC_DRAFT_MODEL, EF_SPEC_DRAFT_DEVICE, EF_SPEC_DRAFT_NGL, EF_SPEC_DRAFT_TYPE_K,
    EF_SPEC_DRAFT_TYPE_V, EF_SPEC_TYPE, EF_SPEC_DRAFT_N_MAX, EF_SPEC_DRAFT_N_MIN, EF_CPU_MASK, EF_NUMA,
    EF_ALLOW_HOST, EF_EMBEDDING,
    EF_CORS_ORIGIN,
    EF_COUNT
} ef_id;

typedef struct engine_flag {
    unsigned engines;          /* FS_LLAMACPP | FS_VLLM | FS_INFRAC */
    ef_id id;
    const char *spellings[5];  /* the first is what the builder writes; NULL-terminated; none on infrac's rows */
    const char *key;           /* the fleet key to set instead */
    int infrac_flag;           /* infrac's rows: an ie_flag_id, long then short name as spellings */
} engine_flag;

/* The spelling the builder writes for id on engine (an engine_kind). */
const char *ef_spelling(int engine, ef_id id);

/* The table entry an extra_args word shadows on engine ("--host",
 * "--host=0.0.0.0", vLLM's "--max_model_len"), or NULL. */
const engine_flag *ef_shadowed(int engine, const char *arg);

#endif
