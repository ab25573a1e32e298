/* llama.cpp (llama-server) memory: where each tensor lands, the KV cache
 * per layer, the compute buffer and the CUDA context, per GPU and on the
 * host. The structure follows llama.cpp's loader and KV cache; the few
 * constants are fitted to measured processes (docs/vram.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate/estimate_internal.h"
#include "ggml_types.h"

#define DEV_HOST (-1)

/* Which device holds layer il (il == n_layer is the output layer). */
typedef struct placement {
    uint32_t n_layer, n_gpus;
    uint32_t first_gpu_layer;  /* layers below it stay on the host (n_layer + 1 = all) */
    uint32_t act_gpu_layers;   /* layers offloaded, output layer included */
    double cumulative[EST_MAX_GPUS];
} placement;

static void placement_init(placement *p, const model_shape *m, const estimate_request *req)
{
    memset(p, 0, sizeof *p);
    p->n_layer = m->n_layer;
    p->n_gpus = req->n_gpus;
    uint64_t ngl = req->gpu_layers < 0 ? (uint64_t)m->n_layer + 1 : (uint64_t)req->gpu_layers;
    if (ngl > (uint64_t)m->n_layer + 1)
        ngl = (uint64_t)m->n_layer + 1;
    if (p->n_gpus == 0)
        ngl = 0;
    /* llama.cpp offloads from the end: the output layer (index n_layer)
     * first, then the repeating layers from the last one down. */
    p->act_gpu_layers = (uint32_t)ngl;
    p->first_gpu_layer = m->n_layer + 1 - (uint32_t)ngl;
    double total = 0;
    for (uint32_t g = 0; g < p->n_gpus; g++)
        total += req->tensor_split[g];
    double acc = 0;
    for (uint32_t g = 0; g < p->n_gpus; g++) {
        acc += total > 0 ? req->tensor_split[g] / total : 1.0 / p->n_gpus;
        p->cumulative[g] = acc;
    }
}

/* llama.cpp assigns layer il to the first GPU whose cumulative share
 * exceeds the layer's position among the offloaded layers. */
static int layer_device(const placement *p, uint32_t il)
{
    if (p->act_gpu_layers == 0 || il < p->first_gpu_layer)
        return DEV_HOST;
    uint32_t pos = il - p->first_gpu_layer;
    if (pos >= p->act_gpu_layers)
        return DEV_HOST;
    double frac = (double)pos / p->act_gpu_layers;
    for (uint32_t g = 0; g < p->n_gpus; g++)
        if (frac < p->cumulative[g])
            return (int)g;
    return (int)p->n_gpus - 1;
}

static memory_breakdown *dev_mem(estimate_result *out, int dev)
{
    return dev == DEV_HOST ? &out->host : &out->gpu[dev];
}

/* What the layers' matrix weights imply beyond their bytes: the largest one
 * left in host memory (for a big batch the scheduler runs its matmul on the
 * first GPU and copies it into that GPU's compute buffer), and which GPUs
 * run matmuls through cuBLAS rather than llama.cpp's quantized kernels
 * (float weights, e.g. F16 models or the F32 MoE router), which grows the
 * CUDA pool. */
typedef struct matmul_placement {
    uint64_t largest_host_tensor;
    uint64_t largest_host_expert;     /* of the experts (--n-cpu-moe) */
    bool host_float;                  /* a float matrix stays on the host */
    bool float_on_gpu[EST_MAX_GPUS];
} matmul_placement;

static bool is_float_type(uint32_t type)
{
    return type == GGML_T_F32 || type == GGML_T_F16 || type == GGML_T_BF16;
}

/* A layer's matrix (blk.N.attn_q.weight, blk.N.ffn_up_exps.weight, the MoE
 * router ...), not a norm or a bias. Declared shapes' pseudo-tensors count:
 * a dense pseudo-tensor stands for a whole layer, so a third of it is taken
 * as its largest matrix (the FFN's three are most of a layer). */
static uint64_t layer_matrix_bytes(const model_shape *m, const model_tensor *t)
{
    size_t len = strlen(t->name);
    if (!m->tensors)
        return t->role == TROLE_LAYER ? t->bytes / 3 : t->bytes;
    if (len < 7 || strcmp(t->name + len - 7, ".weight") != 0 || strstr(t->name, "norm"))
        return 0;
    return t->bytes;
}

static void note_matrix(const model_shape *m, const model_tensor *t, int dev, matmul_placement *mm)
{
    uint64_t bytes = layer_matrix_bytes(m, t);
    if (!bytes)
        return;
    /* declared shapes have no types: a MoE's router is F32 in every GGUF */
    bool is_float = m->tensors ? is_float_type(t->type) : m->n_expert > 0;
    if (dev == DEV_HOST) {
        if (bytes > mm->largest_host_tensor)
            mm->largest_host_tensor = bytes;
        if (t->role == TROLE_LAYER_EXPERT && bytes > mm->largest_host_expert)
            mm->largest_host_expert = bytes;
        mm->host_float |= is_float;
    } else if (is_float) {
        mm->float_on_gpu[dev] = true;
    }
}

static void place_weights(const model_shape *m, const model_tensor *ts, uint32_t n, const placement *p,
                          const estimate_request *req, estimate_result *out, matmul_placement *mm)
{
    memset(mm, 0, sizeof *mm);
    int out_dev = layer_device(p, m->n_layer);
    int first_layer_dev = DEV_HOST;
    for (uint32_t il = 0; il < m->n_layer && first_layer_dev == DEV_HOST; il++)
        first_layer_dev = layer_device(p, il);
    for (uint32_t i = 0; i < n; i++) {
        const model_tensor *t = &ts[i];
        int dev = DEV_HOST;
        /* MTP blocks are skipped at load ("unused tensor") unless they draft */
        if (t->layer >= 0 && est_layer_nextn(m, (uint32_t)t->layer) && !req->mtp)
            continue;
        switch (t->role) {
        case TROLE_TOKEN_EMBD:
            /* the input embedding is a row lookup: llama.cpp keeps it on the host */
            dev = DEV_HOST;
            if (m->tied_output && out_dev != DEV_HOST)
                out->gpu[out_dev].weights += t->bytes; /* the output's copy */
            break;
        case TROLE_INPUT:
            dev = DEV_HOST;
            break;
        case TROLE_OUTPUT:
        case TROLE_OUTPUT_NORM:
            dev = out_dev;
            break;
        case TROLE_LAYER:
            dev = layer_device(p, (uint32_t)t->layer);
            note_matrix(m, t, dev, mm);
            break;
        case TROLE_LAYER_EXPERT:
            dev = (uint32_t)t->layer < req->cpu_moe_layers ? DEV_HOST : layer_device(p, (uint32_t)t->layer);
            note_matrix(m, t, dev, mm);
            break;
        case TROLE_OTHER:
        default:
            dev = first_layer_dev;
            break;
        }
        dev_mem(out, dev)->weights += t->bytes;
    }
}

/* --spec-type draft-mtp: a second context on the same model
 * (common/speculative.cpp, LLAMA_CONTEXT_TYPE_MTP) with the target's
 * context size, slots and batch and the draft cache types, whose KV cache
 * holds the MTP blocks only (llama-model.cpp create_memory: a plain KV
 * cache, filter il >= n_layer()). Its compute buffer is reserved for a
 * graph of one block and the head, taken as the target's one-layer peak on
 * the MTP block's device. */
static int add_mtp_context(const model_shape *m, const estimate_request *req, const placement *p, uint64_t streams,
                           uint64_t cells, uint64_t ub, uint64_t activations, estimate_result *out, char *err,
                           size_t errlen)
{
    uint64_t kv = 0, stage_k = 0, stage_v = 0;
    int dev = DEV_HOST;
    uint32_t n = 0;
    for (uint32_t il = 0; il < m->n_layer; il++) {
        if (!est_layer_nextn(m, il))
            continue;
        uint64_t nk, nv, row_k = 0, row_v = 0;
        bool swa;
        est_layer_kv(m, il, &nk, &nv, &swa);
        if ((nk && !est_row_bytes(req->draft_cache, (est_cache_geom){0, 0}, nk, &row_k, err, errlen)) ||
            (nv && !est_row_bytes(req->draft_cache_v, (est_cache_geom){0, 0}, nv, &row_v, err, errlen)))
            return -1;
        dev = layer_device(p, il);
        uint64_t bytes = streams * cells * (row_k + row_v);
        dev_mem(out, dev)->kv_cache += bytes;
        kv += bytes;
        if (streams * cells * nk > stage_k)
            stage_k = streams * cells * nk;
        if (streams * cells * nv > stage_v)
            stage_v = streams * cells * nv;
        n++;
    }
    if (n == 0) {
        est_note(out, "draft-mtp: the model has no MTP (nextn) layers, nothing drafts");
        return 0;
    }
    uint64_t mask = cells * ub * (req->flash_attn ? 2 : 4);
    uint64_t compute = activations + mask;
    if (!req->flash_attn) {
        compute += (uint64_t)(LLAMA_NOFA_KQ_FACTOR * (double)(cells * ub * m->n_head * 4));
    } else {
        if (req->draft_cache != GGML_T_F16)
            compute += stage_k * 2;
        if (req->draft_cache_v != GGML_T_F16)
            compute += stage_v * 2;
    }
    if (!m->arch_known)
        compute = (uint64_t)(compute * CONSERVATIVE_COMPUTE_FACTOR);
    dev_mem(out, dev)->compute += compute;
    est_note(out, "draft-mtp: %u MTP layer%s loaded, in a context of their own: %.1f MiB of KV, %.1f MiB of compute",
             n, n == 1 ? "" : "s", (double)kv / MIB, (double)compute / MIB);
    return 0;
}

int est_llamacpp(const model_shape *m, const estimate_request *req, estimate_result *out, char *err, size_t errlen)
{
    out->n_gpus = req->n_gpus;
    out->conservative = !m->arch_known;
    placement p;
    placement_init(&p, m, req);

    /* Weights, tensor by tensor (declared shapes get pseudo-tensors). */
    const model_tensor *ts = m->tensors;
    uint32_t n_ts = m->n_tensors;
    model_tensor *declared = NULL;
    if (!ts) {
        declared = est_declared_tensors(m, &n_ts);
        if (!declared) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        ts = declared;
        est_note(out, "no GGUF tensor table: weights spread evenly over layers from the declared size");
    }
    matmul_placement mm;
    place_weights(m, ts, n_ts, &p, req, out, &mm);
    free(declared);
    for (uint32_t il = 0; il <= m->n_layer; il++) {
        int dev = layer_device(&p, il);
        /* an MTP block counts only where it is loaded (draft-mtp) */
        if (dev != DEV_HOST && il < m->n_layer && (req->mtp || !est_layer_nextn(m, il)))
            out->layers_on_gpu[dev]++;
    }

    /* KV cache: n_ctx padded to 256; without a unified cache each slot
     * gets its own stream of pad(n_ctx / slots). */
    uint64_t n_seq = req->parallel ? req->parallel : 1;
    uint64_t n_ctx = est_pad(est_context(m, req), LLAMA_KV_PAD);
    uint64_t streams = req->kv_unified ? 1 : n_seq;
    uint64_t stream_cells = req->kv_unified ? n_ctx : est_pad(n_ctx / n_seq ? n_ctx / n_seq : 1, LLAMA_KV_PAD);
    uint64_t ubatch = req->ubatch ? req->ubatch : 512;
    if (req->batch && ubatch > req->batch)
        ubatch = req->batch;
    uint64_t swa_want = (uint64_t)m->n_swa * (req->kv_unified ? n_seq : 1) + ubatch;
    uint64_t swa_cells = est_pad(swa_want < stream_cells ? swa_want : stream_cells, LLAMA_KV_PAD);
    if (swa_cells > stream_cells || req->swa_full)
        swa_cells = stream_cells;

    /* Per layer: its own KV geometry (llama_hparams::n_embd_k_gqa(il)),
     * sliding layers at swa_cells, recurrent layers a fixed state per slot
     * (llama-memory-recurrent.cpp: max(1, n_seq_max) cells, F32). */
    bool any_swa = false;
    /* largest K and V of one layer, all streams (elements): flash attention stages a
     * quantized one as F16 */
    uint64_t stage_k = 0, stage_v = 0, per_token = 0;
    uint64_t rs_layer = est_recurrent_state_bytes(m);
    uint32_t n_recurrent = 0;
    /* With a drafter that rolls back (draft-mtp ...), the architectures that
     * support it keep 1 + n_rs_seq rows of state per slot
     * (llama-memory-recurrent.cpp; llm_arch_supports_rs_rollback; measured:
     * 37.41 -> 149.62 MiB with draft-mtp and n_max 3). */
    bool rollback_arch = strcmp(m->arch, "qwen35") == 0 || strcmp(m->arch, "qwen35moe") == 0;
    uint64_t rs_rows = 1 + (rollback_arch ? req->rs_rollback : 0);
    /* Without flash attention V is stored transposed and every layer's V
     * takes the widest V of the model (gemma4's global layers, measured). */
    uint64_t widest_v = 0;
    for (uint32_t il = 0; il < m->n_layer && !req->flash_attn; il++) {
        uint64_t nk, nv;
        bool swa;
        if (est_layer_nextn(m, il))
            continue;
        est_layer_kv(m, il, &nk, &nv, &swa);
        if (nv > widest_v)
            widest_v = nv;
    }
    for (uint32_t il = 0; il < m->n_layer; il++) {
        uint64_t nk, nv, row_k = 0, row_v = 0;
        bool swa;
        /* the target's cache leaves the MTP blocks out (llama-model.cpp
         * create_memory: filter il < n_layer()) */
        if (est_layer_nextn(m, il))
            continue;
        est_layer_kv(m, il, &nk, &nv, &swa);
        if (nv && widest_v)
            nv = widest_v;
        if (m->per_layer && (m->layer_flags[il] & EST_LAYER_RECURRENT)) {
            dev_mem(out, layer_device(&p, il))->kv_cache += n_seq * rs_rows * rs_layer;
            n_recurrent++;
            continue;
        }
        if ((nk && !est_row_bytes(req->cache_k, req->cache_k_geom, nk, &row_k, err, errlen)) ||
            (nv && !est_row_bytes(req->cache_v, req->cache_v_geom, nv, &row_v, err, errlen)))
            return -1;
        any_swa |= swa;
        uint64_t cells = swa ? swa_cells : stream_cells;
        /* the worst-case graph has one sequence per stream and its KV view
         * spans them all (llama-context.cpp sched_reserve: n_seqs), so the
         * F16 copy does too (set 2026-G: 4 slots, q8_0, 3 x 128 MiB more) */
        if (streams * cells * nk > stage_k)
            stage_k = streams * cells * nk;
        if (streams * cells * nv > stage_v)
            stage_v = streams * cells * nv;
        dev_mem(out, layer_device(&p, il))->kv_cache += streams * cells * (row_k + row_v);
        per_token += row_k + row_v;
    }
    out->kv_bytes_per_token = per_token;
    if (!m->arch_known)
        est_note(out, "architecture '%s' is not modelled exactly: KV assumed on every layer as the header's "
                 "per-layer heads say (%llu bytes a token)%s", m->arch, (unsigned long long)per_token,
                 any_swa ? ", sliding window as declared" : "");
    out->kv_cells = m->encoder ? 0 : (uint32_t)(streams * stream_cells);
    if (n_recurrent)
        est_note(out, "%u recurrent layers hold no KV: %llu KiB of state per slot each%s", n_recurrent,
                 (unsigned long long)(rs_layer * rs_rows / 1024),
                 rs_rows > 1 ? " (with the rows kept to roll back a draft)" : "");
    if (any_swa)
        est_note(out, "sliding-window layers cache %llu of %llu cells per slot%s",
                 (unsigned long long)swa_cells, (unsigned long long)stream_cells,
                 req->swa_full ? " (--swa-full)" : "");

    /* Compute buffer: the worst-case graph at one ubatch attending to a full
     * stream: FFN and residual activations (for MoE also the used experts'
     * outputs before their weighted sum), the KQ mask, and without flash
     * attention the n_kv x ubatch x n_head KQ matrix; with flash attention a
     * quantized cache is staged as F16 for the kernel. */
    /* an encoder's batch is not capped by the context (llama-context.cpp:
     * n_batch = min(n_ctx, n_batch) only for causal attention) */
    uint64_t ub = m->encoder || ubatch < n_ctx ? ubatch : n_ctx;
    bool moe = m->n_expert > 0 && m->n_expert_used > 0;
    uint64_t activations = ub * (3 * est_ffn_width(m) + 4ull * m->n_embd) * 4;
    if (moe)
        activations += ub * m->n_expert_used * (uint64_t)m->n_embd * 4;
    /* attention wider than the model (n_head x head_dim above n_embd, as
     * glm4moe's 96 x 128 over 4096): its q and output live beside the rest,
     * 3 (n_q - n_embd) + n_kv floats a token (set 2026-I: GLM-4.5-Air's shape,
     * +50 MiB at ub 512, +200 at 2048, at every context). The common
     * layer's head size: gemma4's sliding one. */
    uint64_t head = m->head_dim_k_swa ? m->head_dim_k_swa : m->head_dim_k;
    uint64_t n_q = (uint64_t)m->n_head * head;
    uint64_t wide = !m->encoder && n_q > m->n_embd ? ub * (3 * (n_q - m->n_embd) + (uint64_t)m->n_head_kv * head) * 4 : 0;
    activations += wide;
    const uint64_t layer_activations = activations; /* the MTP context's graph: its own staging */
    uint64_t mask = stream_cells * ub * (req->flash_attn ? 2 : 4);
    uint64_t attention = mask;
    if (m->encoder) {
        /* no cache: the mask and KQ span the ubatch (ub x ub); the peak is the
         * attention (q, k, v, their RoPE copies, residual and norm beside KQ)
         * or the FFN (its up/gate outputs beside residual and norm), fitted on
         * set 2026-G (bert, nomic-bert) within 0.1 MiB */
        mask = ub * ub * (req->flash_attn ? 2 : 4);
        uint64_t attn_acts = ub * (5ull + (m->encoder_rope ? 2 : 0)) * m->n_embd * 4;
        if (!req->flash_attn)
            attn_acts += (uint64_t)(LLAMA_NOFA_KQ_FACTOR * (double)(ub * ub * m->n_head * 4));
        uint64_t ffn_acts = ub * ((m->gated_ffn ? 3 : 1) * est_ffn_width(m) + 2ull * m->n_embd) * 4;
        activations = 0;
        attention = mask + (attn_acts > ffn_acts ? attn_acts : ffn_acts);
    } else if (!req->flash_attn) {
        attention += (uint64_t)(LLAMA_NOFA_KQ_FACTOR * (double)(stream_cells * ub * m->n_head * 4));
    } else {
        /* the F16 copies live while one layer's attention runs, beside its
         * q, k, v and output (4 x n_embd a token, plus the wide-attention
         * term) and a MoE's expert outputs, not beside the FFN's peak: the
         * larger of the two (set 2026-H: Qwen3-8B at q8_0, 1, 4 and 8 slots,
         * within 1 MiB where their sum was 72 MiB over; set 2026-I glm4moe) */
        uint64_t staged = 0;
        if (req->cache_k != GGML_T_F16)
            staged += stage_k * 2;
        if (req->cache_v != GGML_T_F16)
            staged += stage_v * 2;
        if (staged) {
            uint64_t attn_peak = staged + ub * 4ull * m->n_embd * 4 + wide +
                                 (moe ? ub * m->n_expert_used * (uint64_t)m->n_embd * 4 : 0);
            if (attn_peak > activations)
                activations = attn_peak;
        }
    }
    /* --embedding on a decoder: llama-server reserves one output per token of
     * the batch (server-context.cpp server_output_limits: n_batch), so the LM
     * head's logits (ub x n_vocab F32) are the peak unless KQ is larger */
    if (req->embeddings && !m->encoder) {
        uint64_t logits_peak = mask + ub * ((uint64_t)m->n_vocab + m->n_embd) * 4;
        if (logits_peak > activations + attention)
            activations = logits_peak - attention;
    }
    uint64_t compute = activations + attention;
    double compute_factor = 1.0;
    if (out->conservative) {
        compute_factor = CONSERVATIVE_COMPUTE_FACTOR;
        compute = (uint64_t)(compute * compute_factor);
        est_note(out, "architecture '%s' is not modelled exactly: compute buffer taken %.1fx as an upper bound",
                 m->arch, CONSERVATIVE_COMPUTE_FACTOR);
    }

    /* Every GPU the process uses gets a CUDA context and a compute buffer,
     * even one that holds no layers (-ngl 0 still runs big batches there). */
    for (uint32_t g = 0; g < req->n_gpus; g++) {
        out->gpu[g].compute = compute;
        out->gpu[g].overhead = req->gpu_overhead_bytes[g] ? req->gpu_overhead_bytes[g] : LLAMA_CUDA_OVERHEAD_BYTES;
    }
    bool host_layers = p.first_gpu_layer > 0 || req->n_gpus == 0;
    bool offload_ops = req->n_gpus > 0 && ub >= LLAMA_OFFLOAD_MIN_BATCH;
    if (req->n_gpus > 0) {
        /* Layers left on the host: the mask is built there and the first
         * GPU gets its own copy. */
        if (host_layers)
            out->gpu[0].compute += (uint64_t)(mask * compute_factor);
        /* Matrices left in host memory (CPU layers, --n-cpu-moe): for a
         * big batch the scheduler runs their matmul on the first GPU and
         * copies the weight into its compute buffer, next to the activations
         * still live then: 2 ff' + (1 + w) embd floats a token, w = the used
         * experts' outputs for MoE, 4 for dense (measured on two MoE shapes
         * and a dense F16 model). */
        if (offload_ops && mm.largest_host_tensor) {
            uint64_t live = 2 * est_ffn_width(m) + (1ull + (moe ? m->n_expert_used : 4u)) * m->n_embd;
            /* Hybrid recurrent MoE (qwen35moe, qwen3next): the logged buffer
             * holds two expert copies, not one (measured: 361.5 = 2 x 144 +
             * 73.5 MiB, 659 = 2 x 288 + 83 MiB). Each copy has a split of
             * its own (ggml-backend.cpp starts a split per host weight), so
             * two are never inputs together; the likely cause is ggml-alloc's
             * best fit: a DeltaNet layer's output that outlives its MoE lands
             * in the freed copy's block and pushes the next copy past it. Not
             * confirmed in the allocator; counted as measured. */
            uint64_t host_copy = mm.largest_host_tensor;
            if (n_recurrent && 2 * mm.largest_host_expert > host_copy)
                host_copy = 2 * mm.largest_host_expert;
            uint64_t copy_peak = (uint64_t)((double)(host_copy + ub * live * 4 + mask) * compute_factor);
            /* the graph's own peak (e.g. the KQ matrix without flash
             * attention) may still be the larger one */
            if (copy_peak > compute)
                out->gpu[0].compute += copy_peak - compute;
            /* Sliding-window MoE (gemma4): with its experts on the host the
             * logged compute buffer is the graph's peak plus a part that does
             * not shrink with the context (sets 2026-D..F: 105 MiB at 16K to
             * 131K, 121 at 8K with ub 512; about 51 at ub 2048), where the
             * peak alone is 1-3% under. Likely the allocator: the sliding
             * layers' small attention lets the first expert copies settle in
             * the buffer before a global layer's KQ needs its block. Not
             * confirmed in ggml-alloc; counted as measured. */
            if (m->n_swa && mm.largest_host_expert)
                out->gpu[0].compute += (uint64_t)((double)(LLAMA_SWA_HOST_EXPERT_BYTES * 512 / (ub > 512 ? ub : 512)) *
                                                  compute_factor);
        }
        /* cuBLAS matmuls (float weights on the GPU, or offloaded from the
         * host) take about 96 MiB more of the CUDA pool; without flash
         * attention the KQ and KQV products are cuBLAS matmuls too and take
         * the same pool (one pool: the larger, not the sum). */
        for (uint32_t g = 0; g < req->n_gpus; g++)
            if (!req->flash_attn || mm.float_on_gpu[g] || (g == 0 && offload_ops && mm.host_float))
                out->gpu[g].overhead += LLAMA_CUBLAS_POOL_BYTES;
        /* Pipeline parallelism (several GPUs, every layer offloaded, no
         * tensor overrides): the scheduler keeps 4 copies of each split's
         * inputs, so each GPU holds 3 more masks and 4 ubatches of hidden
         * state (the activations passed between GPUs). */
        bool all_layers = p.act_gpu_layers == m->n_layer + 1;
        if (req->n_gpus > 1 && all_layers && req->cpu_moe_layers == 0) {
            uint64_t copies = (LLAMA_SCHED_COPIES - 1) * mask + LLAMA_SCHED_COPIES * ub * (uint64_t)m->n_embd * 4;
            for (uint32_t g = 0; g < req->n_gpus; g++)
                out->gpu[g].compute += (uint64_t)(copies * compute_factor);
            est_note(out, "pipeline parallelism over %u GPUs: %u copies of each split's inputs", req->n_gpus,
                     LLAMA_SCHED_COPIES);
        }
    }

    if (req->mtp && add_mtp_context(m, req, &p, streams, stream_cells, ub, layer_activations, out, err, errlen) != 0)
        return -1;

    /* Host: a CPU compute buffer when layers run there (otherwise the input
     * staging), the logits of one output per slot, the prompt cache. */
    uint64_t host_compute = host_layers ? compute : ub * m->n_embd * 4ull * 2;
    host_compute += (uint64_t)m->n_vocab * n_seq * 4;
    out->host.compute = host_compute;
    out->host.overhead = LLAMA_HOST_BASELINE_BYTES;
    out->host.other = req->cache_ram_bytes;
    if (req->cpu_moe_layers && m->n_expert == 0)
        est_note(out, "cpu_moe_layers has no effect: the model has no experts");
    if (req->n_gpus > 1 && req->gpu_layers != 0)
        est_note(out, "layers split over %u GPUs by layer", req->n_gpus);
    est_finish_totals(out);
    return 0;
}
