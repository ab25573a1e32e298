/* vLLM memory: the process claims utilization x total memory on every GPU
 * up front; weights (sharded by tensor parallelism), the profiled
 * activations, CUDA graphs and non-torch memory come out of the claim, and
 * the KV cache takes all that is left. */
#include <stdio.h>
#include <string.h>

#include "estimate/engine_defaults.h"
#include "estimate/estimate_internal.h"
#include "ggml_types.h"

/* Bytes per cached element: vLLM stores KV as f16/bf16 ("auto") or fp8;
 * any 8-bit cache type stands for fp8. */
static uint64_t vllm_kv_elem_bytes(uint32_t type)
{
    const ggml_type_info *ti = ggml_type_get(type);
    if (!ti || ti->block_elems == 0)
        return 2;
    double per = (double)ti->block_bytes / ti->block_elems;
    return per <= 1.25 ? 1 : per <= 2.0 ? 2 : 4;
}

/* One sequence's KV by vLLM's KV cache groups (vllm/v1/kv_cache_interface.py):
 * full-attention layers hold the whole sequence; sliding-window layers
 * (vLLM >= 0.10) only window - 1 + max-num-batched-tokens tokens and a
 * block; a hybrid model's mamba / linear-attention layers a fixed state per
 * sequence (taken F32 here, an upper bound). MLA caches the latent only.
 * A draft model's and the MTP layers' KV live in the same block pool, so
 * their bytes per token add to the target's. */
typedef struct vllm_kv {
    uint64_t full_per_token; /* grows with the sequence */
    uint64_t swa_per_token;  /* sliding layers, for a model with no full layer */
    uint64_t fixed;          /* sliding layers' capped tokens and recurrent state, one sequence */
    uint64_t state;          /* recurrent state of one sequence (in fixed too), for the note */
    uint64_t swa_tokens;     /* the largest sliding span, for the note */
} vllm_kv;

static void vllm_kv_add(const model_shape *m, uint64_t elem, uint64_t tokens, uint64_t ctx, bool with_mtp,
                        vllm_kv *kv)
{
    uint64_t swa_per_token = 0, rs_layer = est_recurrent_state_bytes(m);
    for (uint32_t il = 0; il < m->n_layer; il++) {
        uint64_t nk, nv;
        bool swa;
        if (est_layer_nextn(m, il) && !with_mtp)
            continue;
        if (m->per_layer && (m->layer_flags[il] & EST_LAYER_RECURRENT)) {
            kv->fixed += rs_layer;
            kv->state += rs_layer;
            continue;
        }
        est_layer_kv(m, il, &nk, &nv, &swa);
        if (swa)
            swa_per_token += (nk + nv) * elem;
        else
            kv->full_per_token += (nk + nv) * elem;
    }
    uint64_t swa_tokens = m->n_swa ? (uint64_t)m->n_swa - 1 + tokens + VLLM_BLOCK_TOKENS : 0;
    if (swa_tokens > ctx)
        swa_tokens = ctx;
    kv->fixed += swa_tokens * swa_per_token;
    kv->swa_per_token += swa_per_token;
    if (swa_per_token && swa_tokens > kv->swa_tokens)
        kv->swa_tokens = swa_tokens;
}

int est_vllm(const model_shape *m, const estimate_request *req, estimate_result *out, char *err, size_t errlen)
{
    if (req->n_gpus == 0) {
        snprintf(err, errlen, "vLLM needs at least one GPU");
        return -1;
    }
    double util = req->gpu_memory_utilization > 0 ? req->gpu_memory_utilization : 0.9;
    if (util > 1.0) {
        snprintf(err, errlen, "gpu_memory_utilization %.2f is above 1", util);
        return -1;
    }
    uint32_t tp = req->n_gpus;
    out->n_gpus = tp;
    out->conservative = !m->arch_known;
    if (m->n_head_kv % tp != 0)
        est_note(out, "tensor parallel size %u does not divide the %u KV heads: vLLM refuses it", tp, m->n_head_kv);

    uint64_t ctx = est_context(m, req);
    uint64_t elem = vllm_kv_elem_bytes(req->cache_k);
    uint64_t tokens = req->batch ? req->batch : engine_defaults_get(ENGINE_VLLM)->batch;
    vllm_kv kv = {0};
    vllm_kv_add(m, elem, tokens, ctx, req->mtp, &kv);
    if (req->draft)
        vllm_kv_add(req->draft, elem, tokens, ctx, false, &kv);
    uint64_t full_per_token = kv.full_per_token;
    out->kv_bytes_per_token = full_per_token ? full_per_token : kv.swa_per_token;
    out->kv_one_sequence = ctx * full_per_token + kv.fixed;
    out->kv_fixed_bytes = kv.fixed;
    if (kv.swa_tokens && kv.swa_tokens < ctx)
        est_note(out, "sliding-window layers hold %llu tokens per sequence (window + batch)",
                 (unsigned long long)kv.swa_tokens);
    if (kv.state)
        est_note(out, "recurrent layers: %.1f MiB of state per sequence", (double)kv.state / MIB);
    uint64_t kv_per_token_gpu = out->kv_bytes_per_token / tp;
    uint64_t one_sequence = (out->kv_one_sequence + tp - 1) / tp;

    /* Profile run: max-num-batched-tokens through the model in bf16, plus
     * the sampler's logits for max-num-seqs sequences. */
    uint64_t seqs = req->parallel ? req->parallel : 256;
    uint64_t act = tokens * (3 * est_ffn_width(m) + 4ull * m->n_embd) * 2 / tp
                 + seqs * (uint64_t)m->n_vocab * 4 * 2;
    /* the drafter runs after the target in the profile run: the caching
     * allocator reuses the target's activations, the larger one counts */
    if (req->draft) {
        uint64_t d = tokens * (3 * est_ffn_width(req->draft) + 4ull * req->draft->n_embd) * 2 / tp;
        if (d > act)
            act = d;
    }
    /* weights: the MTP blocks load only when they draft (vLLM's MTP
     * proposer), a draft model's beside the target's, both sharded alike */
    uint64_t weights = m->weights_bytes - (req->mtp ? 0 : est_nextn_bytes(m));
    if (req->draft)
        weights += req->draft->weights_bytes - est_nextn_bytes(req->draft);
    if (req->draft || req->mtp)
        est_note(out, "speculative decoding: %s%s%s, weights and KV per token counted with the model's",
                 req->draft ? "a draft model" : "", req->draft && req->mtp ? " and " : "",
                 req->mtp ? (m->n_nextn ? "the model's MTP layers" : "MTP (the header has no MTP layers: not counted)") : "");
    if (out->conservative)
        act = (uint64_t)(act * CONSERVATIVE_COMPUTE_FACTOR);

    uint64_t kv_total_tokens = 0;
    for (uint32_t g = 0; g < tp; g++) {
        memory_breakdown *b = &out->gpu[g];
        b->weights = weights / tp + (g < weights % tp ? 1 : 0);
        b->compute = act;
        b->overhead = VLLM_NON_TORCH_BYTES + VLLM_CUDA_GRAPH_BYTES;
        out->layers_on_gpu[g] = m->n_layer;
        uint64_t fixed = b->weights + b->compute + b->overhead;
        uint64_t claim;
        if (req->gpu_total_bytes[g]) {
            claim = (uint64_t)(util * (double)req->gpu_total_bytes[g]);
        } else {
            /* no GPU size known: the least claim that starts, one full sequence */
            claim = fixed + one_sequence;
            if (g == 0)
                est_note(out, "GPU memory unknown: vLLM's claim shown as its minimum (one sequence of KV)");
        }
        uint64_t budget = claim > fixed ? claim - fixed : 0;
        out->vllm_kv_budget[g] = budget;
        b->kv_cache = budget;
        b->total = claim > fixed ? claim : fixed;
        uint64_t fixed_gpu = out->kv_fixed_bytes / tp;
        uint64_t fit = kv_per_token_gpu && budget > fixed_gpu ? (budget - fixed_gpu) / kv_per_token_gpu : 0;
        if (g == 0 || fit < kv_total_tokens)
            kv_total_tokens = fit;
        if (budget < one_sequence && g == 0)
            est_note(out, "KV budget %.0f MiB holds less than one sequence of %llu tokens (%.0f MiB): vLLM refuses to start",
                     (double)budget / MIB, (unsigned long long)ctx, (double)one_sequence / MIB);
    }
    out->kv_cells = kv_total_tokens > UINT32_MAX ? UINT32_MAX : (uint32_t)kv_total_tokens;
    out->host.overhead = VLLM_HOST_BASELINE_BYTES;
    est_finish_totals(out);
    return 0;
}
