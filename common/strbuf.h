/* A growable byte buffer, always NUL-terminated once anything was added;
 * shared by the HTTP server and the build targets. Allocation failure
 * aborts: every input is bounded, so running out means the machine is gone
 * (and a half-written generated file must never escape). */
#ifndef INFRAC_STRBUF_H
#define INFRAC_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

void sb_append(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes. */
void sb_consume(strbuf *b, size_t n);
void sb_clear(strbuf *b);
void sb_free(strbuf *b);
/* Hands the bytes over (caller frees); the buffer is left empty. */
char *sb_steal(strbuf *b);

#endif
