/* Vocabulary loading from a GGUF's tokenizer.* metadata, and lookups.
 * Defaults follow llama.cpp's llama-vocab: SentencePiece BOS 1, EOS 2,
 * UNK 0, add BOS; byte-level BPE BOS = EOS = 11, BOS only for the llama3
 * pre-tokenizer; metadata overrides both. Gemma 4's BPE ("gemma4") has no
 * default ids and always adds BOS (llama.cpp forces add_bos_token on for
 * it). Unlike llama.cpp, metadata that
 * does not fit together (array lengths, ids out of range) is refused. */
#include "tokenizer_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t ie_hash_bytes(const char *s, size_t n, uint64_t seed)
{
    uint64_t h = 1469598103934665603ULL ^ seed; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static uint64_t merge_hash(const char *a, size_t an, const char *b, size_t bn)
{
    return ie_hash_bytes(b, bn, ie_hash_bytes(a, an, 0) * 31 + an);
}

static bool map_init(ie_strmap *m, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap <<= 1;
    m->slots = calloc(cap, sizeof *m->slots);
    m->mask = (uint32_t)(cap - 1);
    return m->slots != NULL;
}

int32_t ie_text_to_token(const ie_vocab *v, const char *s, size_t n)
{
    if (!v->text_map.slots)
        return -1;
    for (uint64_t i = ie_hash_bytes(s, n, 0) & v->text_map.mask;; i = (i + 1) & v->text_map.mask) {
        uint32_t e = v->text_map.slots[i];
        if (!e)
            return -1;
        const ie_token *t = &v->tokens[e - 1];
        if (t->len == n && memcmp(t->text, s, n) == 0)
            return (int32_t)(e - 1);
    }
}

int32_t ie_merge_rank(const ie_vocab *v, const char *a, size_t an, const char *b, size_t bn)
{
    if (!v->merge_map.slots)
        return -1;
    for (uint64_t i = merge_hash(a, an, b, bn) & v->merge_map.mask;; i = (i + 1) & v->merge_map.mask) {
        uint32_t e = v->merge_map.slots[i];
        if (!e)
            return -1;
        const ie_merge *m = &v->merges[e - 1];
        if (m->left_len == an && m->right_len == bn && memcmp(m->left, a, an) == 0 &&
            memcmp(m->right, b, bn) == 0)
            return (int32_t)(e - 1);
    }
}

static void text_map_put(ie_vocab *v, uint32_t id)
{
    const ie_token *t = &v->tokens[id];
    for (uint64_t i = ie_hash_bytes(t->text, t->len, 0) & v->text_map.mask;; i = (i + 1) & v->text_map.mask) {
        uint32_t e = v->text_map.slots[i];
        if (!e || (v->tokens[e - 1].len == t->len && memcmp(v->tokens[e - 1].text, t->text, t->len) == 0)) {
            v->text_map.slots[i] = id + 1; /* a later duplicate wins, as in llama.cpp */
            return;
        }
    }
}

static void merge_map_put(ie_vocab *v, uint32_t rank)
{
    const ie_merge *m = &v->merges[rank];
    for (uint64_t i = merge_hash(m->left, m->left_len, m->right, m->right_len) & v->merge_map.mask;;
         i = (i + 1) & v->merge_map.mask) {
        uint32_t e = v->merge_map.slots[i];
        if (!e) {
            v->merge_map.slots[i] = rank + 1;
            return;
        }
        const ie_merge *o = &v->merges[e - 1];
        if (o->left_len == m->left_len && o->right_len == m->right_len &&
            memcmp(o->left, m->left, m->left_len) == 0 && memcmp(o->right, m->right, m->right_len) == 0)
            return; /* the first (best) rank wins */
    }
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Texts llama.cpp treats as end of generation (and forces to control),
 * src/llama-vocab.cpp load(). */
static const char *const k_eog_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
    "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>",
    "<end_of_utterance>", "</s>", "[EOT]", "[EOS]", "<eos>", "<turn|>", "<|tool_response>",
    "<\xef\xbd\x9c" "end\xe2\x96\x81" "of\xe2\x96\x81" "sentence\xef\xbd\x9c>", "[e~[",
};
/* gpt-oss's harmony markers, which llama.cpp always renders as text
 * (user-defined) so that replies can be parsed. */
static const char *const k_rendered_texts[] = {"<|channel|>", "<|message|>", "<|start|>",
                                               "<|constrain|>"};
/* Texts that are EOT candidates when tokenizer.ggml.eot_token_id is absent. */
static const char *const k_eot_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
    "<EOT>", "_<EOT>", "<|end\xe2\x96\x81of\xe2\x96\x81sentence|>", "<end_of_utterance>",
};

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

typedef struct special_key {
    uint32_t len;
    int32_t id;
} special_key;

static int cmp_special(const void *a, const void *b)
{
    const special_key *x = a, *y = b;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Longest text first (llama.cpp matches them in that order); ties by id. */
static bool sort_specials(ie_vocab *v)
{
    special_key *keys = malloc(((size_t)v->n_special + 1) * sizeof *keys);
    if (!keys)
        return false;
    for (int32_t i = 0; i < v->n_special; i++)
        keys[i] = (special_key){v->tokens[v->special[i]].len, v->special[i]};
    qsort(keys, (size_t)v->n_special, sizeof *keys, cmp_special);
    for (int32_t i = 0; i < v->n_special; i++)
        v->special[i] = keys[i].id;
    free(keys);
    return true;
}

/* Reads an optional special-token id; false (with err) when out of range. */
static bool read_special_id(const gguf_file *f, const char *key, int32_t n_tokens, int32_t *id,
                            char *err, size_t errlen)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv)
        return true;
    int64_t x;
    if (!gguf_get_i64(f, key, &x)) {
        set_err(err, errlen, "%s: expected an integer, found %s", key, gguf_value_type_name(kv->type));
        return false;
    }
    if (x < 0 || x >= n_tokens) {
        set_err(err, errlen, "%s = %lld is out of range (the vocabulary has %d tokens)", key,
                (long long)x, (int)n_tokens);
        return false;
    }
    *id = (int32_t)x;
    return true;
}

static bool read_bool(const gguf_file *f, const char *key, bool *out, char *err, size_t errlen)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv)
        return true;
    if (!gguf_get_bool(f, key, out)) {
        set_err(err, errlen, "%s: expected a bool, found %s", key, gguf_value_type_name(kv->type));
        return false;
    }
    return true;
}

static bool parse_pretok(ie_vocab *v, const gguf_file *f, char *err, size_t errlen)
{
    gguf_str pre;
    v->pre = IE_PRE_DEFAULT;
    if (!gguf_get_str(f, "tokenizer.ggml.pre", &pre))
        return true; /* llama.cpp warns and uses the default */
    static const struct {
        const char *name;
        ie_pretok pre;
    } names[] = {
        {"default", IE_PRE_DEFAULT}, {"gpt-2", IE_PRE_GPT2}, {"llama3", IE_PRE_LLAMA3},
        {"llama-v3", IE_PRE_LLAMA3}, {"llama-bpe", IE_PRE_LLAMA3}, {"qwen2", IE_PRE_QWEN2},
        {"deepseek-r1-qwen", IE_PRE_QWEN2}, {"starcoder", IE_PRE_STARCODER}, {"smollm", IE_PRE_STARCODER},
        {"refact", IE_PRE_STARCODER}, {"command-r", IE_PRE_STARCODER}, {"codeshell", IE_PRE_STARCODER},
        {"exaone", IE_PRE_STARCODER},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (gguf_str_eq(pre, names[i].name)) {
            v->pre = names[i].pre;
            return true;
        }
    }
    set_err(err, errlen, "tokenizer.ggml.pre: unsupported pre-tokenizer '%.*s' (supported: default, "
            "gpt-2, llama3, llama-v3, llama-bpe, qwen2, deepseek-r1-qwen, starcoder, smollm, refact, "
            "command-r, codeshell, exaone)",
            (int)(pre.len > 64 ? 64 : pre.len), pre.ptr);
    return false;
}

static bool load_tokens(ie_vocab *v, const gguf_file *f, char *err, size_t errlen)
{
    const gguf_kv *tk = gguf_get_array(f, "tokenizer.ggml.tokens");
    if (!tk || tk->elem_type != GGUF_VT_STRING) {
        set_err(err, errlen, "tokenizer.ggml.tokens: missing or not an array of strings");
        return false;
    }
    if (tk->count == 0 || tk->count > 0x7FFFFFFF) {
        set_err(err, errlen, "tokenizer.ggml.tokens: %llu tokens is not a usable vocabulary",
                (unsigned long long)tk->count);
        return false;
    }
    v->n_tokens = (int32_t)tk->count;
    const gguf_kv *sc = gguf_get_array(f, "tokenizer.ggml.scores");
    const gguf_kv *ty = gguf_get_array(f, "tokenizer.ggml.token_type");
    if (gguf_find_kv(f, "tokenizer.ggml.scores") && (!sc || sc->count != tk->count)) {
        set_err(err, errlen, "tokenizer.ggml.scores: %llu entries for %d tokens",
                sc ? (unsigned long long)sc->count : 0ULL, (int)v->n_tokens);
        return false;
    }
    if (gguf_find_kv(f, "tokenizer.ggml.token_type") && (!ty || ty->count != tk->count)) {
        set_err(err, errlen, "tokenizer.ggml.token_type: %llu entries for %d tokens",
                ty ? (unsigned long long)ty->count : 0ULL, (int)v->n_tokens);
        return false;
    }
    gguf_str *texts = gguf_array_strings(tk);
    if (!texts) {
        set_err(err, errlen, "out of memory reading tokenizer.ggml.tokens");
        return false;
    }
    size_t arena = 0;
    for (int32_t i = 0; i < v->n_tokens; i++)
        arena += texts[i].len + 1;
    const gguf_kv *mg = v->kind == IE_VOCAB_BPE ? gguf_get_array(f, "tokenizer.ggml.merges") : NULL;
    gguf_str *mtexts = NULL;
    if (v->kind == IE_VOCAB_BPE) {
        if (!mg || mg->elem_type != GGUF_VT_STRING || mg->count > 0x7FFFFFFF) {
            set_err(err, errlen, "tokenizer.ggml.merges: missing or not an array of strings "
                    "(%s needs it)", v->pre == IE_PRE_GEMMA4 ? "the gemma4 BPE" : "byte-level BPE");
            free(texts);
            return false;
        }
        mtexts = gguf_array_strings(mg);
        if (!mtexts && mg->count) {
            set_err(err, errlen, "out of memory reading tokenizer.ggml.merges");
            free(texts);
            return false;
        }
        for (uint64_t i = 0; i < mg->count; i++)
            arena += mtexts[i].len + 1;
    }
    v->arena = malloc(arena ? arena : 1);
    v->tokens = calloc((size_t)v->n_tokens, sizeof *v->tokens);
    if (!v->arena || !v->tokens || !map_init(&v->text_map, (size_t)v->n_tokens)) {
        set_err(err, errlen, "out of memory loading %d tokens", (int)v->n_tokens);
        free(texts);
        free(mtexts);
        return false;
    }
    char *p = v->arena;
    for (int32_t i = 0; i < v->n_tokens; i++) {
        ie_token *t = &v->tokens[i];
        memcpy(p, texts[i].ptr, texts[i].len);
        p[texts[i].len] = '\0';
        t->text = p;
        t->len = (uint32_t)texts[i].len;
        p += texts[i].len + 1;
        double score = 0;
        int64_t type = IE_TOK_NORMAL;
        if (sc && !gguf_array_f64(sc, (uint64_t)i, &score)) {
            set_err(err, errlen, "tokenizer.ggml.scores: entry %d is not a number", (int)i);
            goto fail;
        }
        if (ty && !gguf_array_i64(ty, (uint64_t)i, &type)) {
            set_err(err, errlen, "tokenizer.ggml.token_type: entry %d is not an integer", (int)i);
            goto fail;
        }
        t->score = (float)score;
        t->type = (type >= IE_TOK_NORMAL && type <= IE_TOK_BYTE) ? (uint8_t)type : IE_TOK_UNDEFINED;
        text_map_put(v, (uint32_t)i);
    }
    if (v->kind == IE_VOCAB_BPE) {
        v->n_merges = (int32_t)mg->count;
        v->merges = calloc(mg->count ? mg->count : 1, sizeof *v->merges);
        if (!v->merges || !map_init(&v->merge_map, mg->count)) {
            set_err(err, errlen, "out of memory loading %llu merges", (unsigned long long)mg->count);
            goto fail;
        }
        for (uint64_t i = 0; i < mg->count; i++) {
            memcpy(p, mtexts[i].ptr, mtexts[i].len);
            p[mtexts[i].len] = '\0';
            /* "A B", split at the first space after the first byte; a merge
             * without one pairs two empty strings, as in llama.cpp. */
            const char *sp = mtexts[i].len > 1 ? memchr(p + 1, ' ', mtexts[i].len - 1) : NULL;
            ie_merge *m = &v->merges[i];
            if (!sp && v->pre == IE_PRE_GEMMA4) {
                /* Its texts never hold a space (spaces are U+2581), so a
                 * merge without one is a broken file, not a quirk to keep. */
                set_err(err, errlen, "tokenizer.ggml.merges: entry %llu '%.*s' is not two texts separated "
                        "by a space", (unsigned long long)i,
                        (int)(mtexts[i].len > 64 ? 64 : mtexts[i].len), p);
                goto fail;
            }
            if (sp) {
                m->left = p;
                m->left_len = (uint32_t)(sp - p);
                m->right = sp + 1;
                m->right_len = (uint32_t)(mtexts[i].len - m->left_len - 1);
            } else {
                m->left = m->right = p + mtexts[i].len;
            }
            p += mtexts[i].len + 1;
            merge_map_put(v, (uint32_t)i);
        }
    }
    free(texts);
    free(mtexts);
    return true;
fail:
    free(texts);
    free(mtexts);
    return false;
}

static bool text_in(const ie_token *t, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == t->len && memcmp(list[i], t->text, t->len) == 0)
            return true;
    return false;
}

/* Removes token `text` from the end-of-generation list, giving it type. */
static bool drop_eog(ie_vocab *v, const char *text, uint8_t type)
{
    for (int32_t k = 0; k < v->n_eog; k++) {
        ie_token *t = &v->tokens[v->eog[k]];
        if (t->len == strlen(text) && memcmp(t->text, text, t->len) == 0) {
            t->type = type;
            memmove(v->eog + k, v->eog + k + 1, (size_t)(v->n_eog - k - 1) * sizeof *v->eog);
            v->n_eog--;
            return true;
        }
    }
    return false;
}

static bool eog_has(const ie_vocab *v, const char *text)
{
    for (int32_t k = 0; k < v->n_eog; k++) {
        const ie_token *t = &v->tokens[v->eog[k]];
        if (t->len == strlen(text) && memcmp(t->text, text, t->len) == 0)
            return true;
    }
    return false;
}

/* llama.cpp's two exceptions (src/llama-vocab.cpp): with <|return|> and
 * <|call|> (gpt-oss's o200k_harmony), or <|calls|> and <|flush|>
 * (solar-open), <|end|> only ends a message, not the generation, and is
 * rendered as text; with <|tool_response>, (Gemma 4) </s> is ordinary. */
static void drop_eog_workarounds(ie_vocab *v)
{
    bool call = eog_has(v, "<|call|>") || eog_has(v, "<|calls|>");
    if (call && (eog_has(v, "<|return|>") || eog_has(v, "<|flush|>")))
        drop_eog(v, "<|end|>", IE_TOK_USER_DEFINED);
    if (eog_has(v, "<|tool_response>"))
        drop_eog(v, "</s>", IE_TOK_NORMAL);
}

static bool build_special_lists(ie_vocab *v)
{
    size_t n_eog_texts = sizeof k_eog_texts / sizeof k_eog_texts[0];
    bool eot_from_text = v->eot < 0;
    for (int32_t i = 0; i < v->n_tokens; i++) {
        ie_token *t = &v->tokens[i];
        if (eot_from_text && v->eot < 0 &&
            text_in(t, k_eot_texts, sizeof k_eot_texts / sizeof k_eot_texts[0])) {
            v->eot = i;
            t->type = IE_TOK_CONTROL;
        }
        if (text_in(t, k_eog_texts, n_eog_texts))
            t->type = IE_TOK_CONTROL; /* llama.cpp overrides such tokens to control */
        if (text_in(t, k_rendered_texts, sizeof k_rendered_texts / sizeof *k_rendered_texts))
            t->type = IE_TOK_USER_DEFINED;
    }
    v->eog = malloc(((size_t)v->n_tokens + 3) * sizeof *v->eog);
    v->special = malloc((size_t)v->n_tokens * sizeof *v->special);
    if (!v->eog || !v->special)
        return false;
    for (int32_t i = 0; i < v->n_tokens; i++) {
        const ie_token *t = &v->tokens[i];
        if (i == v->eos || i == v->eot || text_in(t, k_eog_texts, n_eog_texts) ||
            (t->len == 15 && memcmp(t->text, "<|end_of_turn|>", 15) == 0))
            v->eog[v->n_eog++] = i;
    }
    drop_eog_workarounds(v);
    for (int32_t i = 0; i < v->n_tokens; i++) {
        const ie_token *t = &v->tokens[i];
        if ((t->type == IE_TOK_CONTROL || t->type == IE_TOK_USER_DEFINED || t->type == IE_TOK_UNKNOWN) &&
            t->len > 0)
            v->special[v->n_special++] = i;
    }
    qsort(v->eog, (size_t)v->n_eog, sizeof *v->eog, cmp_i32);
    return sort_specials(v);
}

static void build_byte_tokens(ie_vocab *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; b++) {
        char name[7] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>', 0};
        int32_t id = ie_text_to_token(v, name, 6);
        if (id < 0) {
            char raw = (char)b;
            id = ie_text_to_token(v, &raw, 1);
        }
        v->byte_tokens[b] = id;
        v->hex_tokens[b] = ie_text_to_token(v, name, 6);
    }
}

ie_vocab *ie_vocab_load(const gguf_file *f, char *err, size_t errlen)
{
    gguf_str model;
    if (!f) {
        set_err(err, errlen, "no model file");
        return NULL;
    }
    if (!gguf_get_str(f, "tokenizer.ggml.model", &model)) {
        set_err(err, errlen, "tokenizer.ggml.model: missing (the model has no tokenizer)");
        return NULL;
    }
    ie_vocab *v = calloc(1, sizeof *v);
    if (!v) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    if (gguf_str_eq(model, "llama")) {
        v->kind = IE_VOCAB_SPM;
        v->bos = 1;
        v->eos = 2;
        v->unk = 0;
        v->add_bos = true;
        v->add_space_prefix = true;
    } else if (gguf_str_eq(model, "gpt2")) {
        v->kind = IE_VOCAB_BPE;
        v->bos = 11;
        v->eos = 11;
        v->unk = -1;
        v->clean_spaces = true;
    } else if (gguf_str_eq(model, "gemma4")) {
        /* BPE over raw UTF-8 with spaces as U+2581; tokenizer.ggml.pre is
         * not read (llama.cpp sets it to "gemma4" itself). */
        v->kind = IE_VOCAB_BPE;
        v->pre = IE_PRE_GEMMA4;
        v->bos = v->eos = v->unk = -1;
        v->clean_spaces = true;
        v->escape_spaces = true;
    } else {
        set_err(err, errlen, "tokenizer.ggml.model: unsupported tokenizer '%.*s' (supported: llama, gpt2, "
                "gemma4)",
                (int)(model.len > 64 ? 64 : model.len), model.ptr);
        free(v);
        return NULL;
    }
    v->eot = -1;
    if (v->kind == IE_VOCAB_BPE && v->pre != IE_PRE_GEMMA4) {
        if (!parse_pretok(v, f, err, errlen))
            goto fail;
        if (v->pre == IE_PRE_LLAMA3) {
            v->ignore_merges = true;
            v->add_bos = true;
        }
        gguf_str pre;
        if (v->pre == IE_PRE_QWEN2 ||
            (gguf_get_str(f, "tokenizer.ggml.pre", &pre) && (gguf_str_eq(pre, "smollm") || gguf_str_eq(pre, "command-r"))))
            v->clean_spaces = false;
    }
    if (!load_tokens(v, f, err, errlen))
        goto fail;
    /* Defaults that do not fit the vocabulary mean "none". */
    if (v->bos >= v->n_tokens) v->bos = -1;
    if (v->eos >= v->n_tokens) v->eos = -1;
    if (v->unk >= v->n_tokens) v->unk = -1;
    if (!read_special_id(f, "tokenizer.ggml.bos_token_id", v->n_tokens, &v->bos, err, errlen) ||
        !read_special_id(f, "tokenizer.ggml.eos_token_id", v->n_tokens, &v->eos, err, errlen) ||
        !read_special_id(f, "tokenizer.ggml.eot_token_id", v->n_tokens, &v->eot, err, errlen) ||
        !read_special_id(f, "tokenizer.ggml.unknown_token_id", v->n_tokens, &v->unk, err, errlen) ||
        !read_bool(f, "tokenizer.ggml.add_bos_token", &v->add_bos, err, errlen) ||
        !read_bool(f, "tokenizer.ggml.add_eos_token", &v->add_eos, err, errlen) ||
        !read_bool(f, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix, err, errlen))
        goto fail;
    if (v->pre == IE_PRE_GEMMA4)
        v->add_bos = true; /* llama.cpp overrides add_bos_token = false for Gemma 4 */
    gguf_str tmpl;
    if (gguf_get_str(f, "tokenizer.chat_template", &tmpl) && !(v->chat_template = gguf_str_dup(tmpl))) {
        set_err(err, errlen, "out of memory");
        goto fail;
    }
    if (!build_special_lists(v)) {
        set_err(err, errlen, "out of memory");
        goto fail;
    }
    build_byte_tokens(v);
    return v;
fail:
    ie_vocab_free(v);
    return NULL;
}

void ie_vocab_free(ie_vocab *v)
{
    if (!v)
        return;
    free(v->tokens);
    free(v->arena);
    free(v->text_map.slots);
    free(v->merges);
    free(v->merge_map.slots);
    free(v->special);
    free(v->eog);
    free(v->chat_template);
    free(v);
}

ie_vocab_kind ie_vocab_type(const ie_vocab *v) { return v->kind; }
int32_t ie_vocab_size(const ie_vocab *v) { return v->n_tokens; }
int32_t ie_vocab_bos(const ie_vocab *v) { return v->bos; }
int32_t ie_vocab_eos(const ie_vocab *v) { return v->eos; }
bool ie_vocab_add_bos(const ie_vocab *v) { return v->add_bos && v->bos >= 0; }
const char *ie_vocab_chat_template(const ie_vocab *v) { return v->chat_template; }

bool ie_vocab_is_eog(const ie_vocab *v, int32_t token)
{
    return bsearch(&token, v->eog, (size_t)v->n_eog, sizeof *v->eog, cmp_i32) != NULL;
}

int32_t ie_vocab_find(const ie_vocab *v, const char *s, size_t len)
{
    return s ? ie_text_to_token(v, s, len) : -1;
}
