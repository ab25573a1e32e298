/* A context's internals, shared by context.c (allocation, API), matmul.c,
 * forward.c and attention.c. */
#ifndef INFRAC_ENGINE_CONTEXT_INTERNAL_H
#define INFRAC_ENGINE_CONTEXT_INTERNAL_H

#include "engine.h"
#include "ggml_types.h"
#include "attn_kernels.h"
#include "kernels.h"
#include "model.h"
#include "pool.h"
#include "quant.h"
#include "repack.h"

/* One layer's KV cache: K rows, V rows, and the cells of each slot (a ring
 * of swa_cells for a sliding-window layer: position p in cell p mod it). */
typedef struct ie_layer_kv {
    uint8_t *k, *v;
    uint32_t cells_per_slot;
    uint64_t k_row_bytes, v_row_bytes; /* one cell (gemma4's sliding and global layers differ) */
} ie_layer_kv;

struct ie_context {
    ie_model *model;
    ie_context_params params;
    uint32_t cells_per_slot;
    ie_pool *pool;
    ie_qdot_fn qdot[GGML_T_COUNT];
    uint8_t *kv;                       /* engine_kv_bytes */
    uint8_t *scratch;                  /* engine_scratch_bytes */
    uint64_t kv_bytes, scratch_bytes;
    uint32_t *n_past;                  /* per slot */
    uint32_t swa_cells;                /* per slot in a sliding-window layer (engine_swa_cells_per_slot) */
    uint32_t *swa_lo;                  /* per slot: the earliest position the rings still hold */
    ie_layer_kv *layer_kv;             /* per layer */
    /* Scratch regions (see engine_memory.c for their sizes and order). */
    float *x, *xb, *q, *k, *v, *att, *gate, *up, *logits, *scores, *kv_row, *w_row;
    uint64_t kv_row_floats; /* kv_row per thread: the widest K + V head */
    uint32_t x_rows; /* tokens in x after the last ie_forward (pooling reads them) */
    /* MoE (empty for dense models): router probabilities, one expert's
     * gathered input rows, the chosen experts and their weights per token,
     * the (token, k) pairs ordered by expert, each expert's first pair. */
    float *moe_probs, *moe_x, *moe_w;
    int32_t *moe_ids;
    uint32_t *moe_order, *moe_start;
    float *moe_dense, *moe_out; /* gemma4's MoE: the dense FFN's output, the experts' */
    ie_block_q8a *xq;
    const float *xq_of; /* x that xq holds, until the forward pass rewrites x */
    uint64_t xq_cols;
    uint32_t xq_ntok;
    ie_act_layout xq_layout; /* of what xq holds */
    ie_rdot_fn rdot;     /* kernel for repacked weights */
    ie_attn_kernels attn;
    bool xq_rounded;    /* x itself was rewritten to xq's values */
    float *blas_tiles;  /* matmul.c's sgemm tiles, one per thread; made on first use */
};

/* y[t*ldy + r] (+)= W row r . x_t (+ bias[r]) for t < n_tok; x rows are
 * w->cols floats apart. Quantizes x once into c->xq when the weight type
 * has an integer kernel. A prompt batch on such a weight without repacked
 * kernel runs as sgemm over f32 and rewrites x in place to its quantized
 * values, so it computes the integer kernels' products (and llama.cpp's):
 * x is scratch that only these products read. */
void ie_matmul(ie_context *c, const ie_weight *w, float *x, uint32_t n_tok, float *y, uint64_t ldy,
               const float *bias, bool accumulate);

/* One product of a set that shares its input x (q/k/v, gate/up). */
typedef struct ie_matmul_out {
    const ie_weight *w;
    float *y;
    uint64_t ldy;
    const float *bias;
} ie_matmul_out;

/* The products of up to IE_MATMUL_SET weights with the same input: one
 * parallel job (one wait) when all are repacked, else one ie_matmul each. */
#define IE_MATMUL_SET 3
void ie_matmul_set(ie_context *c, const ie_matmul_out *outs, int n_outs, float *x, uint32_t n_tok);

/* gate[i] = act(gate[i]) * up[i] for i < n: act SiLU, or GELU (tanh form,
 * through ggml's F16 table) when gelu. */
void ie_glu(ie_context *c, float *gate, const float *up, uint64_t n, bool gelu);

/* The mixture-of-experts FFN of layer ly for n tokens: x += sum over
 * each token's chosen experts of weight x SwiGLU FFN(xb) (forward_moe.c). */
void ie_moe_ffn(ie_context *c, const ie_layer *ly, uint32_t n);
/* gemma4's MoE layer: x += post_ffw_norm(post_ffw_norm_1(dense FFN) +
 * post_ffw_norm_2(experts)), each on its own norm of x (forward_moe.c). */
void ie_moe_ffn_gemma4(ie_context *c, const ie_layer *ly, uint32_t n);

/* The attention of layer for n_tok tokens at pos..: c->att from c->q and
 * the cache rows already written (attention.c). */
void ie_attention(ie_context *c, uint32_t layer, uint32_t slot, uint32_t n_tok, uint32_t pos);

/* Runs n tokens (n <= n_batch) of a slot at pos..pos+n-1. */
void ie_forward(ie_context *c, uint32_t slot, const int32_t *tokens, uint32_t n, uint32_t pos);
/* After ie_forward of n tokens at pos: their share of the pooling into pooled. */
void ie_forward_pool(ie_context *c, uint32_t n, uint32_t pos, float *pooled);

/* The K / V cache row of a slot's position in a layer. */
static inline uint8_t *ie_kv_k(const ie_context *c, uint32_t layer, uint32_t slot, uint32_t pos)
{
    const ie_layer_kv *l = &c->layer_kv[layer];
    return l->k + ((uint64_t)slot * l->cells_per_slot + pos % l->cells_per_slot) * l->k_row_bytes;
}

static inline uint8_t *ie_kv_v(const ie_context *c, uint32_t layer, uint32_t slot, uint32_t pos)
{
    const ie_layer_kv *l = &c->layer_kv[layer];
    return l->v + ((uint64_t)slot * l->cells_per_slot + pos % l->cells_per_slot) * l->v_row_bytes;
}

#endif
