/* infrac-engine memory: CPU only. The weights stay mmapped from the GGUF
 * file (host RAM once paged in) and the context holds the KV cache. */
#include <stdio.h>

#include "estimate/estimate_internal.h"

int est_infrac(const model_shape *m, const estimate_request *req, estimate_result *out, char *err, size_t errlen)
{
    out->n_gpus = 0;
    out->conservative = !m->arch_known;
    if (req->n_gpus)
        est_note(out, "infrac-engine runs on the CPU: GPUs are not used");
    uint64_t ctx = est_context(m, req);
    uint64_t slots = req->parallel ? req->parallel : 1;
    uint64_t row_k, row_v;
    if (!est_row_bytes(req->cache_k, (uint64_t)m->n_head_kv * m->head_dim_k, &row_k, err, errlen) ||
        !est_row_bytes(req->cache_v, (uint64_t)m->n_head_kv * m->head_dim_v, &row_v, err, errlen))
        return -1;
    out->kv_bytes_per_token = (uint64_t)m->n_layer * (row_k + row_v);
    out->kv_cells = (uint32_t)(ctx * slots);
    out->host.weights = m->weights_bytes;
    out->host.kv_cache = out->kv_bytes_per_token * ctx * slots;
    out->host.overhead = INFRAC_HOST_BASELINE_BYTES;
    est_finish_totals(out);
    return 0;
}
