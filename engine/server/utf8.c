#include "utf8.h"

#include <stdint.h>

/* Length of the valid sequence at s (1..4), 0 when invalid, or -1 when s
 * holds a valid but incomplete prefix of a sequence. */
static int seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int len;
    unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlongs */
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        unsigned b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
            return 0;
    }
    return len;
}

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        int l = seq_len(p + i, n - i);
        if (l <= 0)
            return false;
        i += (size_t)l;
    }
    return true;
}

size_t utf8_sanitize(const char *in, size_t n, bool final, strbuf *out)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0, run = 0; /* run: start of the valid bytes not yet copied */
    while (i < n) {
        int l = seq_len(p + i, n - i);
        if (l > 0) {
            i += (size_t)l;
            continue;
        }
        sb_append(out, in + run, i - run);
        if (l < 0 && !final)
            return i;
        sb_append(out, replacement, 3);
        i += 1;
        /* A truncated sequence at the end is one replacement, not several. */
        if (l < 0)
            while (i < n && (p[i] & 0xC0) == 0x80)
                i++;
        run = i;
    }
    sb_append(out, in + run, i - run);
    return i;
}
