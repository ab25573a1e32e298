#include "tokenize_util.h"

#include <stdlib.h>

int tokenize_text(const ie_vocab *v, const char *text, size_t len, bool add_special,
                  bool parse_special, int32_t **out)
{
    int cap = (int)(len < 1000000 ? len : 1000000) + 8;
    for (;;) {
        int32_t *buf = malloc((size_t)cap * sizeof *buf);
        if (!buf)
            abort();
        int n = ie_tokenize(v, text, len, add_special, parse_special, buf, cap);
        if (n >= 0 && n <= cap) {
            *out = buf;
            return n;
        }
        free(buf);
        if (n < 0)
            return -1;
        cap = n;
    }
}

/* Calls fill(buf, cap) until its result fits, then appends it. */
static bool grow_call(strbuf *out, int (*fill)(const void *, char *, int), const void *arg)
{
    int cap = 256;
    for (;;) {
        char *buf = malloc((size_t)cap);
        if (!buf)
            abort();
        int n = fill(arg, buf, cap);
        if (n >= 0 && n <= cap) {
            sb_append(out, buf, (size_t)n);
            free(buf);
            return true;
        }
        free(buf);
        if (n < 0)
            return false;
        cap = n;
    }
}

typedef struct detok_args {
    const ie_vocab *v;
    const int32_t *tokens;
    int n;
    bool special;
} detok_args;

static int detok_fill(const void *a, char *buf, int cap)
{
    const detok_args *d = a;
    return ie_detokenize(d->v, d->tokens, d->n, buf, cap, d->special);
}

static int piece_fill(const void *a, char *buf, int cap)
{
    const detok_args *d = a;
    return ie_token_to_piece(d->v, d->tokens[0], buf, cap, d->special);
}

bool detokenize_tokens(const ie_vocab *v, const int32_t *tokens, int n, bool render_special,
                       strbuf *out)
{
    detok_args a = {v, tokens, n, render_special};
    return grow_call(out, detok_fill, &a);
}

bool token_piece(const ie_vocab *v, int32_t token, bool render_special, strbuf *out)
{
    detok_args a = {v, &token, 1, render_special};
    return grow_call(out, piece_fill, &a);
}
