/* Shared pieces of the estimator's engine models (not a public interface). */
#ifndef INFRAC_ESTIMATE_INTERNAL_H
#define INFRAC_ESTIMATE_INTERNAL_H

#include <stdarg.h>

#include "estimate/estimate.h"

/* Calibrated constants; docs/vram.md says where each comes from. */
#define LLAMA_CUDA_OVERHEAD_BYTES (600ull * MIB) /* per process per GPU, fitted on H200 */
#define LLAMA_HOST_BASELINE_BYTES (256ull * MIB) /* llama-server's own heap, CUDA host state */
#define LLAMA_KV_PAD 256u
#define LLAMA_NOFA_KQ_FACTOR 1.0                /* one f32 KQ: the softmax runs in place of it (llama-graph.cpp build_attn_mha) */
#define LLAMA_CUBLAS_POOL_BYTES (96ull * MIB)    /* CUDA pool of cuBLAS matmuls (float weights), measured */
#define LLAMA_SCHED_COPIES 4u                    /* GGML_SCHED_MAX_COPIES: pipeline-parallel input copies */
#define LLAMA_OFFLOAD_MIN_BATCH 32u              /* CUDA op offload threshold (tokens) */
/* Sliding-window MoE with host experts: the compute buffer above the graph's
 * own peak, at ub 512 (measured, Gemma 4 26B-A4B: 105 MiB at 16K-131K, 121
 * at 8K; 51 at ub 2048). Scaled by 512 / ub above ub 512. */
#define LLAMA_SWA_HOST_EXPERT_BYTES (121ull * MIB)
#define VLLM_NON_TORCH_BYTES (600ull * MIB)      /* CUDA context, NCCL, allocator slack */
#define VLLM_BLOCK_TOKENS 16u                   /* vLLM's default KV block size */
#define VLLM_CUDA_GRAPH_BYTES (512ull * MIB)
#define VLLM_HOST_BASELINE_BYTES (4ull * GIB)    /* Python, torch, CUDA host state */
#define INFRAC_HOST_BASELINE_BYTES (32ull * MIB)
#define CONSERVATIVE_COMPUTE_FACTOR 1.5

void est_note(estimate_result *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t est_pad(uint64_t x, uint64_t n);
/* Bytes of one K (or V) row of n elements of a cache type; false when the
 * type cannot hold n elements (e.g. head size not a block multiple). */
bool est_row_bytes(uint32_t type, est_cache_geom geom, uint64_t n, uint64_t *bytes, char *err, size_t errlen);
/* The n_ctx a request asks for (its own, else the model's trained one). */
uint32_t est_context(const model_shape *m, const estimate_request *req);
/* FFN width whose activations are live at once (experts used x expert width for MoE). */
uint64_t est_ffn_width(const model_shape *m);
/* Elements of one cached K and V row of layer il (0 for a recurrent layer,
 * V 0 under MLA) and whether the layer uses the sliding window. */
void est_layer_kv(const model_shape *m, uint32_t il, uint64_t *n_k, uint64_t *n_v, bool *swa);
/* Whether layer il is an MTP (nextn) block: llama.cpp loads its tensors and
 * caches it only in the MTP draft context (--spec-type draft-mtp). */
bool est_layer_nextn(const model_shape *m, uint32_t il);
/* Bytes of the tensors of the MTP blocks. */
uint64_t est_nextn_bytes(const model_shape *m);
/* Bytes of one recurrent layer's state for one slot (F32 conv + SSM state). */
uint64_t est_recurrent_state_bytes(const model_shape *m);
void est_finish_totals(estimate_result *out);

/* The tensors of a declared shape (no GGUF): embedding, output and one
 * dense and one expert pseudo-tensor per layer, weights_bytes spread over
 * them. Returns a malloc'ed array of *n entries, NULL on failure. */
model_tensor *est_declared_tensors(const model_shape *m, uint32_t *n);

int est_llamacpp(const model_shape *m, const estimate_request *req, estimate_result *out, char *err, size_t errlen);
/* Adds a llama.cpp draft model (req->draft) to the target's estimate out. */
int est_llamacpp_draft(const model_shape *m, const estimate_request *req, estimate_result *out, char *err,
                       size_t errlen);
int est_vllm(const model_shape *m, const estimate_request *req, estimate_result *out, char *err, size_t errlen);
int est_infrac(const model_shape *m, const estimate_request *req, estimate_result *out, char *err, size_t errlen);

#endif
