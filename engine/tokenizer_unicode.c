/* UTF-8 and code point classes for the tokenizers (see tokenizer_unicode.h). */
#include "tokenizer_unicode.h"

#include <stdlib.h>

uint8_t ie_uc_flags(uint32_t cp)
{
    if (cp > 0x10FFFF)
        return IE_UC_NONE;
    size_t lo = 0, hi = ie_ucd_n_ranges; /* last range with start <= cp */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ie_ucd_ranges[mid].start <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return ie_ucd_ranges[lo].flags;
}

bool ie_utf8_decode(const char *str, size_t len, size_t *off, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str + *off;
    size_t left = len - *off;
    size_t need;
    uint32_t v;
    if (s[0] < 0x80) {
        *cp = s[0];
        *off += 1;
        return true;
    }
    if (!(s[0] & 0x40))
        goto invalid;
    if (!(s[0] & 0x20)) {
        need = 2;
        v = s[0] & 0x1F;
    } else if (!(s[0] & 0x10)) {
        need = 3;
        v = s[0] & 0x0F;
    } else if (!(s[0] & 0x08)) {
        need = 4;
        v = s[0] & 0x07;
    } else {
        goto invalid;
    }
    if (left < need)
        goto invalid;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto invalid;
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* Overlong forms and surrogates are accepted, as llama.cpp does. */
    *cp = v;
    *off += need;
    return true;
invalid:
    *cp = 0xFFFD;
    *off += 1;
    return false;
}

uint32_t *ie_utf8_to_cpts(const char *s, size_t len, size_t *n)
{
    uint32_t *out = malloc((len ? len : 1) * sizeof *out);
    if (!out)
        return NULL;
    size_t off = 0, k = 0;
    while (off < len)
        ie_utf8_decode(s, len, &off, &out[k++]);
    *n = k;
    return out;
}

int ie_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t ie_utf8_len(unsigned char lead)
{
    static const unsigned char by_high_nibble[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return by_high_nibble[lead >> 4];
}

/* Printable bytes map to themselves; the 68 others to U+0100 + n in order. */
static bool byte_is_printable(unsigned b)
{
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

uint32_t ie_byte_to_cpt(uint8_t b)
{
    if (byte_is_printable(b))
        return b;
    if (b <= 0x20)
        return 0x100 + b;                 /* 33 control bytes and space */
    if (b >= 0x7F && b <= 0xA0)
        return 0x100 + 33 + (b - 0x7F);   /* DEL, C1 controls, NBSP */
    return 0x100 + 67;                    /* 0xAD soft hyphen */
}

int ie_cpt_to_byte(uint32_t cp)
{
    if (cp < 0x100)
        return byte_is_printable(cp) ? (int)cp : -1;
    if (cp < 0x100 + 33)
        return (int)(cp - 0x100);
    if (cp < 0x100 + 67)
        return (int)(cp - 0x100 - 33 + 0x7F);
    if (cp == 0x100 + 67)
        return 0xAD;
    return -1;
}
