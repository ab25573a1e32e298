/* Internals shared by the tokenizer's files (not part of the engine API). */
#ifndef INFRAC_ENGINE_TOKENIZER_INTERNAL_H
#define INFRAC_ENGINE_TOKENIZER_INTERNAL_H

#include "tokenizer.h"

/* Token attributes, from tokenizer.ggml.token_type. */
enum {
    IE_TOK_UNDEFINED = 0, IE_TOK_NORMAL = 1, IE_TOK_UNKNOWN = 2, IE_TOK_CONTROL = 3,
    IE_TOK_USER_DEFINED = 4, IE_TOK_UNUSED = 5, IE_TOK_BYTE = 6
};

/* Pre-tokenizers of byte-level BPE (tokenizer.ggml.pre). */
typedef enum ie_pretok {
    IE_PRE_DEFAULT, /* "default" or missing: llama.cpp's four-regex default */
    IE_PRE_GPT2,    /* "gpt-2" */
    IE_PRE_LLAMA3,  /* "llama3", "llama-v3", "llama-bpe" */
    IE_PRE_QWEN2,   /* "qwen2", "deepseek-r1-qwen" */
    IE_PRE_STARCODER, /* "starcoder", "smollm", "refact", "command-r", "codeshell", "exaone" */
    IE_PRE_GEMMA4   /* tokenizer.ggml.model "gemma4": newline runs and the rest, raw UTF-8 */
} ie_pretok;

typedef struct ie_token {
    const char *text; /* into v->arena, NUL-terminated */
    uint32_t len;
    float score;
    uint8_t type;     /* IE_TOK_* */
} ie_token;

/* Open-addressing hash of byte strings to int32 values. */
typedef struct ie_strmap {
    uint32_t *slots;  /* entry index + 1; 0 = empty */
    uint32_t mask;
} ie_strmap;

typedef struct ie_merge {
    const char *left, *right; /* into v->arena */
    uint32_t left_len, right_len;
} ie_merge;

struct ie_vocab {
    ie_vocab_kind kind;
    ie_pretok pre;
    int32_t n_tokens;
    ie_token *tokens;
    char *arena;
    ie_strmap text_map;       /* token text -> id (a later duplicate wins) */
    int32_t n_merges;
    ie_merge *merges;
    ie_strmap merge_map;      /* (left, right) -> rank (the first wins) */
    int32_t bos, eos, eot, unk;
    bool add_bos, add_eos, add_space_prefix, ignore_merges, clean_spaces;
    bool escape_spaces;       /* gemma4: ' ' -> U+2581 before BPE, back when detokenizing */
    int32_t *special;         /* control/user-defined/unknown ids, longest text first */
    int32_t n_special;
    int32_t *eog;             /* sorted */
    int32_t n_eog;
    int32_t byte_tokens[256]; /* SPM: id of <0xXX> (or the raw byte), -1 when none */
    int32_t hex_tokens[256];  /* id of <0xXX> alone, -1 when none (gemma4's byte fallback) */
    char *chat_template;
};

uint64_t ie_hash_bytes(const char *s, size_t n, uint64_t seed);
/* The token of text s (length n), or -1. */
int32_t ie_text_to_token(const ie_vocab *v, const char *s, size_t n);
/* The rank of merge (a, b), or -1. */
int32_t ie_merge_rank(const ie_vocab *v, const char *a, size_t an, const char *b, size_t bn);

/* A growable token list. */
typedef struct ie_toklist {
    int32_t *ids;
    size_t n, cap;
    bool oom;
} ie_toklist;
void ie_toklist_push(ie_toklist *l, int32_t id);

/* Tokenizes one fragment of plain text (no special tokens) and appends.
 * For gemma4 (escape_spaces) the caller has already replaced spaces. */
void ie_spm_tokenize(const ie_vocab *v, const char *text, size_t len, ie_toklist *out);
void ie_bpe_tokenize(const ie_vocab *v, const char *text, size_t len, ie_toklist *out);

/* Splits text into pre-tokenizer words, each returned byte-level encoded
 * (GPT-2 map) as offsets into one malloc'ed buffer: words[i] starts at
 * buf + starts[i] and is lens[i] bytes. Returns the number of words, or -1
 * on allocation failure. */
typedef struct ie_words {
    char *buf;
    size_t *starts, *lens;
    size_t n;
} ie_words;
int ie_pretokenize(ie_pretok pre, const char *text, size_t len, ie_words *out);
void ie_words_free(ie_words *w);

/* A binary min-heap of merge candidates ordered by (key, left). */
typedef struct ie_cand {
    double key;      /* lower pops first (SPM: -score; BPE: rank) */
    int32_t left, right;
    uint32_t size;   /* bytes of the merged text when queued */
} ie_cand;
typedef struct ie_heap {
    ie_cand *a;
    size_t n, cap;
    bool oom;
} ie_heap;
void ie_heap_push(ie_heap *h, ie_cand c);
bool ie_heap_pop(ie_heap *h, ie_cand *out);

/* A symbol of the merge loops: a byte span linked to its neighbours. */
typedef struct ie_sym {
    const char *text;
    uint32_t n;
    int32_t prev, next;
} ie_sym;

#endif
