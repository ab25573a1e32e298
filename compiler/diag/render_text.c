/* The human format, like clang and rustc:
 *   fleet.yaml:12:5: error[E0201]: unknown key 'gpu' in service 'chat'
 *      12 |     gpu: [0]
 *         |     ^~~
 *   fleet.yaml:3:5: note: first defined here
 *   ...
 *     help: did you mean 'gpus'?
 * followed by a summary line. Columns and underlines count characters;
 * control bytes and invalid UTF-8 in an excerpt print as '?'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag/render_util.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[1;31m"
#define C_YELLOW "\033[1;33m"
#define C_CYAN "\033[1;36m"
#define C_GREEN "\033[1;32m"
#define C_BLUE "\033[1;34m"

typedef struct style {
    bool on;
} style;

static const char *sev_color(diag_severity s)
{
    return s == DIAG_ERROR ? C_RED : s == DIAG_WARNING ? C_YELLOW : C_CYAN;
}

static void put(const style *st, FILE *out, const char *color, const char *text)
{
    if (st->on) fputs(color, out);
    fputs(text, out);
    if (st->on) fputs(C_RESET, out);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { k = 2; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { k = 3; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { k = 4; min = 0x10000; }
    else return 0;
    if (k > n) return 0;
    unsigned cp = c & (0xFF >> (k + 1));
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return k;
}

/* Longer lines show a window around the caret, marked with "...". */
#define EXCERPT_MAX_CHARS 120

/* Prints a line excerpt with the gutter, then the underline from character
 * column c0 to c1 (exclusive). Characters are counted as render_char_col does:
 * every byte that is not a UTF-8 continuation byte is one column. */
static void excerpt(const style *st, FILE *out, const source_file *src, uint32_t line, uint32_t c0,
                    uint32_t c1, int width, const char *ucolor)
{
    size_t len;
    const char *text = source_line(src, line, &len);
    if (!text) return;
    const unsigned char *s = (const unsigned char *)text;
    uint32_t total = render_char_col(src, line, (uint32_t)len + 1) - 1;
    uint32_t first = 1, last = UINT32_MAX;
    if (total > EXCERPT_MAX_CHARS) {
        first = c0 > 40 ? c0 - 40 : 1;
        last = first + EXCERPT_MAX_CHARS;
    }
    bool cut_left = first > 1, cut_right = last <= total;
    if (c1 > last) c1 = last;

    fprintf(out, " ");
    char num[16];
    snprintf(num, sizeof num, "%*u |", width, line);
    put(st, out, C_BLUE, num);
    if (len) fputc(' ', out);
    if (cut_left) fputs("...", out);
    /* the underline's indentation mirrors tabs so the caret lines up */
    char *prefix = NULL;
    size_t plen = 0;
    FILE *pf = open_memstream(&prefix, &plen);
    uint32_t col = 1;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_len(s + i, len - i);
        bool tab = s[i] == '\t';
        uint32_t cols = (s[i] & 0xC0) != 0x80 ? 1 : 0;
        bool shown = col >= first && col < last;
        if (shown) {
            if (k == 1 && (s[i] < 0x20 || s[i] == 0x7F) && !tab) fputc('?', out);
            else if (k == 0) fputc('?', out);
            else fwrite(s + i, 1, k, out);
            if (cols && col < c0 && pf) fputc(tab ? '\t' : ' ', pf);
        }
        if (k == 0) k = 1;
        col += cols;
        i += k;
    }
    if (cut_right) fputs("...", out);
    fputc('\n', out);
    while (pf && col < c0) { /* underline past the end of the line */
        fputc(' ', pf);
        col++;
    }
    if (pf) fclose(pf);
    fprintf(out, " %*s ", width, "");
    put(st, out, C_BLUE, "|");
    fputc(' ', out);
    if (cut_left) fputs("   ", out);
    if (prefix) fwrite(prefix, 1, plen, out);
    free(prefix);
    if (st->on) fputs(ucolor, out);
    fputc('^', out);
    for (uint32_t c = c0 + 1; c < c1; c++) fputc('~', out);
    if (st->on) fputs(C_RESET, out);
    fputc('\n', out);
}

static uint32_t line_end_col(const source_file *src, uint32_t line)
{
    size_t len;
    const char *t = source_line(src, line, &len);
    if (!t) return 1;
    return render_char_col(src, line, (uint32_t)len + 1);
}

static void location(const style *st, FILE *out, const char *path, char_span c)
{
    char buf[64];
    if (st->on) fputs(C_BOLD, out);
    fputs(path, out);
    if (c.line) {
        snprintf(buf, sizeof buf, ":%u:%u", c.line, c.col);
        fputs(buf, out);
    }
    fputs(":", out);
    if (st->on) fputs(C_RESET, out);
    fputc(' ', out);
}

static int digits(uint32_t n)
{
    int d = 1;
    while (n >= 10) { n /= 10; d++; }
    return d;
}

static void span_excerpt(const style *st, FILE *out, const source_file *src, char_span c, int width,
                         const char *ucolor)
{
    if (!c.line) return;
    uint32_t end = c.end_line == c.line ? c.end_col : line_end_col(src, c.line);
    if (end <= c.col) end = c.col + 1;
    excerpt(st, out, src, c.line, c.col, end, width, ucolor);
}

static void render_one(const style *st, FILE *out, const diag_list *l, const diagnostic *d)
{
    const source_file *src = l->src;
    const char *path = render_path(l);
    char_span c = render_char_span(src, d->at);
    uint32_t maxline = c.line;
    for (size_t i = 0; i < d->n_notes; i++)
        if (d->notes[i].at.line > maxline) maxline = d->notes[i].at.line;
    int width = digits(maxline);

    location(st, out, path, c);
    char head[64];
    snprintf(head, sizeof head, "%s[%s]", render_severity_name(d->severity), d->code);
    put(st, out, sev_color(d->severity), head);
    if (st->on) fputs(C_BOLD, out);
    fprintf(out, ": %s", d->message);
    if (st->on) fputs(C_RESET, out);
    fputc('\n', out);
    span_excerpt(st, out, src, c, width, sev_color(d->severity));
    for (size_t i = 0; i < d->n_notes; i++) {
        char_span nc = render_char_span(src, d->notes[i].at);
        if (nc.line) location(st, out, path, nc);
        else fprintf(out, "  ");
        put(st, out, C_CYAN, "note");
        fprintf(out, ": %s\n", d->notes[i].message);
        span_excerpt(st, out, src, nc, width, C_CYAN);
    }
    if (d->help) {
        fprintf(out, "  ");
        put(st, out, C_GREEN, "help");
        fprintf(out, ": %s\n", d->help);
    }
}

void render_text(const diag_list *l, bool color, FILE *out)
{
    style st = {color};
    for (size_t i = 0; i < l->n; i++) render_one(&st, out, l, l->items[i]);
    if (diag_omitted(l)) {
        put(&st, out, C_GREEN, "note");
        fprintf(out, ": %zu more error%s and %zu more warning%s not shown (the first %u are)\n", l->omitted[0],
                l->omitted[0] == 1 ? "" : "s", l->omitted[1], l->omitted[1] == 1 ? "" : "s", DIAG_MAX_PER_FILE);
    }
    size_t ne = diag_count(l, DIAG_ERROR), nw = diag_count(l, DIAG_WARNING);
    if (ne == 0 && nw == 0) return;
    diag_severity top = ne ? DIAG_ERROR : DIAG_WARNING;
    put(&st, out, sev_color(top), render_severity_name(top));
    if (st.on) fputs(C_BOLD, out);
    fputs(": ", out);
    if (ne) fprintf(out, "%zu error%s", ne, ne == 1 ? "" : "s");
    if (ne && nw) fputs(", ", out);
    if (nw) fprintf(out, "%zu warning%s", nw, nw == 1 ? "" : "s");
    fputs(" emitted", out);
    if (st.on) fputs(C_RESET, out);
    fputc('\n', out);
}
