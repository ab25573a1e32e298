/* llama.cpp's draft model: a second model in llama-server's process
 * (--spec-draft-model) with the target's context, slots and batch
 * (common/speculative.cpp common_base_params_to_speculative: the draft's
 * params are the target's with the draft's model, devices, GPU layers and
 * cache types; its context holds as many tokens per sequence as the
 * target's). Its weights, KV cache and compute buffers are added per GPU and
 * on the host; the runtime overhead (one CUDA context per GPU) and the
 * prompt cache are the process's, counted once with the target. */
#include <stdio.h>
#include <string.h>

#include "estimate/estimate_internal.h"

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void add_part(memory_breakdown *to, const memory_breakdown *from)
{
    to->weights = sat_add(to->weights, from->weights);
    to->kv_cache = sat_add(to->kv_cache, from->kv_cache);
    to->compute = sat_add(to->compute, from->compute);
    to->total = sat_add(to->total, sat_add(from->weights, sat_add(from->kv_cache, from->compute)));
}

int est_llamacpp_draft(const model_shape *m, const estimate_request *target, estimate_result *out, char *err,
                       size_t errlen)
{
    estimate_request req = *target;
    req.context = est_context(m, target);
    req.draft = NULL;
    req.mtp = false;
    req.rs_rollback = 0; /* common/speculative.cpp: the draft context's n_rs_seq is 0 */
    req.cache_k = target->draft_cache;
    req.cache_v = target->draft_cache_v;
    req.gpu_layers = target->draft_gpu_layers;
    req.cpu_moe_layers = 0;
    req.cache_ram_bytes = 0;
    int slot = target->draft_gpu;
    if (slot >= (int)target->n_gpus) {
        snprintf(err, errlen, "draft GPU %d is not one of the service's %u GPUs", slot, target->n_gpus);
        return -1;
    }
    if (slot >= 0) {
        req.n_gpus = 1;
        memset(req.tensor_split, 0, sizeof req.tensor_split);
        memset(req.gpu_total_bytes, 0, sizeof req.gpu_total_bytes);
        memset(req.gpu_overhead_bytes, 0, sizeof req.gpu_overhead_bytes);
        req.gpu_total_bytes[0] = target->gpu_total_bytes[slot];
        req.gpu_overhead_bytes[0] = target->gpu_overhead_bytes[slot];
    }
    estimate_result d;
    char inner[200] = "";
    if (estimate_memory(target->draft, &req, &d, inner, sizeof inner) != 0) {
        snprintf(err, errlen, "the draft model: %s", inner);
        return -1;
    }
    uint64_t on_gpus = 0;
    for (uint32_t g = 0; g < d.n_gpus; g++) {
        uint32_t to = slot >= 0 ? (uint32_t)slot : g;
        if (to >= out->n_gpus)
            continue;
        add_part(&out->gpu[to], &d.gpu[g]);
        on_gpus = sat_add(on_gpus, d.gpu[g].weights + d.gpu[g].kv_cache + d.gpu[g].compute);
    }
    add_part(&out->host, &d.host);
    out->conservative |= d.conservative;
    est_note(out, "draft model (%s): %.1f MiB of weights, KV and compute on the GPUs, %.1f MiB in host RAM",
             target->draft->arch, (double)on_gpus / MIB,
             (double)(d.host.weights + d.host.kv_cache + d.host.compute) / MIB);
    return 0;
}
