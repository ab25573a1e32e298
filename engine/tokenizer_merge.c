/* The merge loops: SentencePiece (best score first) and byte-level BPE
 * (best rank first), both over a linked list of symbols with a binary heap
 * of candidate pairs, so a word of n bytes costs O(n log n). Stale
 * candidates (a side already merged into something else) are skipped when
 * popped, as llama.cpp does. */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

#include <stdlib.h>
#include <string.h>

void ie_toklist_push(ie_toklist *l, int32_t id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        int32_t *p = realloc(l->ids, cap * sizeof *p);
        if (!p) {
            l->oom = true;
            return;
        }
        l->ids = p;
        l->cap = cap;
    }
    l->ids[l->n++] = id;
}

static bool cand_before(const ie_cand *a, const ie_cand *b)
{
    return a->key < b->key || (a->key == b->key && a->left < b->left);
}

void ie_heap_push(ie_heap *h, ie_cand c)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        ie_cand *p = realloc(h->a, cap * sizeof *p);
        if (!p) {
            h->oom = true;
            return;
        }
        h->a = p;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && cand_before(&c, &h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = c;
}

bool ie_heap_pop(ie_heap *h, ie_cand *out)
{
    if (h->n == 0)
        return false;
    *out = h->a[0];
    ie_cand last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && cand_before(&h->a[c + 1], &h->a[c]))
            c++;
        if (!cand_before(&h->a[c], &last))
            break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n)
        h->a[i] = last;
    return true;
}

/* Symbols of a text: SentencePiece splits by the UTF-8 lead byte's length
 * (cut at the end), BPE the same way over its byte-level encoded word. */
static ie_sym *split_symbols(const char *text, size_t len, size_t *n_out)
{
    ie_sym *syms = malloc((len ? len : 1) * sizeof *syms);
    if (!syms)
        return NULL;
    size_t n = 0, off = 0;
    while (off < len) {
        size_t l = ie_utf8_len((unsigned char)text[off]);
        if (l > len - off)
            l = len - off;
        syms[n] = (ie_sym){text + off, (uint32_t)l, (int32_t)n - 1, off + l == len ? -1 : (int32_t)n + 1};
        off += l;
        n++;
    }
    *n_out = n;
    return syms;
}

static void merge_pair(ie_sym *syms, int32_t left, int32_t right)
{
    syms[left].n += syms[right].n;
    syms[right].n = 0;
    syms[left].next = syms[right].next;
    if (syms[right].next >= 0)
        syms[syms[right].next].prev = left;
}

static bool stale(const ie_sym *syms, const ie_cand *c)
{
    return syms[c->left].n == 0 || syms[c->right].n == 0 || syms[c->left].n + syms[c->right].n != c->size;
}

/* SentencePiece: a pair is a candidate when its concatenation is a token. */
static void spm_try_pair(const ie_vocab *v, const ie_sym *syms, int32_t left, int32_t right, ie_heap *h)
{
    if (left < 0 || right < 0)
        return;
    uint32_t size = syms[left].n + syms[right].n;
    int32_t id = ie_text_to_token(v, syms[left].text, size);
    if (id < 0)
        return;
    ie_heap_push(h, (ie_cand){-(double)v->tokens[id].score, left, right, size});
}

void ie_spm_tokenize(const ie_vocab *v, const char *text, size_t len, ie_toklist *out)
{
    size_t n;
    ie_sym *syms = split_symbols(text, len, &n);
    ie_heap h = {0};
    if (!syms) {
        out->oom = true;
        return;
    }
    for (size_t i = 1; i < n; i++)
        spm_try_pair(v, syms, (int32_t)i - 1, (int32_t)i, &h);
    ie_cand c;
    while (ie_heap_pop(&h, &c)) {
        if (stale(syms, &c))
            continue;
        merge_pair(syms, c.left, c.right);
        spm_try_pair(v, syms, syms[c.left].prev, c.left, &h);
        spm_try_pair(v, syms, c.left, syms[c.left].next, &h);
    }
    for (int32_t i = n ? 0 : -1; i >= 0; i = syms[i].next) {
        int32_t id = ie_text_to_token(v, syms[i].text, syms[i].n);
        if (id >= 0) {
            ie_toklist_push(out, id);
            continue;
        }
        /* No token: byte fallback, <0xXX> (else the raw byte, else UNK). */
        for (uint32_t j = 0; j < syms[i].n; j++) {
            int32_t b = v->byte_tokens[(unsigned char)syms[i].text[j]];
            if (b < 0)
                b = v->unk;
            if (b >= 0)
                ie_toklist_push(out, b);
        }
    }
    if (h.oom)
        out->oom = true;
    free(h.a);
    free(syms);
}

/* BPE: a pair is a candidate when "left right" is a merge; rank orders. */
static void bpe_try_pair(const ie_vocab *v, const ie_sym *syms, int32_t left, int32_t right, ie_heap *h)
{
    if (left < 0 || right < 0)
        return;
    int32_t rank = ie_merge_rank(v, syms[left].text, syms[left].n, syms[right].text, syms[right].n);
    if (rank < 0)
        return;
    ie_heap_push(h, (ie_cand){(double)rank, left, right, syms[left].n + syms[right].n});
}

static void bpe_word(const ie_vocab *v, const char *w, size_t len, ie_heap *h, ie_toklist *out)
{
    bool newlines = v->pre == IE_PRE_GEMMA4 && len > 0 && w[0] == '\n'; /* its words are uniform */
    if (v->ignore_merges || newlines) { /* gemma4: a newline run that is a token is taken whole */
        int32_t id = ie_text_to_token(v, w, len);
        if (id >= 0) {
            ie_toklist_push(out, id);
            return;
        }
    }
    size_t n;
    ie_sym *syms = split_symbols(w, len, &n);
    if (!syms) {
        out->oom = true;
        return;
    }
    h->n = 0;
    for (size_t i = 1; i < n; i++)
        bpe_try_pair(v, syms, (int32_t)i - 1, (int32_t)i, h);
    ie_cand c;
    while (ie_heap_pop(h, &c)) {
        if (stale(syms, &c))
            continue;
        merge_pair(syms, c.left, c.right);
        bpe_try_pair(v, syms, syms[c.left].prev, c.left, h);
        bpe_try_pair(v, syms, c.left, syms[c.left].next, h);
    }
    for (int32_t i = n ? 0 : -1; i >= 0; i = syms[i].next) {
        int32_t id = ie_text_to_token(v, syms[i].text, syms[i].n);
        if (id >= 0) {
            ie_toklist_push(out, id);
            continue;
        }
        /* Not a token: each byte alone if that is one (gemma4: its <0xXX>),
         * else dropped (llama.cpp). */
        for (uint32_t j = 0; j < syms[i].n; j++) {
            int32_t b = v->pre == IE_PRE_GEMMA4 ? v->hex_tokens[(unsigned char)syms[i].text[j]]
                                                : ie_text_to_token(v, syms[i].text + j, 1);
            if (b >= 0)
                ie_toklist_push(out, b);
        }
    }
    free(syms);
}

/* gemma4's pre-tokenizer, "[^\n]+|[\n]+" over raw UTF-8: runs of newlines
 * and runs of anything else. Like llama.cpp's regex split, the words are
 * the decoded code points encoded again, so an invalid byte becomes
 * U+FFFD (EF BF BD) and an overlong form its shortest one. */
static void gemma4_tokenize(const ie_vocab *v, const char *raw, size_t raw_len, ie_toklist *out)
{
    char *text = malloc(raw_len * 3 + 1);
    if (!text) {
        out->oom = true;
        return;
    }
    size_t len = 0;
    for (size_t off = 0; off < raw_len;) {
        uint32_t cp;
        if (!ie_utf8_decode(raw, raw_len, &off, &cp))
            cp = 0xFFFD;
        len += (size_t)ie_utf8_encode(cp, text + len);
    }
    ie_heap h = {0};
    for (size_t at = 0; at < len;) {
        size_t end = at;
        bool nl = text[at] == '\n';
        while (end < len && (text[end] == '\n') == nl)
            end++;
        bpe_word(v, text + at, end - at, &h, out);
        at = end;
    }
    if (h.oom)
        out->oom = true;
    free(h.a);
    free(text);
}

void ie_bpe_tokenize(const ie_vocab *v, const char *text, size_t len, ie_toklist *out)
{
    if (v->pre == IE_PRE_GEMMA4) {
        gemma4_tokenize(v, text, len, out);
        return;
    }
    ie_words words;
    if (ie_pretokenize(v->pre, text, len, &words) < 0) {
        out->oom = true;
        return;
    }
    ie_heap h = {0};
    for (size_t i = 0; i < words.n; i++)
        bpe_word(v, words.buf + words.starts[i], words.lens[i], &h, out);
    if (h.oom)
        out->oom = true;
    free(h.a);
    ie_words_free(&words);
}
