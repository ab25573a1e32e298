/* infrac-mkmodel internals: vocabularies and random weights for test
 * models that real llama.cpp loads. */
#ifndef INFRAC_MKMODEL_H
#define INFRAC_MKMODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "gguf_write.h"

typedef enum mk_tok { MK_TOK_SPM, MK_TOK_BPE_LLAMA, MK_TOK_BPE_QWEN2, MK_TOK_GEMMA4 } mk_tok;

/* The embedded multilingual training text. */
extern const char mk_corpus[];

/* Writes the tokenizer.* keys for a vocabulary of exactly n_vocab tokens.
 * Returns false (message in err) when n_vocab is too small for the kind. */
/* chat_template: NULL = the kind's default, "" = none. */
bool mk_write_vocab(gguf_writer *w, mk_tok kind, uint32_t n_vocab, const char *chat_template, char *err,
                    size_t errlen);
/* Control tokens a BPE vocabulary adds after its own (--special-token),
 * e.g. gpt-oss's <|channel|> or Gemma 4's <|tool_call>; set before writing. */
extern const char *mk_extra_special[16];
extern uint32_t mk_n_extra_special;

#endif
