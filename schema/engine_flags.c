/* The engine flags infrac writes (see engine_flags.h). Spellings:
 * llama.cpp common/arg.cpp, vLLM engine/arg_utils.py, ours engine/server/options.c. */
#include "engine_flags.h"

#include <stddef.h>
#include <string.h>

#include "fleet_schema.h"

#define LC FS_LLAMACPP
#define VL FS_VLLM
#define IN FS_INFRAC
#define NFLAGS (sizeof flags / sizeof flags[0])

static const engine_flag flags[] = {
    {LC | IN, EF_MODEL, {"-m", "--model"}, "model"},
    {IN, EF_CONFIG, {"--config"}, "the service's own options"},
    {LC | VL | IN, EF_HOST, {"--host"}, "bind"},
    {LC | VL | IN, EF_PORT, {"--port"}, "port"},
    {LC, EF_FIT, {"--fit"}, "gpu_layers and context"},
    {LC, EF_GPU_LAYERS, {"-ngl", "--n-gpu-layers", "--gpu-layers"}, "gpu_layers"},
    {LC, EF_TENSOR_SPLIT, {"-ts", "--tensor-split"}, "tensor_split"},
    {VL, EF_TENSOR_SPLIT, {"-tp", "--tensor-parallel-size"}, "gpus"},
    {LC, EF_CONTEXT, {"-c", "--ctx-size"}, "context"},
    {VL, EF_CONTEXT, {"--max-model-len"}, "context"},
    {IN, EF_CONTEXT, {"-c", "--context"}, "context"},
    {LC, EF_PARALLEL, {"-np", "--parallel"}, "parallel"},
    {IN, EF_PARALLEL, {"-np", "--parallel"}, "parallel"},
    {VL, EF_MAX_NUM_SEQS, {"--max-num-seqs"}, "max_num_seqs"},
    {LC, EF_KV_UNIFIED, {"-kvu", "--kv-unified"}, "kv_unified"},
    {LC, EF_CACHE_K, {"-ctk", "--cache-type-k"}, "cache"},
    {LC, EF_CACHE_V, {"-ctv", "--cache-type-v"}, "cache"},
    {IN, EF_CACHE_K, {"-ctk", "--cache-k"}, "cache"},
    {IN, EF_CACHE_V, {"-ctv", "--cache-v"}, "cache"},
    {VL, EF_CACHE_KV, {"--kv-cache-dtype"}, "cache"},
    {LC, EF_FLASH_ATTN, {"-fa", "--flash-attn"}, "flash_attention"},
    {LC, EF_BATCH, {"-b", "--batch-size"}, "batch"},
    {IN, EF_BATCH, {"-b", "--batch"}, "batch"},
    {LC, EF_UBATCH, {"-ub", "--ubatch-size"}, "ubatch"},
    {LC, EF_THREADS, {"-t", "--threads"}, "threads"},
    {IN, EF_THREADS, {"-t", "--threads"}, "threads"},
    {LC | IN, EF_API_KEY_FILE, {"--api-key-file"}, "api_key_file"},
    {LC | VL, EF_API_KEY, {"--api-key"}, "api_key_file"},
    {LC, EF_METRICS, {"--metrics"}, "metrics"},
    {IN, EF_METRICS, {"--metrics", "--no-metrics"}, "metrics"},
    {LC | IN, EF_ALIAS, {"-a", "--alias"}, "alias"},
    {VL, EF_ALIAS, {"--served-model-name"}, "alias"},
    {LC, EF_LOAD_MODE, {"-lm"}, "load_mode"},
    {LC, EF_CPU_MOE, {"--n-cpu-moe", "-ncmoe"}, "cpu_moe_layers"},
    {LC, EF_SWA_FULL, {"--swa-full"}, "swa_full"},
    {LC, EF_CACHE_RAM, {"--cache-ram", "-cram"}, "cache_ram"},
    {LC | IN, EF_CHAT_TEMPLATE, {"--chat-template"}, "chat_template"},
    {VL, EF_GPU_MEM_UTIL, {"--gpu-memory-utilization"}, "gpu_memory_utilization"},
    {VL, EF_MAX_BATCHED, {"--max-num-batched-tokens"}, "max_num_batched_tokens"},
    {VL, EF_SPEC_CONFIG, {"--speculative-config"}, "draft, spec_type and spec_draft_n_max"},
    /* the draft model and speculative settings: a draft given in extra_args
     * would run uncounted, so these are the fleet keys' alone */
    {LC, EF_SPEC_DRAFT_MODEL, {"--spec-draft-model", "-md", "--model-draft"}, "draft"},
    {LC, EF_SPEC_DRAFT_DEVICE, {"--spec-draft-device", "-devd", "--device-draft"}, "draft_gpu"},
    {LC, EF_SPEC_DRAFT_NGL, {"--spec-draft-ngl", "-ngld", "--gpu-layers-draft", "--n-gpu-layers-draft"},
     "draft_gpu_layers"},
    {LC, EF_SPEC_DRAFT_TYPE_K, {"--spec-draft-type-k", "-ctkd", "--cache-type-k-draft"}, "draft_cache"},
    {LC, EF_SPEC_DRAFT_TYPE_V, {"--spec-draft-type-v", "-ctvd", "--cache-type-v-draft"}, "draft_cache"},
    {LC, EF_SPEC_TYPE, {"--spec-type"}, "spec_type"},
    {LC, EF_SPEC_DRAFT_N_MAX, {"--spec-draft-n-max"}, "spec_draft_n_max"},
    {LC, EF_SPEC_DRAFT_N_MIN, {"--spec-draft-n-min"}, "spec_draft_n_min"},
};

const char *ef_spelling(int engine, ef_id id)
{
    for (size_t i = 0; i < NFLAGS; i++)
        if ((flags[i].engines & (1u << engine)) && flags[i].id == id)
            return flags[i].spellings[0];
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
        for (int s = 0; s < 5 && flags[i].spellings[s]; s++)
            if (same_flag(flags[i].spellings[s], arg, n, underscores))
                return &flags[i];
    }
    return NULL;
}
