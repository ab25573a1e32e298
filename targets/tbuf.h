/* A growable text buffer for the generated files. Allocation failure
 * aborts: output is small and a half-written file must never escape. */
#ifndef INFRAC_TBUF_H
#define INFRAC_TBUF_H

#include <stddef.h>

typedef struct tbuf {
    char *data; /* always NUL-terminated once anything was added */
    size_t len, cap;
} tbuf;

void tbuf_init(tbuf *b);
void tbuf_free(tbuf *b);
void tbuf_add(tbuf *b, const char *s);
void tbuf_addn(tbuf *b, const char *s, size_t n);
void tbuf_printf(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the bytes over (never NULL) and leaves b empty. */
char *tbuf_take(tbuf *b, size_t *len);

/* Appends s quoted for a POSIX shell: bare when it only holds safe
 * characters, else in single quotes ('\'' for a quote). */
void tbuf_add_shell_word(tbuf *b, const char *s);
/* Appends s in single quotes, always (a value assigned to a variable). */
void tbuf_add_shell_quoted(tbuf *b, const char *s);

#endif
