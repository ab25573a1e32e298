#include "tbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tbuf_init(tbuf *b) { b->data = NULL; b->len = b->cap = 0; }

void tbuf_free(tbuf *b)
{
    free(b->data);
    tbuf_init(b);
}

static void tbuf_reserve(tbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        fputs("infrac: out of memory\n", stderr);
        abort();
    }
    b->data = p;
    b->cap = cap;
}

void tbuf_addn(tbuf *b, const char *s, size_t n)
{
    tbuf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void tbuf_add(tbuf *b, const char *s) { tbuf_addn(b, s, strlen(s)); }

void tbuf_printf(tbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    tbuf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *tbuf_take(tbuf *b, size_t *len)
{
    tbuf_reserve(b, 0);
    char *p = b->data;
    if (len)
        *len = b->len;
    tbuf_init(b);
    return p;
}

static int shell_safe(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("-_./,:=+@%", c)))
            return 0;
    }
    return 1;
}

void tbuf_add_shell_word(tbuf *b, const char *s)
{
    if (shell_safe(s))
        tbuf_add(b, s);
    else
        tbuf_add_shell_quoted(b, s);
}

void tbuf_add_shell_quoted(tbuf *b, const char *s)
{
    tbuf_add(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            tbuf_add(b, "'\\''");
        else
            tbuf_addn(b, s, 1);
    }
    tbuf_add(b, "'");
}
