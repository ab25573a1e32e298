#include "text_stream.h"

#include <string.h>

#include "utf8.h"

void text_stream_init(text_stream *t, char *const *stop, size_t n_stop)
{
    memset(t, 0, sizeof *t);
    t->stop = stop;
    t->n_stop = n_stop;
}

void text_stream_free(text_stream *t)
{
    sb_free(&t->raw);
    sb_free(&t->held);
}

/* Length of the longest suffix of s that is a proper prefix of a stop. */
static size_t stop_prefix_suffix(const text_stream *t, const char *s, size_t n)
{
    size_t best = 0;
    for (size_t k = 0; k < t->n_stop; k++) {
        size_t sl = strlen(t->stop[k]);
        size_t max = sl - 1 < n ? sl - 1 : n;
        for (size_t l = max; l > best; l--)
            if (memcmp(s + n - l, t->stop[k], l) == 0) {
                best = l;
                break;
            }
    }
    return best;
}

bool text_stream_feed(text_stream *t, const char *piece, size_t n, strbuf *out)
{
    if (t->stopped)
        return true;
    sb_append(&t->raw, piece, n);
    size_t used = utf8_sanitize(t->raw.p, t->raw.len, false, &t->held);
    sb_consume(&t->raw, used);

    /* The earliest stop sequence wins. */
    const char *first = NULL;
    for (size_t k = 0; k < t->n_stop; k++) {
        const char *hit =
            t->held.len ? memmem(t->held.p, t->held.len, t->stop[k], strlen(t->stop[k])) : NULL;
        if (hit && (!first || hit < first))
            first = hit;
    }
    if (first) {
        sb_append(out, t->held.p, (size_t)(first - t->held.p));
        sb_clear(&t->held);
        sb_clear(&t->raw);
        t->stopped = true;
        return true;
    }
    size_t keep = stop_prefix_suffix(t, t->held.p, t->held.len);
    sb_append(out, t->held.p, t->held.len - keep);
    sb_consume(&t->held, t->held.len - keep);
    return false;
}

void text_stream_finish(text_stream *t, strbuf *out)
{
    if (t->stopped)
        return;
    utf8_sanitize(t->raw.p, t->raw.len, true, &t->held);
    sb_clear(&t->raw);
    sb_append(out, t->held.p, t->held.len);
    sb_clear(&t->held);
}
