/* Constrained sampling's per-step mask: every token whose bytes would leave
 * the JSON language, or would leave too few tokens to close the value, gets
 * -infinity in the logits. The vocabulary's bytes are read once. */
#ifndef INFRAC_SERVER_TOKEN_MASK_H
#define INFRAC_SERVER_TOKEN_MASK_H

#include <stdint.h>

#include "json_matcher.h"
#include "tokenizer.h"

typedef struct token_pieces token_pieces;

token_pieces *token_pieces_new(const ie_vocab *v);
void token_pieces_free(token_pieces *p);
const char *token_pieces_get(const token_pieces *p, int32_t tok, uint32_t *len);
int32_t token_pieces_count(const token_pieces *p);

/* Masks logits (n_vocab floats) in place for the state m when budget tokens
 * may still be generated after this one (a closing byte per token).
 * Returns how many tokens stay allowed. */
uint32_t token_mask_json(const token_pieces *p, const json_matcher *m, uint32_t budget,
                         float *logits);

#endif
