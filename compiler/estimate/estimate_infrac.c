/* infrac-engine memory: CPU only. The weights stay mmapped from the GGUF
 * file (host RAM once paged in); the context is exactly what the engine's
 * own formula says it allocates (common/engine_memory.h): the KV cache and
 * one scratch block. */
#include <stdio.h>
#include <string.h>

#include "engine_memory.h"
#include "estimate/estimate_internal.h"

int est_infrac(const model_shape *m, const estimate_request *req, estimate_result *out, char *err, size_t errlen)
{
    out->n_gpus = 0;
    out->conservative = !m->arch_known;
    if (req->n_gpus)
        est_note(out, "infrac-engine runs on the CPU: GPUs are not used");
    /* The engine's sliding-window layers (gemma3 and gemma4 only: the
     * other architectures it runs have none in llama.cpp either) keep a
     * ring of window + batch cells (engine_swa_cells_per_slot); gemma4's
     * have their own KV head count and head size. */
    bool gemma4 = strcmp(m->arch, "gemma4") == 0;
    bool swa_arch = strcmp(m->arch, "gemma3") == 0 || gemma4;
    uint32_t n_layer_swa = 0, n_head_kv = m->n_head_kv, n_head_kv_swa = 0;
    uint64_t per_token = 0;
    for (uint32_t il = 0; il < m->n_layer; il++) {
        uint64_t nk, nv, row_k, row_v;
        bool swa;
        est_layer_kv(m, il, &nk, &nv, &swa);
        swa = swa && swa_arch;
        if (!gemma4) {
            nk = (uint64_t)m->n_head_kv * m->head_dim_k;
            nv = (uint64_t)m->n_head_kv * m->head_dim_v;
        } else if (m->per_layer) {
            if (swa)
                n_head_kv_swa = m->layer_n_head_kv[il];
            else
                n_head_kv = m->layer_n_head_kv[il];
        }
        if (!est_row_bytes(req->cache_k, req->cache_k_geom, nk, &row_k, err, errlen) ||
            !est_row_bytes(req->cache_v, req->cache_v_geom, nv, &row_v, err, errlen))
            return -1;
        per_token += row_k + row_v;
        n_layer_swa += swa;
    }
    if (gemma4 && n_layer_swa == m->n_layer)
        n_head_kv = n_head_kv_swa; /* no global layer: the engine's global geometry is the sliding one */
    engine_mem_shape shape = {
        .n_layer = m->n_layer, .n_embd = m->n_embd, .n_head = m->n_head, .n_head_kv = n_head_kv,
        .head_dim_k = m->head_dim_k, .head_dim_v = m->head_dim_v,
        .n_ff = m->n_ff, .n_vocab = m->n_vocab,
        .n_expert = m->n_expert, .n_expert_used = m->n_expert_used, .n_ff_exp = m->n_ff_exp,
        .n_swa = m->n_swa, .n_layer_swa = n_layer_swa,
        .n_head_kv_swa = gemma4 ? n_head_kv_swa : 0,
        .head_dim_k_swa = gemma4 ? m->head_dim_k_swa : 0, .head_dim_v_swa = gemma4 ? m->head_dim_v_swa : 0,
        .moe_shared = gemma4 && m->n_expert > 0,
    };
    engine_mem_params params = {
        .n_ctx = est_context(m, req),
        .n_slots = req->parallel ? req->parallel : 1,
        .n_batch = req->batch ? req->batch : 512,
        .n_threads = req->threads ? req->threads : req->host_cpus ? req->host_cpus : EST_DEFAULT_THREADS,
        .cache_k = req->cache_k, .cache_v = req->cache_v,
    };
    /* the engine divides the context among its slots */
    uint64_t cells = (uint64_t)(params.n_ctx / params.n_slots) * params.n_slots;
    out->kv_bytes_per_token = per_token;
    out->kv_cells = (uint32_t)cells;
    out->host.weights = m->weights_bytes;
    out->host.kv_cache = engine_kv_bytes(&shape, &params);
    out->host.compute = engine_scratch_bytes(&shape, &params);
    out->host.overhead = INFRAC_HOST_BASELINE_BYTES;
    if (!req->threads && !req->host_cpus)
        est_note(out, "scratch sized for %u worker threads (the engine uses one per CPU)", EST_DEFAULT_THREADS);
    est_finish_totals(out);
    return 0;
}
