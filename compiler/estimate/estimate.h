/* The memory estimator: what an engine will really allocate on each GPU and
 * in host RAM for one service. Used by the VRAM/RAM checks, by
 * `infrac plan` and by `infrac estimate`. Knows nothing of YAML: callers
 * fill an estimate_request and a model_shape. See docs/vram.md. */
#ifndef INFRAC_ESTIMATE_H
#define INFRAC_ESTIMATE_H

#include <stdbool.h>
#include <stdint.h>

#include "gguf.h"

#define EST_MAX_GPUS 16
#define EST_MAX_NOTES 8
#define EST_MAX_LAYERS 1024 /* per-layer geometry read from a header */

/* Per-layer kinds (llama.cpp's hparams: swa_layers, recurrent_layer_arr). */
#define EST_LAYER_SWA 1u       /* sliding-window attention */
#define EST_LAYER_RECURRENT 2u /* no KV: a fixed recurrent state per slot */
#define EST_LAYER_NO_KV 4u     /* an encoder's layer: no cache at all */
#define EST_LAYER_NEXTN 8u     /* an MTP (nextn) layer: loaded and cached only when it drafts */

#define MIB (1024ull * 1024ull)
#define GIB (1024ull * MIB)

typedef enum engine_kind {
    ENGINE_LLAMACPP = 0,
    ENGINE_VLLM,
    ENGINE_INFRAC,
    ENGINE_COUNT
} engine_kind;

/* "llama.cpp", "vllm", "infrac". */
const char *engine_kind_name(engine_kind e);
/* -1 when unknown. */
int engine_kind_from_name(const char *name);

/* Where a tensor goes, for placement: decided from its name. */
typedef enum tensor_role {
    TROLE_TOKEN_EMBD,   /* token_embd.*: stays on the host in llama.cpp */
    TROLE_INPUT,        /* position_embd, token_types, per_layer_token_embd: the
                         * other inputs llama.cpp keeps on the host (llama-arch.cpp
                         * LLM_TENSOR_LAYER_INPUT) */
    TROLE_OUTPUT,       /* output.weight (absent = tied to token_embd) */
    TROLE_OUTPUT_NORM,
    TROLE_LAYER,        /* blk.N.* dense weights */
    TROLE_LAYER_EXPERT, /* blk.N.ffn_{gate,up,down}_exps.*: MoE experts */
    TROLE_OTHER         /* rope_freqs and the like */
} tensor_role;

typedef struct model_tensor {
    char name[72];
    tensor_role role;
    int32_t layer;      /* blk index, -1 otherwise */
    uint32_t type;      /* ggml type id */
    uint64_t bytes;
} model_tensor;

/* What the estimator needs to know of a model: from a GGUF header or a
 * declared shape (then tensors is NULL and weights_bytes is the total). */
typedef struct model_shape {
    char arch[32];
    bool arch_known;          /* one of the architectures modelled exactly */
    uint32_t n_layer, n_embd, n_head, n_head_kv, head_dim_k, head_dim_v;
    uint32_t n_ff, n_vocab, n_ctx_train;
    uint32_t n_expert, n_expert_used, n_ff_exp;  /* MoE; 0 for dense */
    uint32_t n_swa;           /* sliding window (gemma2/3); 0 = none */
    uint32_t swa_period;      /* every swa_period-th layer is global (gemma3: 6, gemma2: 2) */
    bool has_rope_scaling;
    /* Per-layer geometry (per_layer: read from the header; else every layer
     * has n_head_kv x head_dim_k/v and the swa_period pattern). */
    bool per_layer;
    uint16_t layer_n_head_kv[EST_MAX_LAYERS];
    uint8_t layer_flags[EST_MAX_LAYERS];
    uint32_t head_dim_k_swa, head_dim_v_swa; /* gemma4: sliding layers' own sizes; 0 = same */
    /* Recurrent layers (Mamba / Gated DeltaNet, llama-memory-recurrent.cpp):
     * per slot, F32, conv (d_conv - 1) x (d_inner + 2 n_group d_state) and
     * state d_state x d_inner per layer. */
    uint32_t ssm_d_conv, ssm_d_state, ssm_n_group, ssm_d_inner;
    /* MLA (deepseek2): llama.cpp caches kv_lora_rank + rope dims of K only. */
    uint32_t kv_lora_rank, n_rot;
    bool tied_output;         /* no output.weight: the output reuses token_embd */
    /* An encoder served with --embedding (bert, nomic-bert, ...): no KV cache
     * and no LM head; attention spans one ubatch (llama-graph.cpp
     * build_attn_inp_no_cache). rope: positions by RoPE (no position_embd);
     * gated_ffn: a ffn_gate beside ffn_up (SwiGLU), else one up projection. */
    bool encoder, encoder_rope, gated_ffn;
    /* MTP heads (%s.nextn_predict_layers, llama-model.cpp n_layer_nextn): the
     * last n_nextn of the n_layer blocks (block_count counts them), flagged
     * EST_LAYER_NEXTN; and the tokenizer (tokenizer.ggml.model; "" = not said). */
    uint32_t n_nextn;
    char tokenizer[32];
    /* Why infrac-engine would refuse the file ("" = it runs it, as far as
     * the header tells; common/engine_arch.h). */
    char infrac_refusal[200];
    uint64_t weights_bytes;   /* all tensors */
    /* the size of the file it was read from when that file holds the tensor
     * data; 0 for a header-only copy, a catalog entry or a declared shape */
    uint64_t file_bytes;
    model_tensor *tensors;    /* malloc'ed; NULL for a declared shape */
    uint32_t n_tensors;
} model_shape;

/* Whether the estimator models this architecture exactly (else its
 * estimates are conservative upper bounds). */
bool estimate_arch_known(const char *arch);

/* Fills shape from a parsed GGUF (header-only is enough). 0, or -1 with err. */
int model_shape_from_gguf(const gguf_file *f, model_shape *shape, char *err, size_t errlen);
/* Opens path and fills shape. */
int model_shape_load(const char *path, model_shape *shape, char *err, size_t errlen);
void model_shape_free(model_shape *shape);
/* Fills shape from the model catalog (schema/models.yaml): the entry's
 * header made in memory, read as a file's would be, its weights scaled to
 * file_bytes when given (the fleet's `file_size:`, the file the hosts
 * hold), else to the published size of the release. A UD-* release needs
 * one of the two. */
int model_shape_from_catalog(const char *id, const char *quant, uint64_t file_bytes, model_shape *shape, char *err,
                             size_t errlen);
/* Scales every tensor so the weights add up to total bytes (0: unchanged). */
void model_shape_scale_to(model_shape *shape, uint64_t total);

/* Cache types beyond ggml's ids, for vLLM's --kv-cache-dtype: auto is the
 * model's dtype (16-bit), the fp8 kinds one byte per element. */
enum { CACHE_AUTO = 1000, CACHE_FP8 = 1001, CACHE_FP8_E4M3 = 1002, CACHE_FP8_E5M2 = 1003 };

/* A cache type's name in the fleet file ("f16", "q8_0", "auto", "fp8", ...):
 * ggml's names and the CACHE_* kinds; "?" for an id that is neither. */
const char *cache_type_name(uint32_t type);
/* The id for a name: a ggml type id or CACHE_*; -1 when unknown. */
int cache_type_from_name(const char *name);

/* A cache type beyond ggml's (a build's `cache_types:`): `elems` elements
 * stored in `bytes` bytes. elems 0 = the request's ggml type id. */
typedef struct est_cache_geom {
    uint32_t elems, bytes;
} est_cache_geom;

/* Cache types declared by builds: CACHE_DECLARED + index in fleet.cache_names;
 * a request with one gives its geometry in cache_*_geom. */
#define CACHE_DECLARED 2000
#define EST_DECLARED_BLOCK 32 /* a declared type's block when it names none (ggml's usual) */

/* A declared type's blocks: `block` elements (0 = EST_DECLARED_BLOCK) of
 * `bits` each, as ggml sizes a type (bytes per block). False when they are
 * not a whole number of bytes. */
bool est_declared_cache_geom(double bits, uint32_t block, est_cache_geom *out);

typedef struct estimate_request {
    engine_kind engine;
    uint32_t context;          /* n_ctx; 0 = the model's trained context */
    uint32_t parallel;         /* slots (-np / max-num-seqs); >= 1 */
    bool kv_unified;           /* llama.cpp -kvu: slots share one cache */
    uint32_t batch, ubatch;
    uint32_t cache_k, cache_v; /* ggml type ids (GGML_T_F16 ...), CACHE_* or CACHE_DECLARED + i */
    est_cache_geom cache_k_geom, cache_v_geom; /* a declared type's blocks; elems 0 = by id */
    bool flash_attn;
    uint32_t n_gpus;           /* 0 = CPU only */
    double tensor_split[EST_MAX_GPUS]; /* shares; all 0 = even split */
    int32_t gpu_layers;        /* -1 = all; else how many of n_layer+1 */
    uint32_t cpu_moe_layers;
    bool swa_full;
    uint64_t cache_ram_bytes;  /* llama-server --cache-ram (host); default 8192 MiB */
    /* llama-server --embedding: the server sets n_batch = n_ubatch
     * (tools/server/server.cpp) so a request fits one ubatch */
    bool embeddings;
    /* Speculative decoding (docs/vram.md, "Drafters"): a draft model in the
     * same process, and/or the model's own MTP (nextn) layers drafting. */
    const model_shape *draft;  /* NULL = none */
    uint32_t draft_cache;      /* K cache type of the draft / MTP context (ggml id) */
    uint32_t draft_cache_v;    /* its V cache type (llama.cpp -ctvd; the fleet's draft_cache sets both) */
    int32_t draft_gpu_layers;  /* -1 = all */
    int32_t draft_gpu;         /* the one GPU (index into this request's GPUs) holding the draft; -1 = split alike */
    bool mtp;                  /* llama.cpp --spec-type draft-mtp, vLLM method mtp */
    /* llama.cpp: recurrent-state snapshots per slot kept for rolling back a
     * rejected draft (common.h need_n_rs_seq: the draft n_max with
     * draft-mtp/-eagle3/-dflash/-dspark; 0 = none) */
    uint32_t rs_rollback;
    /* vLLM */
    double gpu_memory_utilization;            /* 0 = engine default */
    uint64_t gpu_total_bytes[EST_MAX_GPUS];   /* usable memory per GPU, for vLLM's claim */
    /* Runtime overhead per GPU (CUDA context and pools; gpu_spec's
     * runtime_overhead_bytes); 0 = the calibrated default. */
    uint64_t gpu_overhead_bytes[EST_MAX_GPUS];
    /* infrac-engine worker threads (per-thread scratch); 0 = the engine's
     * default: one per CPU, host_cpus when known, else EST_DEFAULT_THREADS. */
    uint32_t threads;
    uint32_t host_cpus;        /* the host's CPUs; 0 = not declared */
} estimate_request;

#define EST_DEFAULT_THREADS 128

/* Sets every field to the engine's defaults (llama-server's for llama.cpp). */
void estimate_request_defaults(estimate_request *req, engine_kind engine);
/* llama-server --embedding: on, and n_batch = n_ubatch as the server sets
 * it when the batch is larger (tools/server/server.cpp), so a request fits
 * one ubatch; a batch not given follows the ubatch too (else llama.cpp's
 * n_ubatch = min(n_batch, n_ubatch) would cap the ubatch asked for). Call
 * after batch and ubatch are final. */
void estimate_request_set_embeddings(estimate_request *req, bool on, bool batch_given);

typedef struct memory_breakdown {
    uint64_t weights;
    uint64_t kv_cache;
    uint64_t compute;   /* compute buffers / activations */
    uint64_t overhead;  /* runtime: CUDA context and pools, process baseline */
    uint64_t other;     /* host prompt cache, vLLM's reserved rest of the claim */
    uint64_t total;
} memory_breakdown;

typedef struct estimate_result {
    uint32_t n_gpus;
    memory_breakdown gpu[EST_MAX_GPUS];
    memory_breakdown host;
    uint32_t layers_on_gpu[EST_MAX_GPUS];
    uint64_t kv_bytes_per_token;  /* all layers, K+V (vLLM: the layers that grow with the sequence) */
    /* vLLM: KV of one sequence of the full context, all GPUs (sliding
     * layers capped, recurrent state included), and its part that does not
     * grow with the context. */
    uint64_t kv_one_sequence, kv_fixed_bytes;
    uint32_t kv_cells;            /* context cells actually allocated (padded) */
    /* vLLM: bytes left for KV inside the claim; 0 otherwise */
    uint64_t vllm_kv_budget[EST_MAX_GPUS];
    bool conservative;            /* unknown architecture: upper bound */
    uint32_t n_notes;
    char notes[EST_MAX_NOTES][200];
} estimate_result;

/* 0 on success, -1 with err for a request that cannot be estimated. */
int estimate_memory(const model_shape *model, const estimate_request *req,
                    estimate_result *out, char *err, size_t errlen);

#endif
