/* Tokenizers of infrac-engine: SentencePiece ("llama") with byte fallback,
 * Gemma 4's BPE over raw UTF-8 ("gemma4", spaces as U+2581, <0xXX> bytes)
 * and byte-level BPE ("gpt2") with the llama3 / llama-bpe / qwen2 / default
 * pre-tokenizers, built from a GGUF's tokenizer.* metadata. Behaviour
 * matches llama.cpp's llama-vocab (checked by tests/parity). */
#ifndef INFRAC_ENGINE_TOKENIZER_H
#define INFRAC_ENGINE_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

typedef struct ie_vocab ie_vocab;

typedef enum ie_vocab_kind { IE_VOCAB_SPM, IE_VOCAB_BPE } ie_vocab_kind;

/* NULL with a message in err for missing or inconsistent metadata. */
ie_vocab *ie_vocab_load(const gguf_file *f, char *err, size_t errlen);
void ie_vocab_free(ie_vocab *v);

ie_vocab_kind ie_vocab_type(const ie_vocab *v);
int32_t ie_vocab_size(const ie_vocab *v);
int32_t ie_vocab_bos(const ie_vocab *v);   /* -1 when none */
int32_t ie_vocab_eos(const ie_vocab *v);   /* -1 when none */
bool ie_vocab_add_bos(const ie_vocab *v);  /* tokenizer.ggml.add_bos_token, else per kind */
/* End of generation: EOS, EOT and the text tokens <|eot_id|>, <|im_end|>, ... */
bool ie_vocab_is_eog(const ie_vocab *v, int32_t token);
/* tokenizer.chat_template, or NULL. */
const char *ie_vocab_chat_template(const ie_vocab *v);

/* Tokenizes len bytes of text. add_special: prepend BOS when the vocab
 * wants it. parse_special: control/user-defined token texts in the input
 * become those tokens. Returns the number of tokens (writing at most cap
 * into out; call again with a larger buffer when the result exceeds cap),
 * or -1 on error (invalid arguments). */
int ie_tokenize(const ie_vocab *v, const char *text, size_t len, bool add_special,
                bool parse_special, int32_t *out, int cap);

/* The bytes of one token (byte-fallback and byte-level tokens decoded).
 * Control tokens render as their text only when render_special. Returns
 * the length (possibly > cap: then nothing useful was written), or -1 for
 * an invalid token id. */
int ie_token_to_piece(const ie_vocab *v, int32_t token, char *buf, int cap, bool render_special);

/* Concatenated pieces of n tokens, with SentencePiece's leading space of the
 * first token removed as llama.cpp does. Same return convention. */
int ie_detokenize(const ie_vocab *v, const int32_t *tokens, int n, char *buf, int cap,
                  bool render_special);

/* The id of a token whose text is exactly s, or -1. */
int32_t ie_vocab_find(const ie_vocab *v, const char *s, size_t len);

#endif
