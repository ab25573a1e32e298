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

typedef enum ie_arch { IE_ARCH_LLAMA, IE_ARCH_QWEN2, IE_ARCH_QWEN3 } ie_arch;

/* A 2-D weight: rows output features of cols inputs each. */
typedef struct ie_weight {
    const uint8_t *data;
    uint32_t type;
    uint64_t rows, cols;
    uint64_t row_bytes;
    const ie_repacked *rp; /* repacked copy used by the matmul, or NULL */
} ie_weight;

typedef struct ie_layer {
    const float *attn_norm, *ffn_norm;
    ie_weight wq, wk, wv, wo, w_gate, w_up, w_down;
    const float *bq, *bk, *bv;        /* qwen2 */
    const float *q_norm, *k_norm;     /* qwen3, head_dim each */
} ie_layer;

typedef struct ie_hparams {
    uint32_t n_layer, n_embd, n_head, n_head_kv, head_dim_k, head_dim_v, n_ff, n_vocab, n_ctx_train;
    uint32_t rope_dim;
    float rope_base, rms_eps;
    bool rope_neox;
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
    float *rope_inv_freq; /* rope_dim / 2 frequencies (rope_freqs folded in) */
    ie_vocab *vocab;
    uint64_t weight_bytes;
    ie_repacked *repacked; /* n_repacked entries; their data lives in repack_buf */
    uint32_t n_repacked;
    uint8_t *repack_buf;
    uint64_t repack_bytes;
};

/* Validates a parsed GGUF as a model; takes ownership of f on success
 * (and on failure leaves f for the caller to close). */
ie_model *ie_model_from_gguf(gguf_file *f, char *err, size_t errlen);

#endif
