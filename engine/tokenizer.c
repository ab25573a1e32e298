/* Tokenization entry points: special-token splitting, BOS/EOS, dispatch to
 * SentencePiece or BPE, and detokenization (llama.cpp's rules). */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

#include <stdlib.h>
#include <string.h>

/* A piece of the input: raw text (token < 0) or one special token. */
typedef struct fragment {
    size_t off, len;
    int32_t token;
} fragment;

typedef struct fraglist {
    fragment *f;
    size_t n, cap;
} fraglist;

static bool frag_push(fraglist *l, fragment f)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        fragment *p = realloc(l->f, cap * sizeof *p);
        if (!p)
            return false;
        l->f = p;
        l->cap = cap;
    }
    l->f[l->n++] = f;
    return true;
}

/* Splits raw fragments at every occurrence of each special token, longest
 * token first. Without parse_special only user-defined tokens split. */
static bool partition_special(const ie_vocab *v, const char *text, fraglist *frags, bool parse_special)
{
    fraglist next = {0};
    for (int32_t s = 0; s < v->n_special; s++) {
        const ie_token *t = &v->tokens[v->special[s]];
        if (!parse_special && t->type != IE_TOK_USER_DEFINED)
            continue;
        bool any = false;
        for (size_t i = 0; i < frags->n && !any; i++)
            any = frags->f[i].token < 0 && frags->f[i].len >= t->len &&
                  memmem(text + frags->f[i].off, frags->f[i].len, t->text, t->len);
        if (!any)
            continue;
        next.n = 0;
        for (size_t i = 0; i < frags->n; i++) {
            fragment f = frags->f[i];
            if (f.token >= 0) {
                if (!frag_push(&next, f))
                    goto oom;
                continue;
            }
            size_t at = f.off, end = f.off + f.len;
            for (;;) {
                const char *m = end - at >= t->len ? memmem(text + at, end - at, t->text, t->len) : NULL;
                if (!m)
                    break;
                size_t pos = (size_t)(m - text);
                if ((pos > at && !frag_push(&next, (fragment){at, pos - at, -1})) ||
                    !frag_push(&next, (fragment){pos, t->len, v->special[s]}))
                    goto oom;
                at = pos + t->len;
            }
            if (at < end && !frag_push(&next, (fragment){at, end - at, -1}))
                goto oom;
        }
        fraglist tmp = *frags;
        *frags = next;
        next = tmp;
    }
    free(next.f);
    return true;
oom:
    free(next.f);
    return false;
}

/* SentencePiece and gemma4 escape spaces as U+2581; SentencePiece also
 * prefixes one after a start or a special token (add_space_prefix). */
static void escaped_fragment(const ie_vocab *v, const char *s, size_t len, bool prefix, ie_toklist *out)
{
    size_t spaces = prefix ? 1 : 0;
    for (size_t i = 0; i < len; i++)
        spaces += s[i] == ' ';
    char *buf = malloc(len + spaces * 2 + 1);
    if (!buf) {
        out->oom = true;
        return;
    }
    size_t k = 0;
    if (prefix) {
        memcpy(buf, "\xe2\x96\x81", 3);
        k = 3;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') {
            memcpy(buf + k, "\xe2\x96\x81", 3);
            k += 3;
        } else {
            buf[k++] = s[i];
        }
    }
    if (v->kind == IE_VOCAB_SPM)
        ie_spm_tokenize(v, buf, k, out);
    else
        ie_bpe_tokenize(v, buf, k, out);
    free(buf);
}

int ie_tokenize(const ie_vocab *v, const char *text, size_t len, bool add_special, bool parse_special,
                int32_t *out, int cap)
{
    if (!v || (!text && len) || cap < 0 || (!out && cap > 0))
        return -1;
    fraglist frags = {0};
    ie_toklist toks = {0};
    int rc = -1;
    if (len && (!frag_push(&frags, (fragment){0, len, -1}) ||
                !partition_special(v, text, &frags, parse_special)))
        goto done;
    bool bos = add_special && v->add_bos && v->bos >= 0;
    if (bos)
        ie_toklist_push(&toks, v->bos);
    bool prev_special = true; /* SentencePiece: prefix a space at the start */
    for (size_t i = 0; i < frags.n; i++) {
        const fragment *f = &frags.f[i];
        if (f->token >= 0) {
            ie_toklist_push(&toks, f->token);
            prev_special = true;
        } else if (v->kind == IE_VOCAB_SPM) {
            escaped_fragment(v, text + f->off, f->len, v->add_space_prefix && prev_special, &toks);
            prev_special = false;
        } else if (v->escape_spaces) {
            escaped_fragment(v, text + f->off, f->len, false, &toks);
        } else {
            ie_bpe_tokenize(v, text + f->off, f->len, &toks);
        }
    }
    if (add_special && v->add_eos && v->eos >= 0)
        ie_toklist_push(&toks, v->eos);
    if (toks.oom || toks.n > 0x7FFFFFFF)
        goto done;
    if (out && toks.n && cap > 0)
        memcpy(out, toks.ids, (toks.n < (size_t)cap ? toks.n : (size_t)cap) * sizeof *out);
    rc = (int)toks.n;
done:
    free(frags.f);
    free(toks.ids);
    return rc;
}

/* A growing byte buffer. */
typedef struct bytes {
    char *p;
    size_t n, cap;
    bool oom;
} bytes;

static void bytes_add(bytes *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The bytes of one token appended to b; false for an invalid id. */
static bool piece(const ie_vocab *v, int32_t id, bool render_special, bytes *b)
{
    if (id < 0 || id >= v->n_tokens)
        return false;
    const ie_token *t = &v->tokens[id];
    bool special = t->type == IE_TOK_CONTROL || t->type == IE_TOK_UNKNOWN;
    if (special && !render_special)
        return true;
    if (special || t->type == IE_TOK_USER_DEFINED) {
        bytes_add(b, t->text, t->len);
        return true;
    }
    if (v->kind == IE_VOCAB_SPM || v->escape_spaces) {
        if (t->type == IE_TOK_NORMAL) { /* U+2581 -> space */
            for (uint32_t i = 0; i < t->len;) {
                if (t->len - i >= 3 && memcmp(t->text + i, "\xe2\x96\x81", 3) == 0) {
                    bytes_add(b, " ", 1);
                    i += 3;
                } else {
                    bytes_add(b, t->text + i++, 1);
                }
            }
        } else if (t->type == IE_TOK_BYTE && t->len >= 5) { /* <0xXX> */
            int hi = hexval(t->text[3]), lo = hexval(t->text[4]);
            char c = (char)((hi < 0 ? 0 : hi) << 4 | (lo < 0 ? 0 : lo));
            if (hi >= 0 && lo >= 0)
                bytes_add(b, &c, 1);
        }
        return true;
    }
    if (t->type != IE_TOK_NORMAL)
        return true;
    /* Byte-level BPE: each code point back to its byte. */
    size_t off = 0;
    while (off < t->len) {
        size_t at = off;
        uint32_t cp;
        ie_utf8_decode(t->text, t->len, &off, &cp);
        int byte = ie_cpt_to_byte(cp);
        if (byte >= 0) {
            char c = (char)byte;
            bytes_add(b, &c, 1);
        } else { /* llama.cpp's marker for a code point outside the map */
            static const char hex[] = "0123456789abcdef";
            char u[4];
            int n = ie_utf8_encode(cp, u);
            bytes_add(b, "[UNK_BYTE_0x", 12);
            for (int i = 0; i < n; i++) {
                char h[2] = {hex[(unsigned char)u[i] >> 4], hex[u[i] & 15]};
                bytes_add(b, h, 2);
            }
            bytes_add(b, t->text, t->len);
            bytes_add(b, "]", 1);
        }
        (void)at;
    }
    return true;
}

static int copy_out(const bytes *b, char *buf, int cap)
{
    if (b->oom || b->n > 0x7FFFFFFF)
        return -1;
    if (buf && b->n > 0 && b->n <= (size_t)cap)
        memcpy(buf, b->p, b->n);
    return (int)b->n;
}

int ie_token_to_piece(const ie_vocab *v, int32_t token, char *buf, int cap, bool render_special)
{
    bytes b = {0};
    int rc = v && piece(v, token, render_special, &b) ? copy_out(&b, buf, cap) : -1;
    free(b.p);
    return rc;
}

/* BPE vocabularies "clean up tokenization spaces" like Hugging Face: no
 * space before ? ! . , and before 's 'm 're 've. */
static void clean_spaces(bytes *b)
{
    char *t = b->p;
    size_t n = b->n, k = n ? 1 : 0;
    for (size_t i = 1; i < n; i++) {
        char x = t[i];
        if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',') && k > 0 && t[k - 1] == ' ')
            k--;
        t[k++] = x;
    }
    n = k;
    k = n ? 1 : 0;
    for (size_t i = 1; i < n; i++) {
        char x = t[i];
        if (t[i - 1] == ' ' && x == '\'' && i + 1 < n) {
            char x1 = t[i + 1];
            if (x1 == 's' || x1 == 'm')
                k--;
            else if (x1 != 't' && x1 != 'd' && i + 2 < n &&
                     ((x1 == 'r' && t[i + 2] == 'e') || (x1 == 'v' && t[i + 2] == 'e')))
                k--;
        }
        t[k++] = x;
    }
    b->n = k;
}

int ie_detokenize(const ie_vocab *v, const int32_t *tokens, int n, char *buf, int cap, bool render_special)
{
    if (!v || n < 0 || (!tokens && n > 0))
        return -1;
    bytes b = {0};
    int rc = -1;
    bool strip = v->add_space_prefix;
    for (int i = 0; i < n; i++) {
        size_t before = b.n;
        if (!piece(v, tokens[i], render_special, &b))
            goto done;
        if (strip && b.n > before && b.p[before] == ' ') { /* SentencePiece's prefixed space */
            memmove(b.p + before, b.p + before + 1, b.n - before - 1);
            b.n--;
        }
        strip = false;
    }
    if (v->clean_spaces && !b.oom && b.n)
        clean_spaces(&b);
    rc = copy_out(&b, buf, cap);
done:
    free(b.p);
    return rc;
}
