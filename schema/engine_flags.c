/* The engine flags infrac writes (see engine_flags.h). Spellings:
 * llama.cpp common/arg.cpp, vLLM engine/arg_utils.py, ours common/infrac_engine_flags.c. */
#include "engine_flags.h"

#include <stddef.h>
#include <string.h>

#include "infrac_engine_flags.h"
#include "fleet_schema.h"

#define LC FS_LLAMACPP
#define VL FS_VLLM
#define IN FS_INFRAC
#define NFLAGS (sizeof flags / sizeof flags[0])

static const engine_flag flags[] = {
    {LC, EF_MODEL, {"-m", "--model"}, "model", 0},
    {LC | VL, EF_HOST, {"--host"}, "bind", 0},
    {LC | VL, EF_PORT, {"--port"}, "port", 0},
    {LC, EF_FIT, {"--fit"}, "gpu_layers and context", 0},
    {LC, EF_GPU_LAYERS, {"-ngl", "--n-gpu-layers", "--gpu-layers"}, "gpu_layers", 0},
    {LC, EF_TENSOR_SPLIT, {"-ts", "--tensor-split"}, "tensor_split", 0},
    {VL, EF_TENSOR_SPLIT, {"-tp", "--tensor-parallel-size"}, "gpus", 0},
    {LC, EF_CONTEXT, {"-c", "--ctx-size"}, "context", 0},
    {VL, EF_CONTEXT, {"--max-model-len"}, "context", 0},
    {LC, EF_PARALLEL, {"-np", "--parallel"}, "parallel", 0},
    {VL, EF_MAX_NUM_SEQS, {"--max-num-seqs"}, "max_num_seqs", 0},
    {LC, EF_KV_UNIFIED, {"-kvu", "--kv-unified"}, "kv_unified", 0},
    {LC, EF_CACHE_K, {"-ctk", "--cache-type-k"}, "cache", 0},
    {LC, EF_CACHE_V, {"-ctv", "--cache-type-v"}, "cache", 0},
    {VL, EF_CACHE_KV, {"--kv-cache-dtype"}, "cache", 0},
    {LC, EF_FLASH_ATTN, {"-fa", "--flash-attn"}, "flash_attention", 0},
    {LC, EF_BATCH, {"-b", "--batch-size"}, "batch", 0},
    {LC, EF_UBATCH, {"-ub", "--ubatch-size"}, "ubatch", 0},
    {LC, EF_THREADS, {"-t", "--threads"}, "threads", 0},
    {LC, EF_CPU_MASK, {"-C", "--cpu-mask", "-Cr", "--cpu-range"}, "cpu_affinity", 0},
    {LC, EF_NUMA, {"--numa"}, "numa", 0},
    {LC, EF_API_KEY_FILE, {"--api-key-file"}, "api_key_file", 0},
    {LC | VL, EF_API_KEY, {"--api-key"}, "api_key_file", 0},
    {LC, EF_METRICS, {"--metrics"}, "metrics", 0},
    {LC, EF_ALIAS, {"-a", "--alias"}, "alias", 0},
    {VL, EF_ALIAS, {"--served-model-name"}, "alias", 0},
    {LC, EF_LOAD_MODE, {"-lm"}, "load_mode", 0},
    {LC, EF_CPU_MOE, {"--n-cpu-moe", "-ncmoe"}, "cpu_moe_layers", 0},
    {LC, EF_SWA_FULL, {"--swa-full"}, "swa_full", 0},
    {LC, EF_EMBEDDING, {"--embedding", "--embeddings"}, "embeddings", 0},
    {LC, EF_CACHE_RAM, {"--cache-ram", "-cram"}, "cache_ram", 0},
    {LC, EF_CHAT_TEMPLATE, {"--chat-template"}, "chat_template", 0},
    {VL, EF_GPU_MEM_UTIL, {"--gpu-memory-utilization"}, "gpu_memory_utilization", 0},
    {VL, EF_MAX_BATCHED, {"--max-num-batched-tokens"}, "max_num_batched_tokens", 0},
    {VL, EF_SPEC_CONFIG, {"--speculative-config"}, "draft, spec_type and spec_draft_n_max", 0},
    /* the draft model and speculative settings: a draft given in extra_args
     * would run uncounted, so these are the fleet keys' alone */
    {LC, EF_SPEC_DRAFT_MODEL, {"--spec-draft-model", "-md", "--model-draft"}, "draft", 0},
    {LC, EF_SPEC_DRAFT_DEVICE, {"--spec-draft-device", "-devd", "--device-draft"}, "draft_gpu", 0},
    {LC, EF_SPEC_DRAFT_NGL, {"--spec-draft-ngl", "-ngld", "--gpu-layers-draft", "--n-gpu-layers-draft"},
     "draft_gpu_layers", 0},
    {LC, EF_SPEC_DRAFT_TYPE_K, {"--spec-draft-type-k", "-ctkd", "--cache-type-k-draft"}, "draft_cache", 0},
    {LC, EF_SPEC_DRAFT_TYPE_V, {"--spec-draft-type-v", "-ctvd", "--cache-type-v-draft"}, "draft_cache", 0},
    {LC, EF_SPEC_TYPE, {"--spec-type"}, "spec_type", 0},
    {LC, EF_SPEC_DRAFT_N_MAX, {"--spec-draft-n-max"}, "spec_draft_n_max", 0},
    {LC, EF_SPEC_DRAFT_N_MIN, {"--spec-draft-n-min"}, "spec_draft_n_min", 0},
    /* infrac-engine: the builder writes only --config; the rest shadow keys */
    {IN, EF_CONFIG, {NULL}, "the service's own options", IEF_CONFIG},
    {IN, EF_MODEL, {NULL}, "model", IEF_MODEL},
    {IN, EF_HOST, {NULL}, "bind", IEF_HOST},
    {IN, EF_PORT, {NULL}, "port", IEF_PORT},
    {IN, EF_CONTEXT, {NULL}, "context", IEF_CONTEXT},
    {IN, EF_PARALLEL, {NULL}, "parallel", IEF_PARALLEL},
    {IN, EF_CACHE_K, {NULL}, "cache", IEF_CACHE_K},
    {IN, EF_CACHE_V, {NULL}, "cache", IEF_CACHE_V},
    {IN, EF_BATCH, {NULL}, "batch", IEF_BATCH},
    {IN, EF_THREADS, {NULL}, "threads", IEF_THREADS},
    {IN, EF_API_KEY_FILE, {NULL}, "api_key_file", IEF_API_KEY_FILE},
    {IN, EF_METRICS, {NULL}, "metrics", IEF_METRICS},
    {IN, EF_METRICS, {NULL}, "metrics", IEF_NO_METRICS},
    {IN, EF_ALIAS, {NULL}, "alias", IEF_ALIAS},
    {IN, EF_CHAT_TEMPLATE, {NULL}, "chat_template", IEF_CHAT_TEMPLATE},
    {IN, EF_ALLOW_HOST, {NULL}, "allow_hosts", IEF_ALLOW_HOST},
    {IN, EF_CORS_ORIGIN, {NULL}, "cors_origins", IEF_CORS_ORIGIN},
};

/* A row's s-th spelling: its own, or on infrac's rows the engine table's
 * long name then short name. */
static const char *spelling(const engine_flag *f, int s)
{
    if (f->engines != IN)
        return s < 5 ? f->spellings[s] : NULL;
    const ie_flag *e = ie_flag_get((ie_flag_id)f->infrac_flag);
    return s == 0 ? e->long_name : s == 1 ? e->short_name : NULL;
}

const char *ef_spelling(int engine, ef_id id)
{
    for (size_t i = 0; i < NFLAGS; i++)
        if ((flags[i].engines & (1u << engine)) && flags[i].id == id)
            return spelling(&flags[i], 0);
    return NULL;
}

/* vLLM's parser reads `_` in a long flag as `-` (FlexibleArgumentParser). */
static bool same_flag(const char *spelling, const char *arg, size_t n, bool underscores)
{
    if (strlen(spelling) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = arg[i];
        if (underscores && c == '_' && i > 1)
            c = '-';
        if (c != spelling[i])
            return false;
    }
    return true;
}

const engine_flag *ef_shadowed(int engine, const char *arg)
{
    if (!arg || arg[0] != '-')
        return NULL;
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    bool underscores = (1u << engine) == FS_VLLM && arg[1] == '-';
    for (size_t i = 0; i < NFLAGS; i++) {
        if (!(flags[i].engines & (1u << engine)))
            continue;
        for (int s = 0; spelling(&flags[i], s); s++)
            if (same_flag(spelling(&flags[i], s), arg, n, underscores))
                return &flags[i];
    }
    return NULL;
}
