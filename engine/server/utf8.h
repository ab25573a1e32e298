/* UTF-8 checks for request bodies and for model output, whose tokens may
 * split a character or (from a random model) be no valid UTF-8 at all. */
#ifndef INFRAC_SERVER_UTF8_H
#define INFRAC_SERVER_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool utf8_valid(const char *s, size_t n);

/* Appends to out the text of in[0..n) with each invalid sequence replaced
 * by U+FFFD. Unless final, a trailing sequence that may still complete is
 * left unconsumed; returns the bytes consumed. */
size_t utf8_sanitize(const char *in, size_t n, bool final, strbuf *out);

#endif
