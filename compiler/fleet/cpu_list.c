/* CPU lists (cpu_list.h). */
#include "fleet/cpu_list.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool has(const cpu_list *l, uint32_t c) { return (l->bits[c / 64] >> (c % 64)) & 1u; }

static bool number(const char **p, uint32_t *out)
{
    if (!isdigit((unsigned char)**p)) return false;
    unsigned long v = 0;
    while (isdigit((unsigned char)**p)) {
        v = v * 10 + (unsigned long)(**p - '0');
        if (v > 1000000) return false;
        (*p)++;
    }
    *out = (uint32_t)v;
    return true;
}

bool cpu_list_parse(const char *text, cpu_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        uint32_t lo, hi;
        const char *word = p;
        if (!number(&p, &lo)) {
            snprintf(err, errlen, "\"%.*s\" is not a CPU index or a lo-hi range", (int)strcspn(word, " ,"), word);
            return false;
        }
        hi = lo;
        if (*p == '-') {
            p++;
            if (!number(&p, &hi)) {
                snprintf(err, errlen, "\"%.*s\" is not a lo-hi range", (int)strcspn(word, " ,"), word);
                return false;
            }
        }
        if (*p && *p != ' ' && *p != ',') {
            snprintf(err, errlen, "\"%.*s\" is not a CPU index or a lo-hi range", (int)strcspn(word, " ,"), word);
            return false;
        }
        if (hi < lo) {
            snprintf(err, errlen, "range %u-%u runs backwards", lo, hi);
            return false;
        }
        if (hi >= CPU_LIST_MAX) {
            snprintf(err, errlen, "CPU %u is beyond the %u CPUs infrac handles", hi, CPU_LIST_MAX);
            return false;
        }
        for (uint32_t c = lo; c <= hi; c++) {
            if (!has(out, c)) out->count++;
            out->bits[c / 64] |= 1ull << (c % 64);
        }
        if (hi > out->highest) out->highest = hi;
    }
    if (!out->count) {
        snprintf(err, errlen, "the list names no CPU");
        return false;
    }
    return true;
}

void cpu_list_format(const cpu_list *l, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t c = 0; c <= l->highest && l->count;) {
        if (!has(l, c)) {
            c++;
            continue;
        }
        uint32_t end = c;
        while (end + 1 <= l->highest && has(l, end + 1)) end++;
        int w = end == c ? snprintf(buf + used, n - used, "%s%u", used ? " " : "", c)
                         : snprintf(buf + used, n - used, "%s%u-%u", used ? " " : "", c, end);
        if (w < 0 || (size_t)w >= n - used) return;
        used += (size_t)w;
        c = end + 1;
    }
}

void cpu_list_hex_mask(const cpu_list *l, char *buf, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t used = 0;
    if (n == 0) return;
    int top = l->count ? (int)(l->highest / 4) : 0;
    for (int nib = top; nib >= 0 && used + 1 < n; nib--) {
        unsigned v = 0;
        for (int b = 3; b >= 0; b--) v = v << 1 | (has(l, (uint32_t)(nib * 4 + b)) ? 1u : 0u);
        buf[used++] = digits[v];
    }
    buf[used] = '\0';
}
