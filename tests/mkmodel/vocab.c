/* Test vocabularies: SentencePiece ("llama") with byte fallback and
 * scored pieces, byte-level BPE ("gpt2") and Gemma 4's BPE ("gemma4": raw
 * UTF-8, spaces as U+2581, <0xXX> bytes) with merges learned from the
 * embedded corpus, special tokens and a chat template. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkmodel.h"

typedef struct strvec {
    char **v;
    uint32_t n, cap;
} strvec;

static bool sv_push(strvec *s, const char *str, size_t len)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 1024;
        char **nv = realloc(s->v, cap * sizeof *nv);
        if (!nv)
            return false;
        s->v = nv;
        s->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c)
        return false;
    memcpy(c, str, len);
    c[len] = 0;
    s->v[s->n++] = c;
    return true;
}

static void sv_free(strvec *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static int sv_find(const strvec *s, const char *str)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], str) == 0)
            return (int)i;
    return -1;
}

/* Length of the UTF-8 sequence starting with byte c. */
static size_t u8len(unsigned char c)
{
    return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
}

static size_t put_cp(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* ---------- SentencePiece ---------- */

static const char SPM_TEMPLATE[] =
    "{% for message in messages %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + "
    "message['content'] + ' [/INST]' }}{% elif message['role'] == 'system' %}{{ '<<SYS>>\\n' + "
    "message['content'] + '\\n<</SYS>>\\n\\n' }}{% else %}{{ ' ' + message['content'] + eos_token }}"
    "{% endif %}{% endfor %}";

/* Words of the corpus with '▁' for the space before them, then their
 * prefixes and characters, in first-seen order, as candidate pieces. */
static bool spm_pieces(strvec *pieces)
{
    const char *p = mk_corpus;
    char word[256];
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t n = 0;
        memcpy(word, "\xe2\x96\x81", 3);
        n = 3;
        while (*p && *p != ' ' && n + 4 < sizeof word) {
            size_t l = u8len((unsigned char)*p);
            memcpy(word + n, p, l);
            n += l;
            p += l;
        }
        word[n] = 0;
        /* Every prefix that ends on a character boundary, and each character. */
        for (size_t e = 3; e <= n;) {
            char tmp[256];
            memcpy(tmp, word, e);
            tmp[e] = 0;
            if (sv_find(pieces, tmp) < 0 && !sv_push(pieces, tmp, e))
                return false;
            if (e == n)
                break;
            e += u8len((unsigned char)word[e]);
        }
        for (size_t i = 3; i < n;) {
            size_t l = u8len((unsigned char)word[i]);
            char tmp[8];
            memcpy(tmp, word + i, l);
            tmp[l] = 0;
            if (sv_find(pieces, tmp) < 0 && !sv_push(pieces, tmp, l))
                return false;
            i += l;
        }
    }
    return true;
}

/* tokenizer.chat_template: tmpl, the vocabulary's default when NULL, none
 * when "". */
static bool put_template(gguf_writer *w, const char *tmpl, const char *fallback)
{
    if (tmpl && !*tmpl)
        return true;
    return gguf_w_str(w, "tokenizer.chat_template", tmpl ? tmpl : fallback);
}

static bool write_spm(gguf_writer *w, uint32_t n_vocab, const char *tmpl, char *err, size_t errlen)
{
    strvec toks = {0}, pieces = {0};
    bool ok = false;
    float *scores = NULL;
    int32_t *types = NULL;
    if (n_vocab < 3 + 256 + 1) {
        snprintf(err, errlen, "a SentencePiece vocabulary needs at least 260 tokens (got %u)", n_vocab);
        return false;
    }
    if (!sv_push(&toks, "<unk>", 5) || !sv_push(&toks, "<s>", 3) || !sv_push(&toks, "</s>", 4))
        goto out;
    for (int b = 0; b < 256; b++) {
        char t[8];
        snprintf(t, sizeof t, "<0x%02X>", b);
        if (!sv_push(&toks, t, 6))
            goto out;
    }
    if (!sv_push(&toks, "\xe2\x96\x81", 3) || !spm_pieces(&pieces))
        goto out;
    for (uint32_t i = 0; i < pieces.n && toks.n < n_vocab; i++)
        if (sv_find(&toks, pieces.v[i]) < 0 && !sv_push(&toks, pieces.v[i], strlen(pieces.v[i])))
            goto out;
    /* Fill the rest with synthetic words so any size can be made. */
    for (uint32_t k = 0; toks.n < n_vocab; k++) {
        char t[32];
        int l = snprintf(t, sizeof t, "\xe2\x96\x81%c%c%c%u", 'a' + k % 26, 'a' + (k / 26) % 26,
                         'a' + (k / 676) % 26, k / 17576);
        if (!sv_push(&toks, t, (size_t)l))
            goto out;
    }
    scores = calloc(n_vocab, sizeof *scores);
    types = calloc(n_vocab, sizeof *types);
    if (!scores || !types)
        goto out;
    for (uint32_t i = 0; i < n_vocab; i++) {
        types[i] = i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1;
        /* Earlier (more frequent, shorter) pieces score higher. */
        scores[i] = i < 259 ? 0.0f : -(float)(i - 259);
    }
    ok = gguf_w_str(w, "tokenizer.ggml.model", "llama") && gguf_w_str(w, "tokenizer.ggml.pre", "default") &&
         gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)toks.v, NULL, n_vocab) &&
         gguf_w_arr_f32(w, "tokenizer.ggml.scores", scores, n_vocab) &&
         gguf_w_arr_i32(w, "tokenizer.ggml.token_type", types, n_vocab) &&
         gguf_w_u32(w, "tokenizer.ggml.bos_token_id", 1) && gguf_w_u32(w, "tokenizer.ggml.eos_token_id", 2) &&
         gguf_w_u32(w, "tokenizer.ggml.unknown_token_id", 0) &&
         gguf_w_bool(w, "tokenizer.ggml.add_bos_token", true) &&
         gguf_w_bool(w, "tokenizer.ggml.add_eos_token", false) &&
         gguf_w_bool(w, "tokenizer.ggml.add_space_prefix", true) &&
         put_template(w, tmpl, SPM_TEMPLATE);
    if (!ok)
        snprintf(err, errlen, "out of memory");
out:
    if (!ok && err[0] == 0)
        snprintf(err, errlen, "out of memory");
    free(scores);
    free(types);
    sv_free(&toks);
    sv_free(&pieces);
    return ok;
}

/* ---------- byte-level BPE ---------- */

static const char LLAMA3_TEMPLATE[] =
    "{{- bos_token }}{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + "
    "'<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}";

static const char CHATML_TEMPLATE[] =
    "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>' + '\\n' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- endif %}";

/* Gemma 4's turns (<|turn>role ... <turn|>), the model's reply after "model". */
static const char GEMMA4_TEMPLATE[] =
    "{{- bos_token }}{%- for message in messages %}{{- '<|turn>' + message['role'] + '\\n' + "
    "message['content'] | trim + '<turn|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}"
    "{{- '<|turn>model\\n' }}{%- endif %}";

/* The printable code point GPT-2's byte-level BPE uses for byte b. */
static uint32_t byte_cp(int b)
{
    if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff))
        return (uint32_t)b;
    int n = 0;
    for (int x = 0; x < b; x++)
        if (!((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || (x >= 0xae && x <= 0xff)))
            n++;
    return 0x100u + (uint32_t)n;
}

typedef struct word {
    int32_t *sym;
    uint32_t len;
    uint32_t count;
} word;

typedef struct pair_slot {
    int32_t a, b;
    uint32_t count;
    uint32_t order;
} pair_slot;

#define PAIR_TABLE (1u << 16)

static uint32_t pair_hash(int32_t a, int32_t b)
{
    uint64_t h = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> 48);
}

/* A word (len symbols) counted once more, added when new. */
static bool push_word(word **words, uint32_t *n, uint32_t *cap, const int32_t *sym, uint32_t len)
{
    for (uint32_t i = 0; i < *n; i++)
        if ((*words)[i].len == len && memcmp((*words)[i].sym, sym, len * sizeof *sym) == 0) {
            (*words)[i].count++;
            return true;
        }
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 256;
        word *nw = realloc(*words, c * sizeof *nw);
        if (!nw)
            return false;
        *words = nw;
        *cap = c;
    }
    word *wd = &(*words)[*n];
    if (!(wd->sym = malloc((len ? len : 1) * sizeof *sym)))
        return false;
    memcpy(wd->sym, sym, len * sizeof *sym);
    wd->len = len;
    wd->count = 1;
    (*n)++;
    return true;
}

static void free_words(word *words, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(words[i].sym);
    free(words);
}

/* Splits the corpus into words with their leading space (GPT-2 style),
 * each a sequence of byte symbols, counted. */
static bool bpe_words(word **out, uint32_t *n_out)
{
    word *words = NULL;
    uint32_t n = 0, cap = 0;
    int32_t sym[4096];
    const unsigned char *p = (const unsigned char *)mk_corpus;
    while (*p) {
        const unsigned char *s = p;
        if (*p == ' ')
            p++;
        while (*p && *p != ' ' && p - s < (long)(sizeof sym / sizeof *sym))
            p++;
        uint32_t len = (uint32_t)(p - s);
        if (len == 0)
            continue;
        for (uint32_t k = 0; k < len; k++)
            sym[k] = s[k];
        if (!push_word(&words, &n, &cap, sym, len)) {
            free_words(words, n);
            return false;
        }
    }
    *out = words;
    *n_out = n;
    return true;
}

/* Gemma 4's words: the corpus with spaces as U+2581, cut before each run
 * of them and at newlines (which the gemma4 pre-tokenizer splits off),
 * each a sequence of character symbols; a new character becomes a token
 * of toks. Characters of three or four bytes (CJK, emoji) are left out,
 * cutting the word, so that the vocabulary stays small: they tokenize as
 * <0xXX> bytes. */
static bool gemma4_words(strvec *toks, word **out, uint32_t *n_out)
{
    word *words = NULL;
    uint32_t n = 0, cap = 0, len = 0;
    int32_t sym[4096];
    bool in_spaces = false;
    for (const char *p = mk_corpus;; ) {
        bool space = *p == ' ', end = !*p || *p == '\n' || u8len((unsigned char)*p) > 2;
        if (len && (end || (space && !in_spaces) || len == sizeof sym / sizeof *sym)) {
            if (!push_word(&words, &n, &cap, sym, len))
                goto oom;
            len = 0;
        }
        if (!*p)
            break;
        in_spaces = space;
        if (*p == '\n' || u8len((unsigned char)*p) > 2) {
            for (p++; (*p & 0xc0) == 0x80; p++) /* the rest of a left-out character */
                ;
            continue;
        }
        char c[8];
        size_t l = space ? 3 : u8len((unsigned char)*p);
        memcpy(c, space ? "\xe2\x96\x81" : p, l);
        c[l] = 0;
        for (size_t k = 1; k < l && !space; k++)
            if (!p[k]) /* a truncated sequence at the end: just its lead byte */
                l = k, c[l] = 0;
        p += space ? 1 : l;
        int id = sv_find(toks, c);
        if (id < 0) {
            id = (int)toks->n;
            if (!sv_push(toks, c, l))
                goto oom;
        }
        sym[len++] = id;
    }
    *out = words;
    *n_out = n;
    return true;
oom:
    free_words(words, n);
    return false;
}

const char *mk_extra_special[16];
uint32_t mk_n_extra_special;

static bool write_bpe(gguf_writer *w, mk_tok kind, uint32_t n_vocab, const char *tmpl, char *err,
                      size_t errlen)
{
    static const char *llama_special[] = {"<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                                          "<|end_header_id|>", "<|eot_id|>"};
    static const char *qwen_special[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
    static const char *gemma4_special[] = {"<pad>", "<eos>", "<bos>", "<unk>", "<|turn>", "<turn|>",
                                           "<|tool_response>", "<tool_response|>"};
    const char *special[8 + 16];
    bool gemma4 = kind == MK_TOK_GEMMA4;
    uint32_t n_special = kind == MK_TOK_BPE_LLAMA ? 5 : gemma4 ? 8 : 3;
    memcpy(special, kind == MK_TOK_BPE_LLAMA ? llama_special : gemma4 ? gemma4_special : qwen_special,
           n_special * sizeof *special);
    for (uint32_t i = 0; i < mk_n_extra_special; i++)
        special[n_special++] = mk_extra_special[i];
    if (n_vocab < 256 + n_special + 1) {
        snprintf(err, errlen, "a %s vocabulary needs at least %u tokens (got %u)",
                 gemma4 ? "gemma4" : "byte-level BPE", 257 + n_special, n_vocab);
        return false;
    }
    strvec toks = {0}, merges = {0};
    word *words = NULL;
    uint32_t n_words = 0;
    pair_slot *table = NULL;
    int32_t *types = NULL;
    bool ok = false;
    for (int b = 0; b < 256; b++) { /* gemma4: <0xXX> byte tokens; else GPT-2's byte alphabet */
        char t[8];
        size_t l = gemma4 ? (size_t)snprintf(t, sizeof t, "<0x%02X>", b) : put_cp(t, byte_cp(b));
        if (!sv_push(&toks, t, l))
            goto out;
    }
    /* gemma4: newline runs are whole tokens (llama.cpp takes such a run whole). */
    if (gemma4 && !(sv_push(&toks, "\n", 1) && sv_push(&toks, "\n\n", 2) && sv_push(&toks, "\n\n\n", 3)))
        goto out;
    if (!(gemma4 ? gemma4_words(&toks, &words, &n_words) : bpe_words(&words, &n_words)) ||
        !(table = calloc(PAIR_TABLE, sizeof *table)))
        goto out;
    if (toks.n > n_vocab - n_special) {
        snprintf(err, errlen, "a gemma4 vocabulary of this corpus needs at least %u tokens (got %u)",
                 toks.n + n_special, n_vocab);
        goto out;
    }
    uint32_t target = n_vocab - n_special;
    while (toks.n < target) {
        memset(table, 0, PAIR_TABLE * sizeof *table);
        uint32_t order = 0;
        pair_slot *best = NULL;
        for (uint32_t i = 0; i < n_words; i++)
            for (uint32_t k = 0; k + 1 < words[i].len; k++) {
                int32_t a = words[i].sym[k], b = words[i].sym[k + 1];
                uint32_t h = pair_hash(a, b);
                while (table[h].count && (table[h].a != a || table[h].b != b))
                    h = (h + 1) & (PAIR_TABLE - 1);
                if (!table[h].count) {
                    table[h].a = a;
                    table[h].b = b;
                    table[h].order = order++;
                }
                table[h].count += words[i].count;
                if (!best || table[h].count > best->count ||
                    (table[h].count == best->count && table[h].order < best->order))
                    best = &table[h];
            }
        if (!best)
            break; /* every word is one token: the corpus is exhausted */
        int32_t a = best->a, b = best->b, merged;
        size_t la = strlen(toks.v[a]), lb = strlen(toks.v[b]);
        char *cat = malloc(la + lb + 2);
        if (!cat)
            goto out;
        memcpy(cat, toks.v[a], la);
        memcpy(cat + la, toks.v[b], lb + 1);
        merged = sv_find(&toks, cat);
        bool pushed = true;
        if (merged < 0) {
            merged = (int32_t)toks.n;
            pushed = sv_push(&toks, cat, la + lb);
        }
        cat[la] = ' ';
        memcpy(cat + la + 1, toks.v[b], lb + 1);
        pushed = pushed && sv_push(&merges, cat, la + lb + 1);
        free(cat);
        if (!pushed)
            goto out;
        for (uint32_t i = 0; i < n_words; i++) {
            uint32_t o = 0;
            for (uint32_t k = 0; k < words[i].len; k++) {
                if (k + 1 < words[i].len && words[i].sym[k] == a && words[i].sym[k + 1] == b) {
                    words[i].sym[o++] = merged;
                    k++;
                } else {
                    words[i].sym[o++] = words[i].sym[k];
                }
            }
            words[i].len = o;
        }
    }
    /* Normal filler tokens no merge produces, to reach large shapes. */
    for (uint32_t k = 0; toks.n < target; k++) {
        char t[32];
        int l = snprintf(t, sizeof t, "[unused_%u]", k);
        if (!sv_push(&toks, t, (size_t)l))
            goto out;
    }
    uint32_t first_special = toks.n;
    for (uint32_t i = 0; i < n_special; i++)
        if (!sv_push(&toks, special[i], strlen(special[i])))
            goto out;
    types = calloc(n_vocab, sizeof *types);
    if (!types)
        goto out;
    for (uint32_t i = 0; i < n_vocab; i++)
        types[i] = i >= first_special ? 3 : gemma4 && i < 256 ? 6 : 1;
    if (gemma4) {
        types[first_special + 3] = 2; /* <unk> */
        ok = gguf_w_str(w, "tokenizer.ggml.model", "gemma4") &&
             gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)toks.v, NULL, n_vocab) &&
             gguf_w_arr_i32(w, "tokenizer.ggml.token_type", types, n_vocab) &&
             gguf_w_arr_str(w, "tokenizer.ggml.merges", (const char *const *)merges.v, NULL, merges.n) &&
             gguf_w_u32(w, "tokenizer.ggml.bos_token_id", first_special + 2) &&
             gguf_w_u32(w, "tokenizer.ggml.eos_token_id", first_special + 1) &&
             gguf_w_u32(w, "tokenizer.ggml.unknown_token_id", first_special + 3) &&
             gguf_w_u32(w, "tokenizer.ggml.padding_token_id", first_special) &&
             gguf_w_bool(w, "tokenizer.ggml.add_bos_token", true) &&
             put_template(w, tmpl, GEMMA4_TEMPLATE);
        goto written;
    }
    bool llama = kind == MK_TOK_BPE_LLAMA;
    ok = gguf_w_str(w, "tokenizer.ggml.model", "gpt2") &&
         gguf_w_str(w, "tokenizer.ggml.pre", llama ? "llama-bpe" : "qwen2") &&
         gguf_w_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)toks.v, NULL, n_vocab) &&
         gguf_w_arr_i32(w, "tokenizer.ggml.token_type", types, n_vocab) &&
         gguf_w_arr_str(w, "tokenizer.ggml.merges", (const char *const *)merges.v, NULL, merges.n) &&
         gguf_w_u32(w, "tokenizer.ggml.bos_token_id", first_special) &&
         gguf_w_u32(w, "tokenizer.ggml.eos_token_id", llama ? first_special + 4 : first_special + 2) &&
         (!llama || gguf_w_u32(w, "tokenizer.ggml.eot_token_id", first_special + 4)) &&
         gguf_w_u32(w, "tokenizer.ggml.padding_token_id", first_special + (llama ? 1 : 0)) &&
         gguf_w_bool(w, "tokenizer.ggml.add_bos_token", llama) &&
         put_template(w, tmpl, llama ? LLAMA3_TEMPLATE : CHATML_TEMPLATE);
written:
    if (!ok)
        snprintf(err, errlen, "out of memory");
out:
    if (!ok && err[0] == 0)
        snprintf(err, errlen, "out of memory");
    free_words(words, n_words);
    free(table);
    free(types);
    sv_free(&toks);
    sv_free(&merges);
    return ok;
}

bool mk_write_vocab(gguf_writer *w, mk_tok kind, uint32_t n_vocab, const char *tmpl, char *err,
                    size_t errlen)
{
    err[0] = 0;
    return kind == MK_TOK_SPM ? write_spm(w, n_vocab, tmpl, err, errlen)
                              : write_bpe(w, kind, n_vocab, tmpl, err, errlen);
}
