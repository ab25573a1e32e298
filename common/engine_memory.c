/* The context memory formula of infrac-engine (see engine_memory.h and
 * docs/engine.md). ie_context_new allocates exactly two blocks: the KV
 * cache (engine_kv_bytes) and one scratch block carved into the regions
 * listed in engine_scratch_bytes, each rounded up to 64 bytes. */
#include "engine_memory.h"

#include <stdbool.h>

#include "ggml_types.h"

#define EM_ALIGN 64u
/* Bytes of one quantized activation block (32 int8 + float scale + int sum). */
#define EM_QACT_BLOCK_BYTES 40u

static uint64_t em_round(uint64_t n)
{
    return (n + EM_ALIGN - 1) / EM_ALIGN * EM_ALIGN;
}

static uint64_t em_row(uint32_t type, uint64_t n)
{
    uint64_t b = 0;
    if (!ggml_row_bytes(type, n, &b))
        return 0;
    return b;
}

static uint32_t em_max(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static uint32_t em_slots(const engine_mem_params *p)
{
    return p->n_slots ? p->n_slots : 1;
}

static uint64_t em_cells_per_slot(const engine_mem_params *p)
{
    return p->n_ctx / em_slots(p);
}

/* The batch a context runs with: at least 1, at most the context (as
 * engine/context.c's normalize applies it), so the compiler's estimate of a
 * service whose batch exceeds its context sizes what the engine allocates. */
static uint64_t em_batch(const engine_mem_params *p)
{
    uint64_t b = p->n_batch ? p->n_batch : 1;
    return p->n_ctx && b > p->n_ctx ? p->n_ctx : b;
}

uint64_t engine_swa_cells_per_slot(const engine_mem_shape *s, const engine_mem_params *p)
{
    uint64_t full = em_cells_per_slot(p);
    if (!s->n_swa || !s->n_layer_swa)
        return full;
    uint64_t ring = (uint64_t)s->n_swa + em_batch(p);
    return ring < full ? ring : full;
}

/* The sliding layers' geometry (the global one where not their own). */
static uint32_t em_or(uint32_t v, uint32_t dflt)
{
    return v ? v : dflt;
}

engine_attn_dims engine_attn_widths(const engine_mem_shape *s)
{
    uint64_t hk = em_max(s->head_dim_k, em_or(s->head_dim_k_swa, s->head_dim_k));
    uint64_t hv = em_max(s->head_dim_v, em_or(s->head_dim_v_swa, s->head_dim_v));
    uint64_t nkv_swa = em_or(s->n_head_kv_swa, s->n_head_kv);
    uint64_t k_g = (uint64_t)s->n_head_kv * s->head_dim_k, k_s = nkv_swa * em_or(s->head_dim_k_swa, s->head_dim_k);
    uint64_t v_g = (uint64_t)s->n_head_kv * s->head_dim_v, v_s = nkv_swa * em_or(s->head_dim_v_swa, s->head_dim_v);
    return (engine_attn_dims){(uint64_t)s->n_head * hk, k_g > k_s ? k_g : k_s, v_g > v_s ? v_g : v_s,
                              (uint64_t)s->n_head * hv, hk + hv};
}

uint64_t engine_kv_bytes(const engine_mem_shape *s, const engine_mem_params *p)
{
    uint32_t n_swa_layers = s->n_layer_swa < s->n_layer ? s->n_layer_swa : s->n_layer;
    uint64_t full_cells = (uint64_t)(s->n_layer - n_swa_layers) * em_cells_per_slot(p) * em_slots(p);
    uint64_t swa_cells = (uint64_t)n_swa_layers * engine_swa_cells_per_slot(s, p) * em_slots(p);
    uint64_t nkv_swa = em_or(s->n_head_kv_swa, s->n_head_kv);
    uint64_t k_row = em_row(p->cache_k, (uint64_t)s->n_head_kv * s->head_dim_k);
    uint64_t v_row = em_row(p->cache_v, (uint64_t)s->n_head_kv * s->head_dim_v);
    uint64_t k_row_swa = em_row(p->cache_k, nkv_swa * em_or(s->head_dim_k_swa, s->head_dim_k));
    uint64_t v_row_swa = em_row(p->cache_v, nkv_swa * em_or(s->head_dim_v_swa, s->head_dim_v));
    return em_round(full_cells * (k_row + v_row) + swa_cells * (k_row_swa + v_row_swa));
}

uint64_t engine_ffn_width(const engine_mem_shape *s)
{
    if (!s->n_expert || !s->n_expert_used)
        return s->n_ff;
    uint64_t per = s->n_ff_exp ? s->n_ff_exp : s->n_ff / s->n_expert_used;
    uint64_t w = (uint64_t)s->n_expert_used * per;
    return s->moe_shared && s->n_ff > w ? s->n_ff : w;
}

uint64_t engine_scratch_bytes(const engine_mem_shape *s, const engine_mem_params *p)
{
    uint64_t b = em_batch(p);
    uint64_t t = p->n_threads ? p->n_threads : 1;
    engine_attn_dims d = engine_attn_widths(s);
    uint64_t qdim = d.qdim, odim = d.odim, kdim = d.kdim, vdim = d.vdim;
    uint64_t ff = engine_ffn_width(s);
    uint64_t max_in = em_max(em_max(s->n_embd, (uint32_t)odim), (uint32_t)ff);
    bool moe = s->n_expert && s->n_expert_used;
    uint64_t routes = moe ? b * s->n_expert_used : 0;
    uint64_t qblocks = (max_in + 31) / 32;
    uint64_t total = 0;
    total += em_round(b * s->n_embd * 4);            /* residual stream x */
    total += em_round(b * s->n_embd * 4);            /* normed input xb */
    total += em_round(b * qdim * 4);                 /* q */
    total += em_round(b * kdim * 4);                 /* k */
    total += em_round(b * vdim * 4);                 /* v */
    total += em_round(b * odim * 4);                 /* attention output */
    total += em_round(b * ff * 4);                   /* ffn gate (MoE: per chosen expert) */
    total += em_round(b * ff * 4);                   /* ffn up */
    total += em_round((uint64_t)em_slots(p) * s->n_vocab * 4); /* logits per slot */
    total += em_round(b * qblocks * EM_QACT_BLOCK_BYTES);      /* quantized activations */
    total += em_round(t * em_cells_per_slot(p) * 4);           /* attention scores per thread */
    total += em_round(t * d.kv_row * 4);                       /* KV row decode per thread */
    total += em_round(t * qblocks * 32 * 4);                   /* weight row decode per thread */
    /* MoE: router probabilities, one expert's gathered input rows, the
     * chosen (expert, weight) pairs, the pairs ordered by expert, and the
     * per-expert start offsets. */
    total += em_round(moe ? b * s->n_expert * 4 : 0);
    total += em_round(moe ? b * s->n_embd * 4 : 0);
    total += em_round(routes * 4);
    total += em_round(routes * 4);
    total += em_round(routes * 4);
    total += em_round(moe ? ((uint64_t)s->n_expert + 1) * 4 : 0);
    /* gemma4's MoE: the dense FFN's output and the experts' */
    total += em_round(moe && s->moe_shared ? b * s->n_embd * 4 : 0);
    total += em_round(moe && s->moe_shared ? b * s->n_embd * 4 : 0);
    return total;
}

uint64_t engine_context_bytes(const engine_mem_shape *s, const engine_mem_params *p)
{
    return engine_kv_bytes(s, p) + engine_scratch_bytes(s, p);
}
