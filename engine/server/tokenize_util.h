/* ie_tokenize / ie_detokenize with buffers that grow to fit. */
#ifndef INFRAC_SERVER_TOKENIZE_UTIL_H
#define INFRAC_SERVER_TOKENIZE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "tokenizer.h"

/* The token count with *out malloc'd (caller frees), or -1. */
int tokenize_text(const ie_vocab *v, const char *text, size_t len, bool add_special,
                  bool parse_special, int32_t **out);
/* Appends the text of the tokens (any bytes); false for an invalid id. */
bool detokenize_tokens(const ie_vocab *v, const int32_t *tokens, int n, bool render_special,
                       strbuf *out);
/* Appends one token's piece; false for an invalid id. */
bool token_piece(const ie_vocab *v, int32_t token, bool render_special, strbuf *out);

#endif
