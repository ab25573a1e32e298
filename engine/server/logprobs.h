/* Log probabilities of sampled tokens (the model's own distribution: a
 * log-softmax of the raw logits, before penalties and temperature, as
 * vLLM reports them by default) and their OpenAI JSON shapes. */
#ifndef INFRAC_SERVER_LOGPROBS_H
#define INFRAC_SERVER_LOGPROBS_H

#include <stdint.h>

#include "tokenizer.h"

#define LOGPROBS_MAX_TOP 20 /* OpenAI's limit for top_logprobs */

struct json_t;
/* One entry {"token","logprob","bytes","top_logprobs":[{"token","logprob",
 * "bytes"}]} for token tok sampled from logits, with the top_n most likely
 * tokens (0..LOGPROBS_MAX_TOP; ties by lower id). */
struct json_t *logprobs_entry(const ie_vocab *v, const float *logits, uint32_t n_vocab,
                              int32_t tok, uint32_t top_n);
/* Chat's choices[].logprobs: {"content": entries, "refusal": null}. Takes
 * entries over. */
struct json_t *logprobs_chat(struct json_t *entries);
/* Completions' choices[].logprobs: {"tokens","token_logprobs",
 * "top_logprobs","text_offset"}; *offset is the text offset of the first
 * entry's token, advanced past the last. Takes entries over. */
struct json_t *logprobs_completion(struct json_t *entries, size_t *offset);

#endif
