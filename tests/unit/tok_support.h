/* Test-only helpers of the tokenizer unit tests: small vocabularies built
 * through a real GGUF file (common/gguf_write.h), so loading is tested too. */
#ifndef INFRAC_TESTS_TOK_SUPPORT_H
#define INFRAC_TESTS_TOK_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf_write.h"
#include "tokenizer.h"

typedef struct tok_spec {
    const char *model;            /* "llama" or "gpt2" */
    const char *pre;              /* tokenizer.ggml.pre, or NULL */
    const char *const *tokens;
    size_t n_tokens;
    const float *scores;          /* NULL: none */
    const int32_t *types;         /* NULL: none */
    const char *const *merges;    /* gpt2 */
    size_t n_merges;
    int32_t bos, eos;             /* -1: key absent */
    int add_bos;                  /* -1: key absent */
} tok_spec;

/* Writes spec to a temporary GGUF, plus extra keys through extra(w) when
 * given, loads it with ie_vocab_load; NULL with the message in err. */
ie_vocab *tok_load(const tok_spec *spec, bool (*extra)(gguf_writer *w), char *err, size_t errlen);

/* The tokens of text, -1 terminated, in a static buffer (tests only). */
const int32_t *tok_ids(const ie_vocab *v, const char *text, bool add_special, bool parse_special, int *n);
/* detokenize(ids) into a static buffer, NUL-terminated; its length in *len. */
const char *tok_text(const ie_vocab *v, const int32_t *ids, int n, bool render_special, int *len);

/* Byte-level (GPT-2) spelling of UTF-8 text, in a static buffer. */
const char *tok_bytelevel(const char *utf8);

#endif
