/* What infrac-engine allocates for a context (KV cache + scratch), as one
 * formula shared by the engine (which allocates it) and the compiler's
 * estimator (which must predict it exactly for `engine: infrac`).
 * Weights are not included: they stay mmapped from the GGUF file. */
#ifndef INFRAC_ENGINE_MEMORY_H
#define INFRAC_ENGINE_MEMORY_H

#include <stdint.h>

typedef struct engine_mem_shape {
    uint32_t n_layer, n_embd, n_head, n_head_kv, head_dim_k, head_dim_v, n_ff, n_vocab;
    /* Mixture of experts (0 for dense): the GGUF's expert_count,
     * expert_used_count, expert_feed_forward_length (0: absent). */
    uint32_t n_expert, n_expert_used, n_ff_exp;
    /* Sliding-window attention (gemma3): the window in tokens and how many
     * layers use it (0 and 0 for none). */
    uint32_t n_swa, n_layer_swa;
    /* gemma4: the sliding layers' own KV head count and head sizes (0: the
     * global layers' n_head_kv / head_dim_k / head_dim_v). */
    uint32_t n_head_kv_swa, head_dim_k_swa, head_dim_v_swa;
    /* gemma4's MoE: a dense FFN of n_ff beside the experts (1), else 0 */
    uint32_t moe_shared;
} engine_mem_shape;

/* Per token, the widest of each attention buffer over both layer kinds:
 * q (n_head x key size), k, v (KV heads x size), the attention output
 * (n_head x value size) and one decoded K + V head (floats). */
typedef struct engine_attn_dims {
    uint64_t qdim, kdim, vdim, odim, kv_row;
} engine_attn_dims;
engine_attn_dims engine_attn_widths(const engine_mem_shape *s);

/* Width of the FFN activations of one token: n_ff, or for a MoE the chosen
 * experts' together (expert_used_count x expert_feed_forward_length, which
 * defaults to n_ff / expert_used_count as in llama.cpp), or with gemma4's
 * dense FFN beside them the larger of the two. */
uint64_t engine_ffn_width(const engine_mem_shape *s);

typedef struct engine_mem_params {
    uint32_t n_ctx, n_slots, n_batch, n_threads;
    uint32_t cache_k, cache_v; /* ggml type ids */
} engine_mem_params;

/* Cells per slot of a sliding-window layer's KV ring: the window plus one
 * batch (a batch writes all its tokens before its first one attends;
 * llama.cpp's llama-kv-cache-iswa.cpp sizes its SWA cache n_swa + n_ubatch
 * too, padded to 256), at most the slot's context. Global layers keep
 * n_ctx / n_slots cells per slot. */
uint64_t engine_swa_cells_per_slot(const engine_mem_shape *s, const engine_mem_params *p);

uint64_t engine_kv_bytes(const engine_mem_shape *s, const engine_mem_params *p);
uint64_t engine_scratch_bytes(const engine_mem_shape *s, const engine_mem_params *p);
/* kv + scratch: everything ie_context_new allocates. */
uint64_t engine_context_bytes(const engine_mem_shape *s, const engine_mem_params *p);

#endif
