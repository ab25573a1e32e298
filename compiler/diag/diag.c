/* Collecting diagnostics. Each is a small malloc'ed object: a run reports a
 * handful, and the renderers own no state. */
#include "diag/diag.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("infrac: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* Control characters copied from a fleet file into a message (a name, a
 * value) would reach the terminal of whoever reads the diagnostics: ESC
 * starts a terminal escape sequence (ECMA-48), CR and BS overwrite what was
 * printed. Every message, note and help is therefore stored with C0 bytes,
 * DEL and the C1 range (U+0080-U+009F, UTF-8 C2 80-C2 9F) written as \xNN or
 * \u{NN}, so each renderer (text, JSON, GitHub, SARIF) shows them visibly. */
static char *escape_controls(char *s)
{
    size_t extra = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F) extra += 3;
        else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) extra += 4, p++;
    }
    if (!extra) return s;
    size_t n = strlen(s);
    char *out = xmalloc(n + extra + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F) {
            o += sprintf(o, "\\x%02X", *p);
        } else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            o += sprintf(o, "\\u{%02X}", p[1]);
            p++;
        } else {
            *o++ = (char)*p;
        }
    }
    *o = '\0';
    free(s);
    return out;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    char *s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return escape_controls(s);
}

void diag_list_init(diag_list *l, const source_file *src)
{
    memset(l, 0, sizeof *l);
    l->src = src;
}

static void diag_free_one(diagnostic *d)
{
    free(d->message);
    for (size_t i = 0; i < d->n_notes; i++) free(d->notes[i].message);
    free(d->notes);
    free(d->help);
    free(d);
}

void diag_list_free(diag_list *l)
{
    for (size_t i = 0; i < l->n; i++) diag_free_one(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
    l->omitted[0] = l->omitted[1] = 0;
}

static diagnostic *vadd(diag_list *l, diag_severity sev, const char *code, src_span at,
                        const char *fmt, va_list ap)
{
    const diag_code_info *info = diag_code_lookup(code);
    assert(info && "diagnostic code missing from the registry");
    if (l->n >= DIAG_MAX_PER_FILE) {
        if (sev != DIAG_NOTE) l->omitted[sev == DIAG_ERROR ? 0 : 1]++;
        return NULL;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        diagnostic **items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            fputs("infrac: out of memory\n", stderr);
            abort();
        }
        l->items = items;
        l->cap = cap;
    }
    diagnostic *d = xmalloc(sizeof *d);
    memset(d, 0, sizeof *d);
    d->severity = sev;
    d->code = info ? info->code : "E0000";
    d->message = vformat(fmt, ap);
    d->at = at;
    d->seq = l->n;
    l->items[l->n++] = d;
    return d;
}

diagnostic *diag_error(diag_list *l, const char *code, src_span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diagnostic *d = vadd(l, DIAG_ERROR, code, at, fmt, ap);
    va_end(ap);
    return d;
}

diagnostic *diag_warning(diag_list *l, const char *code, src_span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diagnostic *d = vadd(l, DIAG_WARNING, code, at, fmt, ap);
    va_end(ap);
    return d;
}

void diag_note(diagnostic *d, src_span at, const char *fmt, ...)
{
    if (!d) return;
    diag_label *notes = realloc(d->notes, (d->n_notes + 1) * sizeof *notes);
    if (!notes) {
        fputs("infrac: out of memory\n", stderr);
        abort();
    }
    d->notes = notes;
    va_list ap;
    va_start(ap, fmt);
    d->notes[d->n_notes].at = at;
    d->notes[d->n_notes].message = vformat(fmt, ap);
    va_end(ap);
    d->n_notes++;
}

void diag_help(diagnostic *d, const char *fmt, ...)
{
    if (!d) return;
    va_list ap;
    va_start(ap, fmt);
    char *h = vformat(fmt, ap);
    va_end(ap);
    free(d->help);
    d->help = h;
}

size_t diag_count(const diag_list *l, diag_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i]->severity == sev) n++;
    if (sev == DIAG_ERROR) n += l->omitted[0];
    if (sev == DIAG_WARNING) n += l->omitted[1];
    return n;
}

size_t diag_omitted(const diag_list *l) { return l->omitted[0] + l->omitted[1]; }

static int by_position(const void *pa, const void *pb)
{
    const diagnostic *a = *(diagnostic *const *)pa, *b = *(diagnostic *const *)pb;
    /* Diagnostics without a position (whole-file problems) come first. */
    if (a->at.line != b->at.line) return a->at.line < b->at.line ? -1 : 1;
    if (a->at.col != b->at.col) return a->at.col < b->at.col ? -1 : 1;
    if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
    return 0;
}

void diag_sort(diag_list *l)
{
    if (l->n > 1) qsort(l->items, l->n, sizeof *l->items, by_position);
}
