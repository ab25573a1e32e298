/* infrac-engine's inference API: a model (mmapped GGUF weights + vocab), a
 * context (KV cache split into slots) and samplers. The CLI and the HTTP
 * server use only this header. A context is not thread-safe: one thread
 * drives it (the server's scheduler); the forward pass itself runs on the
 * context's own worker threads. */
#ifndef INFRAC_ENGINE_H
#define INFRAC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tokenizer.h"

typedef struct ie_model ie_model;
typedef struct ie_context ie_context;
typedef struct ie_sampler ie_sampler;

/* Loads a GGUF by mmap; NULL with a message naming what is wrong (unknown
 * architecture, unsupported tensor type by name, missing tensor, ...). */
ie_model *ie_model_load(const char *path, char *err, size_t errlen);
void ie_model_free(ie_model *m);
const ie_vocab *ie_model_vocab(const ie_model *m);
const char *ie_model_arch(const ie_model *m);
uint32_t ie_model_n_ctx_train(const ie_model *m);
uint32_t ie_model_n_vocab(const ie_model *m);
uint64_t ie_model_weight_bytes(const ie_model *m);
uint32_t ie_model_n_embd(const ie_model *m);

/* How a sequence's embedding is pooled from the final-norm hidden states of
 * its tokens: the GGUF's {arch}.pooling_type, with llama.cpp's numbering
 * (include/llama.h enum llama_pooling_type; src/llama-graph.cpp
 * build_pooling). A model without the key has none, and llama-server then
 * refuses /v1/embeddings ("Pooling type 'none' is not OAI compatible"). */
typedef enum ie_pooling {
    IE_POOLING_NONE = 0, IE_POOLING_MEAN = 1, IE_POOLING_CLS = 2, IE_POOLING_LAST = 3,
    IE_POOLING_RANK = 4,
} ie_pooling;
ie_pooling ie_model_pooling(const ie_model *m);

typedef struct ie_context_params {
    uint32_t n_ctx;    /* total KV cells, shared evenly by the slots */
    uint32_t n_slots;  /* >= 1 */
    uint32_t cache_k;  /* ggml type id: GGML_T_F32, _F16, _Q8_0, _Q4_0 */
    uint32_t cache_v;
    uint32_t n_threads; /* 0 = number of CPUs */
    uint32_t n_batch;  /* most tokens evaluated in one forward pass */
} ie_context_params;

void ie_context_params_default(ie_context_params *p);
/* Bytes ie_context_new will allocate (KV cache + scratch) for these params:
 * the compiler's estimate for engine: infrac must agree with this. */
uint64_t ie_context_bytes(const ie_model *m, const ie_context_params *p);
ie_context *ie_context_new(ie_model *m, const ie_context_params *p, char *err, size_t errlen);
void ie_context_free(ie_context *c);
uint32_t ie_slot_n_ctx(const ie_context *c); /* cells per slot */

/* Evaluates n tokens of one slot at positions pos..pos+n-1 (earlier cells
 * of the slot stay; later ones are dropped) and keeps the logits of the
 * last token. 0, or -1 with a message (n == 0, past the slot's context, a
 * pos that ie_slot_can_resume refuses). */
int ie_decode(ie_context *c, uint32_t slot, const int32_t *tokens, uint32_t n, uint32_t pos,
              char *err, size_t errlen);
/* As ie_decode, and adds the tokens' share of the model's pooling (mean:
 * the sum of their final-norm hidden states; cls: the state at position
 * 0; last: the last token's) into pooled (n_embd floats, zeroed by the
 * caller before position 0). Mean's sum is divided by the caller. */
int ie_decode_pooled(ie_context *c, uint32_t slot, const int32_t *tokens, uint32_t n, uint32_t pos,
                     float *pooled, char *err, size_t errlen);
/* The logits (n_vocab floats) after the slot's last ie_decode. */
const float *ie_logits(const ie_context *c, uint32_t slot);
/* Tokens currently cached in the slot (for prompt prefix reuse). */
uint32_t ie_slot_n_past(const ie_context *c, uint32_t slot);
/* Whether ie_decode may continue the slot at pos (<= n_past), reusing the
 * cached positions before it: always for pos 0 or without sliding-window
 * layers; with them only while their rings (window + batch cells) still
 * hold the window before pos. Otherwise start again from 0. */
bool ie_slot_can_resume(const ie_context *c, uint32_t slot, uint32_t pos);

typedef struct ie_sampler_params {
    float temperature;     /* 0 = greedy */
    int32_t top_k;         /* 0 = off */
    float top_p;           /* 1 = off */
    float min_p;           /* 0 = off */
    float repeat_penalty;  /* 1 = off */
    int32_t repeat_last_n; /* tokens of history the penalties look at */
    float presence_penalty;  /* OpenAI's: subtracted once from a token seen in the window; 0 = off */
    float frequency_penalty; /* OpenAI's: subtracted per occurrence in the window; 0 = off */
    uint64_t seed;
} ie_sampler_params;

void ie_sampler_params_default(ie_sampler_params *p);
ie_sampler *ie_sampler_new(const ie_sampler_params *p, uint32_t n_vocab);
void ie_sampler_free(ie_sampler *s);
/* Picks the next token from logits; history is what the slot has seen. */
int32_t ie_sampler_sample(ie_sampler *s, const float *logits, const int32_t *history, size_t n_history);

#endif
