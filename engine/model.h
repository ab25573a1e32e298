/* The engine's internal view of a loaded model: hyper-parameters and
 * pointers into the mmapped GGUF, validated against the architecture. */
#ifndef INFRAC_ENGINE_MODEL_H
#define INFRAC_ENGINE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "gguf.h"
#include "repack.h"

/* In the order of engine_arch_names (common/engine_arch.h). */
typedef enum ie_arch { IE_ARCH_LLAMA, IE_ARCH_QWEN2, IE_ARCH_QWEN3, IE_ARCH_QWEN3MOE, IE_ARCH_GEMMA3,
                      IE_ARCH_GEMMA4 } ie_arch;

/* Most experts a MoE layer may have (llama.cpp's LLAMA_MAX_EXPERTS). */
#define IE_MAX_EXPERTS 1024u

/* A 2-D weight: rows output features of cols inputs each. */
typedef struct ie_weight {
    const uint8_t *data;
    uint32_t type;
    uint64_t rows, cols;
    uint64_t row_bytes;
    const ie_repacked *rp; /* repacked copy used by the matmul, or NULL */
    uint64_t exp_stride;   /* expert tensors: bytes from one expert's matrix to the next (0: rows x row_bytes;
                            * more for gemma4's fused ffn_gate_up_exps, whose gate and up are views) */
} ie_weight;

typedef struct ie_layer {
    const float *attn_norm, *ffn_norm;
    ie_weight wq, wk, wv, wo, w_gate, w_up, w_down;
    const float *bq, *bk, *bv;        /* qwen2 */
    const float *q_norm, *k_norm;     /* qwen3, qwen3moe, gemma3: head_dim each */
    /* qwen3moe: the router (n_expert rows) and expert 0's slice of each 3-D
     * expert tensor; expert e is the same matrix e slices further on
     * (ie_expert_slice). w_gate / w_up / w_down stay empty. */
    ie_weight router, exp_gate, exp_up, exp_down;
    const float *attn_post_norm, *ffn_post_norm; /* gemma3, gemma4 */
    /* gemma4's MoE layers: the router's input scale (ffn_gate_inp.scale,
     * n_embd), the experts' input norm and the two output norms (the dense
     * FFN's, the experts'), the per-expert scale of down (or NULL) */
    const float *router_scale, *ffn_pre_norm_2, *ffn_post_norm_1, *ffn_post_norm_2, *exp_down_scale;
    bool swa;                                    /* gemma3, gemma4: a sliding-window layer */
    /* This layer's attention geometry: the model's (hp) for every
     * architecture but gemma4, whose sliding layers have their own head
     * size (key_length_swa) and KV head count (the head_count_kv array). */
    uint32_t n_head_kv, head_dim_k, head_dim_v, rope_dim;
    const float *freq_factors; /* rope_dim / 2 divisors of the angles, or NULL (all 1) */
    bool v_is_k;               /* gemma4 without attn_v: V is K's projection */
    bool v_norm;               /* gemma4: V goes through an RMS norm without weight */
    float out_scale;           /* gemma4 layer_output_scale: the layer's output times it; 1 otherwise */
    float rope_scale;                            /* theta factor (1 / rope.scaling.factor) */
    float rope_theta_scale;                      /* this layer's rope base^(-2 / rope_dim) */
} ie_layer;

/* Expert e's matrix of a 3-D expert tensor: a view into the file, and
 * when the experts were repacked (INFRAC_ENGINE_REPACK_EXPERTS=1) its
 * copy, the e-th after expert 0's. */
static inline ie_weight ie_expert_slice(const ie_weight *w0, uint32_t e)
{
    ie_weight w = *w0;
    w.data += (uint64_t)e * (w.exp_stride ? w.exp_stride : w.rows * w.row_bytes);
    if (w.rp)
        w.rp += e;
    return w;
}

typedef struct ie_hparams {
    /* n_head_kv, head_dim_k / _v, rope_dim: the global (non-sliding) layers' */
    uint32_t n_layer, n_embd, n_head, n_head_kv, head_dim_k, head_dim_v, n_ff, n_vocab, n_ctx_train;
    /* gemma4's sliding layers (the global values otherwise) */
    uint32_t n_head_kv_swa, head_dim_k_swa, head_dim_v_swa, rope_dim_swa;
    uint32_t rope_dim;
    float rope_base, rms_eps;
    bool rope_neox;
    uint32_t n_expert, n_expert_used, n_ff_exp; /* MoE; 0 for dense */
    uint32_t n_swa;                             /* sliding window (tokens); 0: none */
    float rope_base_swa, rope_scale;            /* rope_scale: 1 / rope.scaling.factor */
    float q_scale;        /* multiplies q before attention (gemma3); 1 otherwise */
    float kq_scale;       /* multiplies q.k (1/sqrt(head_dim); 1 for gemma3) */
    float embd_scale;     /* multiplies the token embeddings (gemma3: sqrt(n_embd)) */
    float logit_softcap;  /* final_logit_softcapping; 0: off */
    uint32_t pooling;     /* {arch}.pooling_type, an ie_pooling; absent: none */
    bool gelu;            /* GELU-gated FFN (gemma3, gemma4) instead of SiLU */
    bool moe_shared;      /* gemma4 MoE: a dense FFN beside the experts (their outputs added) */
} ie_hparams;

struct ie_model {
    gguf_file file;
    ie_arch arch;
    char arch_name[16];
    ie_hparams hp;
    ie_weight token_embd, output;
    const float *output_norm;
    bool tied;
    ie_layer *layers;
    ie_vocab *vocab;
    uint64_t weight_bytes;
    ie_repacked *repacked; /* n_repacked entries; their data lives in repack_buf */
    uint32_t n_repacked;
    uint8_t *repack_buf;
    uint64_t repack_bytes;
    float *vecs; /* the F32 vectors copied out of a repacked mapped file (model.c, copy_vectors), or NULL */
};

/* Validates a parsed GGUF as a model; takes ownership of f on success
 * (and on failure leaves f for the caller to close). */
ie_model *ie_model_from_gguf(gguf_file *f, char *err, size_t errlen);

#endif
