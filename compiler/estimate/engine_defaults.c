/* The per-engine defaults table (engine_defaults.h says who reads it). */
#include "estimate/engine_defaults.h"
#include "ggml_types.h"

static const engine_defaults table[ENGINE_COUNT] = {
    /* llama-server's own (tools/server, common/arg.cpp): -np 1 slot, -b 2048,
     * -ub 512, -fa auto (on where CUDA supports it), --cache-ram 8192 MiB,
     * -ctk/-ctv f16, and f16 for a draft's cache too (-ctkd/-ctvd). */
    [ENGINE_LLAMACPP] = {.parallel = 1, .batch = 2048, .ubatch = 512, .flash_attn = true, .n_gpus = 1,
                         .cache_ram_bytes = 8192ull * MIB, .cache_type = GGML_T_F16,
                         .draft_cache_type = GGML_T_F16},
    /* `vllm serve` (vLLM 0.10, vllm/engine/arg_utils.py, OpenAI API server
     * usage context): --max-num-seqs 256; --max-num-batched-tokens 8192 on a
     * GPU of 70 GiB or more (not A100), 2048 on smaller ones. 8192 is taken
     * everywhere: the larger activation profile, so the estimate is an upper
     * bound. --gpu-memory-utilization 0.9 and --kv-cache-dtype auto (the
     * model's dtype) (vllm/config/cache.py). */
    [ENGINE_VLLM] = {.parallel = 256, .batch = 8192, .ubatch = 8192, .flash_attn = true, .n_gpus = 1,
                     .gpu_memory_utilization = 0.9, .cache_type = CACHE_AUTO},
    /* infrac-engine's own: one request at a time, 512-token prompt batches, CPU. */
    [ENGINE_INFRAC] = {.parallel = 1, .batch = 512, .ubatch = 512, .flash_attn = false, .n_gpus = 0,
                       .cache_type = GGML_T_F16},
};

const engine_defaults *engine_defaults_get(engine_kind e)
{
    return &table[(unsigned)e < ENGINE_COUNT ? e : ENGINE_LLAMACPP];
}
