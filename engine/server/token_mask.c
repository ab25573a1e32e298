#include "token_mask.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct token_pieces {
    int32_t n;
    uint32_t *off; /* n + 1 offsets into bytes */
    char *bytes;
};

token_pieces *token_pieces_new(const ie_vocab *v)
{
    token_pieces *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->n = ie_vocab_size(v);
    p->off = malloc(((size_t)p->n + 1) * sizeof *p->off);
    size_t cap = 1024, len = 0;
    p->bytes = malloc(cap);
    if (!p->off || !p->bytes)
        abort();
    for (int32_t t = 0; t < p->n; t++) {
        p->off[t] = (uint32_t)len;
        /* The end-of-generation token and control tokens are no text:
         * they render empty and are never allowed by the mask. */
        if (ie_vocab_is_eog(v, t))
            continue;
        for (;;) {
            int k = ie_token_to_piece(v, t, p->bytes + len, (int)(cap - len), false);
            if (k <= 0)
                break;
            if ((size_t)k <= cap - len) {
                len += (size_t)k;
                break;
            }
            cap = (cap + (size_t)k) * 2;
            p->bytes = realloc(p->bytes, cap);
            if (!p->bytes)
                abort();
        }
        if (cap - len < 256) {
            cap *= 2;
            p->bytes = realloc(p->bytes, cap);
            if (!p->bytes)
                abort();
        }
    }
    p->off[p->n] = (uint32_t)len;
    return p;
}

void token_pieces_free(token_pieces *p)
{
    if (!p)
        return;
    free(p->off);
    free(p->bytes);
    free(p);
}

const char *token_pieces_get(const token_pieces *p, int32_t tok, uint32_t *len)
{
    *len = p->off[tok + 1] - p->off[tok];
    return p->bytes + p->off[tok];
}

int32_t token_pieces_count(const token_pieces *p) { return p->n; }

uint32_t token_mask_json(const token_pieces *p, const json_matcher *m, uint32_t budget,
                         float *logits)
{
    uint32_t allowed = 0;
    for (int32_t t = 0; t < p->n; t++) {
        uint32_t len;
        const char *b = token_pieces_get(p, t, &len);
        json_matcher try = *m;
        /* Empty tokens make no progress: never allowed. */
        bool ok = len > 0 && jm_feed_all(&try, b, len) && jm_min_close(&try) <= budget;
        if (ok)
            allowed++;
        else
            logits[t] = -INFINITY;
    }
    return allowed;
}
